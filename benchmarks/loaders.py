"""One epoch of the linear model with the posts' `list(zip(x, y))` loaders vs `tensor_dls`, measured side by side.

Same data (the full layout's `training` and `testing` splits, flattened), same batch size (256), same model and
optimiser; each measurement is the best of five, the two loaders timed in alternation. `measure()` returns rows of
seconds from this one run; no thresholds. Run alone: `.venv/bin/python benchmarks/loaders.py`, or all benchmarks:
`make benchmarks`. On a busy machine, `OMP_NUM_THREADS=1` gives steadier numbers (torch's threads otherwise
compete with other processes)."""
import time
from mnist_nb.data import mnist_path, data_source, load_digits  # first: mnist_nb refuses a broken fastai before it loads
import torch
from torch import nn
from fastai.data.load import DataLoader
from fastai.optimizer import SGD
from mnist_nb.sgd import train_model
from mnist_nb.loaders import tensor_dls
from mnist_nb.losses import cross_entropy_loss
from mnist_nb.loaders import flatten_digits

def posts_loaders(train, valid, bs):
    "The posts' loaders: fastai's `DataLoader` over lists of (image, label) pairs, both shuffled as in post 002"
    return (DataLoader(list(zip(*train)), batch_size=bs, shuffle=True),
            DataLoader(list(zip(*valid)), batch_size=bs, shuffle=True))

def iterate(train_dl, valid_dl):
    "Draw every batch of one epoch from both loaders, doing nothing with them"
    for dl in (train_dl, valid_dl):
        for _ in dl: pass

def linear_epoch(train_dl, valid_dl):
    "One epoch of `train_model` (training pass, then validation loss and accuracy) for a fresh linear model"
    model = nn.Linear(28*28, 10)
    train_model(model, train_dl, valid_dl, cross_entropy_loss, SGD(model.parameters(), 1e-2), epochs=1)

def best_seconds(task, loaders:dict, repeat:int=5) -> dict:
    "Best wall-clock seconds of `task(*dls)` for each entry of `loaders`, the entries timed in alternation"
    best = {name: float('inf') for name in loaders}
    for _ in range(repeat):
        for name, dls in loaders.items():
            start = time.perf_counter(); task(*dls); best[name] = min(best[name], time.perf_counter() - start)
    return best

def measure(repeat:int=5):
    "Best-of-`repeat` seconds for loading an epoch's batches and for one epoch of the linear model, with each kind of loader"
    path = mnist_path()
    train, valid = (flatten_digits(*load_digits(path/split)) for split in ('training', 'testing'))
    bs = 256
    tensor = tensor_dls(train, valid, bs=bs)
    loaders = dict(posts_way=posts_loaders(train, valid, bs), mnist_nb=(tensor.train, tensor.valid))
    torch.manual_seed(42)
    size = f"{len(train[0]):,} + {len(valid[0]):,} images, bs {bs}, {torch.get_num_threads()} thread(s)"
    return [dict(benchmark=f'{label} ({size})', **best_seconds(task, loaders, repeat))
            for label, task in (('loader epoch, list(zip) vs tensor_dls', iterate),
                                ('linear-model epoch, list(zip) vs tensor_dls', linear_epoch))]

if __name__ == '__main__':
    print(data_source(mnist_path()))
    for r in measure():
        print(f"{r['benchmark']:85} list of pairs {r['posts_way']:6.3f}s | tensor_dls {r['mnist_nb']:6.3f}s"
              f" | ratio {r['posts_way']/r['mnist_nb']:4.1f}x")
