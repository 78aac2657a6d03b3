
import copyreg, json, math, os, pickle, random, sys, tempfile, time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import plum
import torchvision

from mnist_nb.data import mnist_path, data_source
from mnist_nb.results import write_atomically


from fastai.vision.all import *
from fastai.distributed import *
from fastcore.script import call_parse, store_true


def mnist_files(path, per_split:int|None=None, seed:int=42) -> L:
    "The PNG files under `path`; with `per_split`, a fixed random `per_split` of each split folder"
    files = get_image_files(path)
    if per_split is None: return files
    rng = random.Random(seed)
    splits = groupby(files, lambda f: f.parent.parent.name)
    return L(f for split in sorted(splits) for f in rng.sample(sorted(splits[split]), min(per_split, len(splits[split]))))


def mnist_datablock(per_split:int|None=None, # Use only this many files of each split (all if `None`)
                    flips:bool=False, # Flip images left-right in augmentation, as the post did
                    seed:int=42, # Seed of the subset choice
                   ) -> DataBlock:
    "Post 002's `DataBlock` (presizing: `Resize(32)`, then batch augmentation to 28), flips only if `flips`"
    return DataBlock(blocks=(ImageBlock, CategoryBlock),
                     get_items=partial(mnist_files, per_split=per_split, seed=seed),
                     splitter=GrandparentSplitter(train_name='training', valid_name='testing'),
                     get_y=parent_label,
                     item_tfms=Resize(32),
                     batch_tfms=aug_transforms(size=28, min_scale=0.75, do_flip=flips))


def fit_step(name:str, # Name of the step in the run's history
             epochs:int, # Epochs of the one-cycle schedule
             lr_max, # Peak learning rate: a number, or `[start, stop]` for a `slice` (start may be `None`)
             freeze:bool|None=None, # `True`: freeze the body first, `False`: unfreeze it, `None`: leave it
             **one_cycle_kwargs) -> dict: # Other `fit_one_cycle` arguments (`pct_start`, `div`, ...)
    "One `fit_one_cycle` call of a schedule, as a JSON-friendly dict"
    return dict(kind='fit', name=name, epochs=epochs, lr_max=lr_max, freeze=freeze, **one_cycle_kwargs)

def fine_tune_steps(epochs:int, base_lr:float=2e-3, freeze_epochs:int=1, lr_mult:float=100,
                    pct_start:float=0.3, div:float=5.0) -> list:
    "fastai's `fine_tune(epochs, base_lr)` as the two `fit_one_cycle` steps it runs"
    half = base_lr/2
    return [fit_step('frozen', freeze_epochs, [None, base_lr], freeze=True, pct_start=0.99),
            fit_step('unfrozen', epochs, [half/lr_mult, half], freeze=False, pct_start=pct_start, div=div)]


def post_schedule(epochs:int=5, base_lr:float=3e-3, num_it:int=100) -> list:
    "Post 002's schedule: `lr_find`, `fine_tune`, interpretation, `lr_find`, `fit_one_cycle(5, slice(1e-6,1e-4))`"
    return [dict(kind='lr_find', name='lr_find', num_it=num_it), *fine_tune_steps(epochs, base_lr),
            dict(kind='interpret', name='after fine_tune'), dict(kind='lr_find', name='lr_find unfrozen', num_it=num_it),
            fit_step('discriminative', epochs, [1e-6, 1e-4]), dict(kind='interpret', name='final')]


def _lr(lr): return slice(*lr) if isinstance(lr, (list, tuple)) else lr

def _rng_states(learn) -> dict:
    "Every random state a training run draws from, the loaders' own generators included"
    return dict(python=random.getstate(), numpy=np.random.get_state(), torch=torch.get_rng_state(),
                cuda=torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                loaders=[dl.rng.getstate() for dl in learn.dls.loaders])

def _set_rng_states(learn, states:dict):
    "Put back the random states saved by `_rng_states`"
    random.setstate(states['python']); np.random.set_state(states['numpy']); torch.set_rng_state(states['torch'])
    if states['cuda'] and torch.cuda.is_available(): torch.cuda.set_rng_state_all(states['cuda'])
    for dl, state in zip(learn.dls.loaders, states['loaders']): dl.rng.setstate(state)


class EpochLog(Callback):
    "After each epoch of a `fit` step: its losses, accuracy and timings in `run.history`, then a checkpoint"
    order = 90
    def __init__(self, run, step:int, start_epoch:int=0): store_attr()
    def before_fit(self):
        "On a resumed fit, put back the running average that fastai reports as `train_loss`"
        if self.start_epoch and self.run.smooth_loss: self.recorder.smooth_loss.count, self.recorder.smooth_loss.val = self.run.smooth_loss
    def before_epoch(self): self.row = dict(train_s=0., train_images=0, valid_s=0., valid_images=0)
    def before_train(self): self.started = time.perf_counter()
    def after_train(self): self.row['train_s'] += time.perf_counter() - self.started
    def before_validate(self): self.started = time.perf_counter()
    def after_validate(self): self.row['valid_s'] += time.perf_counter() - self.started
    def after_batch(self): self.row['train_images' if self.training else 'valid_images'] += find_bs(self.yb)
    def after_epoch(self):
        if self.epoch < self.start_epoch: return  # an epoch done before the interruption, skipped by `start_epoch`
        train_loss, valid_loss, acc = (float(v) for v in self.recorder.values[-1])
        self.run.history.append(dict(step=self.run.steps[self.step]['name'], epoch=self.epoch, train_loss=train_loss,
                                     valid_loss=valid_loss, accuracy=acc, **self.row))
        self.run.checkpoint(self.step, self.epoch + 1)


class TrainingRun:
    "A resumable training run: `steps` on `learn`, checkpointed after every epoch and step into the folder `out`"
    def __init__(self, learn, steps:list, out, config:dict):
        store_attr('learn,steps,config'); self.out = Path(out)
        self.history, self.results, self.resumes, self.files, self.step, self.epoch = [], {}, [], [], 0, 0
        self.smooth_loss = None

    @property
    def complete(self) -> bool: return self.step >= len(self.steps)
    def state(self) -> dict:
        "What `run.json` holds: the settings, the schedule, where the run is, its history and step results"
        return dict(accuracy=self.history[-1]['accuracy'] if self.history else None, complete=self.complete,
                    config=self.config, steps=self.steps, step=self.step, epoch=self.epoch, device=device_name(self.learn),
                    resumes=self.resumes, files=self.files, history=self.history, results=self.results)

    def checkpoint(self, step:int, epoch:int):
        "Save weights, optimizer, random states and progress (`epoch` epochs of `step` done), then `run.json`"
        self.step, self.epoch = (step + 1, 0) if self.steps[step]['kind'] != 'fit' or epoch >= self.steps[step]['epochs'] else (step, epoch)
        if rank_distrib(): return
        opt = self.learn.opt.state_dict() if self.learn.opt is not None else None
        smooth = self.learn.recorder.smooth_loss
        ckpt = dict(model=self.learn.model.state_dict(), opt=opt, rng=_rng_states(self.learn), state=self.state(),
                    smooth_loss=(smooth.count, smooth.val))
        write_atomically(self.out/'checkpoint.pth', lambda tmp: torch.save(ckpt, tmp))
        save_json(self.state(), self.out/'run.json')

    def _load_state(self, state:dict):
        "Take the history, results and progress of a saved `state`, if it is a run of the same settings and schedule"
        if state['config'] != self.config or state['steps'] != self.steps:
            raise ValueError(f"{self.out}: holds a run with other settings or another schedule; "
                             f"choose another folder or delete this one to start over")
        for k in ('history', 'results', 'resumes', 'files', 'step', 'epoch'): setattr(self, k, state[k])

    def resume(self) -> bool:
        "Continue from the folder's checkpoint, or take a complete `run.json` as it is; `True` if either"
        file, record = self.out/'checkpoint.pth', self.out/'run.json'
        if not file.exists():
            if not record.exists(): return False
            state = json.loads(record.read_text())
            if not state['complete']: return False  # the weights of an unfinished run are gone: start over
            self._load_state(state)
            return True
        ckpt = torch.load(file, map_location='cpu', weights_only=False)
        self._load_state(ckpt['state'])
        if not self.complete:
            self.resumes.append(dict(step=self.steps[self.step]['name'], epoch=self.epoch))
            self._prepare(self.steps[self.step])
        self.learn.model.load_state_dict(ckpt['model'])
        if ckpt['opt'] is not None:
            if self.learn.opt is None: self.learn.create_opt()
            self.learn.opt.load_state_dict(to_device(ckpt['opt'], self.learn.dls.device))
        _set_rng_states(self.learn, ckpt['rng'])
        self.smooth_loss = ckpt['smooth_loss']
        return True

    def _prepare(self, step:dict):
        "Freeze or unfreeze the body as a fit `step` asks"
        if step['kind'] == 'fit' and step['freeze'] is not None: self.learn.freeze() if step['freeze'] else self.learn.unfreeze()

    def export(self):
        "Export the learner as `mnist_learner.pkl` (through a temporary name), then name it in `run.json`"
        self.learn.export(f'.{LEARNER_FILE}.partial')
        os.replace(self.out/f'.{LEARNER_FILE}.partial', self.out/LEARNER_FILE)
        self.files = [LEARNER_FILE]
        save_json(self.state(), self.out/'run.json')

    def summary(self) -> str:
        "One line: where the run is, its accuracy, its device, and whether it was resumed"
        done = 'complete' if self.complete else f"stopped in step {self.steps[self.step]['name']!r} after {self.epoch} epochs"
        acc = f"accuracy {self.history[-1]['accuracy']:.4f}" if self.history else 'no epoch trained'
        resumed = f", resumed {len(self.resumes)}x" if self.resumes else ''
        return f"{done}: {acc} on {device_name(self.learn)}{resumed}; run folder {self.out}"

    def run(self, cbs=None) -> bool:
        "Run the remaining steps; `True` once every step is complete, `False` if a fit was stopped early"
        while not self.complete:
            i, step, resumed_epoch = self.step, self.steps[self.step], self.epoch
            if resumed_epoch == 0: self._prepare(step)
            if step['kind'] == 'fit':
                kwargs = {k: v for k, v in step.items() if k not in ('kind', 'name', 'epochs', 'lr_max', 'freeze')}
                self.learn.fit_one_cycle(step['epochs'], _lr(step['lr_max']), start_epoch=resumed_epoch,
                                         cbs=L(EpochLog(self, i, resumed_epoch)) + L(cbs), **kwargs)
                if self.step == i: return False  # stopped before its last epoch
            else:
                analyse = lr_find_result if step['kind'] == 'lr_find' else interpretation_result
                self.results[step['name']] = analyse(self.learn, **{k: v for k, v in step.items() if k not in ('kind', 'name')})
                self.checkpoint(i, 0)
        return True


def device_name(learn) -> str:
    "The device `learn` trains on, by name: the GPU's, or `cpu` with its thread count"
    device = learn.dls.device
    if device.type == 'cuda': return f"cuda: {torch.cuda.get_device_name(device)}"
    return f"{device.type}: {torch.get_num_threads()} threads"

def _json_safe(o):
    "`o` with NaN and infinite floats as `None`, tensors and numpy numbers as Python numbers"
    if isinstance(o, dict): return {k: _json_safe(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)): return [_json_safe(v) for v in o]
    if isinstance(o, (np.generic, torch.Tensor)): o = o.item()
    if isinstance(o, float) and not math.isfinite(o): return None
    return o

def save_json(obj, dest) -> Path:
    "Write `obj` as strict JSON (NaN and infinity as `null`) to `dest`, atomically"
    text = json.dumps(_json_safe(obj), indent=1, allow_nan=False)
    return write_atomically(dest, lambda tmp: tmp.write_text(text + '\n'))


def lr_find_result(learn, num_it:int=100) -> dict:
    "`lr_find` with the `minimum` and `steep` suggestions, and the curve it recorded"
    suggested = learn.lr_find(num_it=num_it, suggest_funcs=(minimum, steep), show_plot=False)
    return dict(minimum=float(suggested.minimum), steep=float(suggested.steep),
                lrs=[float(v) for v in learn.recorder.lrs], losses=[float(v) for v in learn.recorder.losses])

def interpretation_result(learn, k:int=9) -> dict:
    "The confusion matrix, `most_confused` pairs and the `k` top losses (files as `split/digit/name.png`)"
    interp = ClassificationInterpretation.from_learner(learn)
    cm, vocab = interp.confusion_matrix(), list(learn.dls.vocab)
    losses, idxs = interp.top_losses(k)
    _, probs, targs, decoded, _ = interp[idxs]
    items = getattr(interp.dl.items, 'iloc', L(interp.dl.items))[idxs]
    top = [dict(file='/'.join(Path(f).parts[-3:]), predicted=vocab[int(d)], actual=vocab[int(t)], loss=float(loss),
                probability=float(p.max())) for f, d, t, loss, p in zip(items, decoded, targs, losses, probs)]
    return dict(vocab=vocab, confusion=cm.tolist(), accuracy=float(np.trace(cm)/cm.sum()),
                most_confused=[[t, p, int(n)] for t, p, n in interp.most_confused()], top_losses=top)


LEARNER_FILE = 'mnist_learner.pkl'

def train_run(path, # Folder of MNIST PNGs in fastai's layout
              out, # Run folder: `run.json`, `checkpoint.pth`, and the exported learner if `export`
              steps:list|None=None, # The schedule (default: `fine_tune_steps(5, 3e-3)`)
              arch:str='resnet18', # torchvision architecture
              flips:bool=False, # Flip images left-right in augmentation
              bs:int=64, # Batch size
              per_split:int|None=None, # Only this many images of each split
              seed:int=42, # Seed of the weights, the subset and the batches
              workers:int=0, # DataLoader worker processes
              export:bool=False, # Also export the trained learner as `mnist_learner.pkl`
              cbs=None, # Extra callbacks for every fit step
             ) -> TrainingRun:
    "Train `arch` from scratch on `path` through `steps`, resuming from `out` where an earlier run stopped"
    steps = fine_tune_steps(5, 3e-3) if steps is None else steps
    set_seed(seed, reproducible=True)
    dls = mnist_datablock(per_split=per_split, flips=flips, seed=seed).dataloaders(path, bs=bs, num_workers=workers)
    config = dict(arch=arch, flips=flips, bs=bs, per_split=per_split, seed=seed,
                  data=f"{len(dls.train_ds)} training / {len(dls.valid_ds)} validation images")
    learn = vision_learner(dls, get_arch(arch), pretrained=False, metrics=accuracy, path=out)
    if len(dls.train) == 0:
        raise ValueError(f"{path}: {len(dls.train_ds)} training images, fewer than one batch of {bs}: no batch would run")
    run = TrainingRun(learn, steps, out, config)
    run.resume()
    with learn.distrib_ctx(): finished = run.run(cbs=cbs)
    if finished and export and rank_distrib() == 0: run.export()
    return run


def get_arch(name:str):
    "The torchvision classification model called `name`, e.g. `resnet18` or `resnet34`"
    if name not in torchvision.models.list_models(module=torchvision.models):
        raise ValueError(f"{name!r} is not a torchvision classification model (try resnet18 or resnet34)")
    return getattr(torchvision.models, name)

def check_mnist_folder(path) -> Path:
    "`path` as a `Path` if it holds fastai's `training` and `testing` folders, else a `FileNotFoundError` naming it"
    path = Path(path)
    layout = "expected MNIST PNGs in training/<digit>/ and testing/<digit>/"
    if not path.is_dir(): raise FileNotFoundError(f"{path}: no such folder ({layout})")
    missing = [split for split in ('training', 'testing') if not (path/split).is_dir()]
    if missing: raise FileNotFoundError(f"{path}: no {' or '.join(missing)} folder in it ({layout})")
    return path


SCHEDULES = dict(fine_tune="fastai's fine_tune(epochs, lr): one frozen epoch, then `epochs` unfrozen",
                 post="post 002's whole schedule: lr_find, fine_tune(epochs, lr), interpretation, lr_find, "
                      "fit_one_cycle(epochs, slice(1e-6, 1e-4)), interpretation",
                 one_cycle="fit_one_cycle(epochs, lr) on the whole network, no frozen epoch")

def schedule_steps(name:str, epochs:int, lr:float) -> list:
    "The steps of the schedule called `name` (see `SCHEDULES`)"
    if name == 'fine_tune': return fine_tune_steps(epochs, lr)
    if name == 'post': return post_schedule(epochs, lr)
    if name == 'one_cycle': return [fit_step('one_cycle', epochs, lr)]
    raise ValueError(f"{name!r} is not a schedule (choose from {', '.join(SCHEDULES)})")


class UsageError(ValueError):
    "A command-line flag or path that cannot work, found before any training"

def check_args(epochs:int, lr:float, bs:int, subset:int|None, workers:int, out) -> Path:
    "Refuse flags that cannot train (as `UsageError`s naming the flag), and make sure `out` is a writable folder"
    if epochs < 1: raise UsageError(f"--epochs {epochs} (must be 1 or more)")
    if bs < 1: raise UsageError(f"--bs {bs} (must be 1 or more)")
    if not (math.isfinite(lr) and lr > 0): raise UsageError(f"--lr {lr} (must be a positive number)")
    if workers < 0: raise UsageError(f"--workers {workers} (must be 0 or more)")
    if subset is not None and subset < bs:
        raise UsageError(f"--subset {subset} (fewer images than one batch of --bs {bs}: no training batch would run)")
    out = Path(out)
    if out.exists() and not out.is_dir(): raise UsageError(f"--out {out} (is a file, not a folder)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out): pass
    except OSError as e: raise UsageError(f"--out {out} (cannot write there: {e.strerror})") from None
    return out


def _restore_plum_function(state:dict):
    "A plum `Function` rebuilt through its constructor (which makes a fresh lock), then given its pickled attributes"
    f = plum.Function(state['_f'])
    for name, value in state.items(): setattr(f, name, value)
    return f

def _reduce_plum_function(f):
    "How `pickle` saves a plum `Function`: its attributes without the lock"
    return _restore_plum_function, ({k: v for k, v in f.__getstate__().items() if k != '_lock'},)

def fix_plum_pickling() -> bool:
    "Make plum `Function`s (and so fastai transforms) picklable where this plum version cannot; `True` if needed"
    try:
        pickle.dumps(plum.Function(abs))
        return False
    except TypeError:
        copyreg.pickle(plum.Function, _reduce_plum_function)
        return True

fix_plum_pickling()


@call_parse
def main(
    data:str=None, # Folder of MNIST PNGs in fastai's layout (default: `mnist_path()`, the full download or the offline digits)
    schedule:str='fine_tune', # fine_tune, post (the post's whole schedule, with lr_find and interpretation) or one_cycle
    epochs:int=5, # Epochs of the schedule's unfrozen part
    lr:float=3e-3, # Base learning rate
    bs:int=64, # Batch size (per process under `accelerate launch`)
    arch:str='resnet18', # torchvision architecture, e.g. resnet18 or resnet34
    flips:store_true=False, # Also flip images left-right (the post's augmentation; a mirrored digit is another glyph)
    subset:int=None, # Use only this many images of each split, a fixed random choice (quick runs)
    out:str='mnist_nb_train', # Run folder; a run stopped part-way resumes from its last epoch when started again
    seed:int=42, # Random seed
    workers:int=0, # DataLoader worker processes
    restart:store_true=False, # Delete the run folder's checkpoint and start over
):
    "Train a CNN from scratch on MNIST with fastai, resumably; export the learner and its history to `out`"
    try:
        out = check_args(epochs, lr, bs, subset, workers, out)
        steps = schedule_steps(schedule, epochs, lr)
        get_arch(arch)
        path = check_mnist_folder(data) if data else rank0_first(mnist_path)
    except (FileNotFoundError, ValueError) as e:
        print(f"mnist_nb_train: {e}", file=sys.stderr); sys.exit(2)
    if restart and rank_distrib() == 0:
        for name in ('checkpoint.pth', 'run.json', LEARNER_FILE): (out/name).unlink(missing_ok=True)
    try: run = train_run(path, out, steps, arch=arch, flips=flips, bs=bs, per_split=subset, seed=seed, workers=workers, export=True)
    except ValueError as e:
        print(f"mnist_nb_train: {e}", file=sys.stderr); sys.exit(2)
    if rank_distrib() == 0: print(run.summary())
    if not run.complete: sys.exit(1)

