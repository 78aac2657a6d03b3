"""resnet18 throughput on this machine, measured side by side in one run:

1. post 002's pipeline (horizontal flips on) against the notebook's (flips off): one epoch each, same images and seed;
2. the input pipeline's cost: the same model, batch size and optimizer stepping through the real `DataLoaders`,
   first decoding and resizing every PNG (the post's `DataBlock`), then reading the presized tensors (`PresizedDL`,
   what `train_run` uses), against stepping through the same batches held in memory (the bare model step).
   The ratios printed are each pipeline's speed as a fraction of the bare step (1.0: the pipeline costs nothing).

`measure()` returns rows of seconds per 1,000 images for each way, so that the ratio reads like the other
benchmarks' (above 1: the second way is faster). No thresholds."""
from mnist_nb.data import mnist_path
from mnist_nb.loaders import mnist_datablock
from mnist_nb.schedules import images_per_second
from mnist_nb.train import PhaseTimer
from fastai.vision.all import set_seed, vision_learner, resnet18, accuracy

def one_epoch(flips:bool, per_split:int=640, bs:int=64) -> dict:
    "Images per second for training and validation, one epoch of resnet18 on `per_split` images of each split"
    set_seed(42, reproducible=True)
    dls = mnist_datablock(per_split=per_split, flips=flips).dataloaders(mnist_path(), bs=bs, num_workers=0)
    timer = PhaseTimer()
    learn = vision_learner(dls, resnet18, pretrained=False, metrics=accuracy, cbs=timer)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    return {k: timer.row[f'{k}_images']/timer.row[f'{k}_s'] for k in ('train', 'valid')}

def measure():
    "Rows of seconds per 1,000 images: post's pipeline vs mnist_nb's (flips), PNG vs presized loaders, presized vs bare"
    posts, ours = one_epoch(flips=True), one_epoch(flips=False)
    loaders = {}
    for presized in (False, True):
        set_seed(42, reproducible=True)
        loaders[presized] = mnist_datablock(per_split=1280, flips=True, presized=presized).dataloaders(mnist_path(), bs=64, num_workers=0)
    speeds = dict(png=[], presized=[], bare=[])
    for _ in range(3):  # alternated, best of three, so that a busy moment does not favour one side
        speeds['png'].append(images_per_second(loaders[False], batches=12))
        speeds['presized'].append(images_per_second(loaders[True], batches=12))
        speeds['bare'].append(images_per_second(loaders[True], batches=12, in_memory=True))
    png, presized, bare = (max(speeds[k]) for k in ('png', 'presized', 'bare'))
    print(f"resnet18 input pipeline: presized tensors at {presized/bare:.2f} of the bare model step's speed, "
          f"PNG files at {png/bare:.2f} ({presized:.0f} and {png:.0f} img/s through the loaders, {bare:.0f} img/s "
          "from batches in memory)")
    return [dict(benchmark=f'resnet18 training, s per 1,000 images ({ours["train"]:.0f} img/s here)', posts_way=1000/posts['train'], mnist_nb=1000/ours['train']),
            dict(benchmark=f'resnet18 validation, s per 1,000 images ({ours["valid"]:.0f} img/s here)', posts_way=1000/posts['valid'], mnist_nb=1000/ours['valid']),
            dict(benchmark='resnet18 step, PNG loaders vs presized tensors', posts_way=1000/png, mnist_nb=1000/presized),
            dict(benchmark=f'resnet18 step, presized loaders vs in memory (at {presized/bare:.2f} of bare speed)', posts_way=1000/presized, mnist_nb=1000/bare)]

if __name__ == '__main__':
    for r in measure(): print(f"{r['benchmark']:70} first way {r['posts_way']:7.2f}s  second way {r['mnist_nb']:7.2f}s  ratio {r['posts_way']/r['mnist_nb']:5.2f}x")
