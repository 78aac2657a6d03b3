"""How to spend a CPU's cores on several resnet18 seed runs, measured side by side in one run:

1. one run at a time, on every core (torch threads = cores);
2. one run per core at the same time, each on one thread, as `tools/seed_runs.sh` runs its lanes.

Each run is a separate process stepping resnet18 through the presized loaders (`PresizedDL`, what the CPU seed runs
read), with the post's batch size and flips. The processes of way 2 build their loaders first and start timing
together. `measure()` returns seconds per 1,000 training images in all for each way (above 1: the lanes are faster).
No thresholds."""
import json, os, subprocess, sys

WORKER = r"""
import json, sys, torch
torch.set_num_threads(int(sys.argv[1]))
from fastai.vision.all import set_seed
from mnist_nb.data import mnist_path
from mnist_nb.loaders import mnist_datablock
from mnist_nb.schedules import images_per_second
set_seed(42, reproducible=True)
dls = mnist_datablock(per_split=1280, flips=True, presized=True).dataloaders(mnist_path(), bs=64, num_workers=0)
print('ready', flush=True)
sys.stdin.readline()
print(json.dumps(images_per_second(dls, batches=int(sys.argv[2]))), flush=True)
"""

def images_per_second_in_all(runs:int, threads:int, batches:int=16) -> float:
    "Training images per second summed over `runs` processes of `threads` threads each, timed together (`batches` of 64 each, after a warm-up batch)"
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    procs = [subprocess.Popen([sys.executable, '-c', WORKER, str(threads), str(batches)], env=env, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE) for _ in range(runs)]
    for p in procs:
        line = p.stdout.readline()
        if line.strip() != 'ready': raise RuntimeError(f"a benchmark worker failed before timing (exit {p.wait()})")
    for p in procs: p.stdin.write('go\n'); p.stdin.flush()
    outputs = [p.communicate()[0] for p in procs]
    if any(p.returncode for p in procs): raise RuntimeError(f"a benchmark worker failed while timing (exits {[p.returncode for p in procs]})")
    return sum(json.loads(out) for out in outputs)

def measure():
    "Rows of seconds per 1,000 images in all: one run on every core vs one single-threaded run per core"
    cores = len(os.sched_getaffinity(0))
    one, lanes = [], []
    for _ in range(2):  # alternated, best of two, so that a busy moment does not favour one side
        one.append(images_per_second_in_all(1, cores))
        lanes.append(images_per_second_in_all(cores, 1))
    one, lanes = max(one), max(lanes)
    print(f"resnet18 seed runs on {cores} cores: one run on {cores} threads trains {one:.0f} img/s, "
          f"{cores} runs on 1 thread each {lanes:.0f} img/s in all ({lanes/one:.2f} of that)")
    return [dict(benchmark=f'resnet18 runs on {cores} cores: 1 on {cores} threads vs {cores} on 1 thread, s per 1,000 images',
                 posts_way=1000/one, mnist_nb=1000/lanes)]

if __name__ == '__main__':
    for r in measure(): print(f"{r['benchmark']:70} first way {r['posts_way']:7.2f}s  second way {r['mnist_nb']:7.2f}s  ratio {r['posts_way']/r['mnist_nb']:5.2f}x")
