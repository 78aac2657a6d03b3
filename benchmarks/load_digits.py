"""Loading a split folder as one tensor: the posts' per-file loop vs `load_digits`, measured side by side.

`measure()` returns rows of seconds and ratios from this one run; no thresholds.
Run alone: `.venv/bin/python benchmarks/load_digits.py`, or all benchmarks: `make benchmarks`."""
import time
import numpy as np, torch
from PIL import Image
from mnist_nb.data import mnist_path, data_source, load_digits

def posts_way(folder):
    "The posts' loop: `tensor(Image.open(f))` for every file of every digit folder, then stack"
    files = [f for d in sorted(folder.iterdir()) for f in sorted(d.glob('*.png'))]
    return torch.stack([torch.tensor(np.asarray(Image.open(f))) for f in files])

def best_time(f, *args, repeat=3):
    "Best of `repeat` wall-clock seconds for `f(*args)`, and its result"
    best = float('inf')
    for _ in range(repeat):
        start = time.perf_counter(); res = f(*args); best = min(best, time.perf_counter() - start)
    return best, res

def measure():
    "Seconds for the posts' loop, `load_digits`' first call and its cached second call, per split"
    path, rows = mnist_path(), []
    for split in ('training', 'testing'):
        folder = path/split
        posts_s, posts_x = best_time(posts_way, folder, repeat=1)
        first_s, (x, _) = best_time(load_digits, folder, repeat=1)
        again_s, _ = best_time(load_digits, folder)
        assert torch.equal(posts_x, x), 'load_digits and the posts loop disagree'
        rows.append(dict(benchmark=f'load {split} ({len(x):,} PNGs), first call', posts_way=posts_s, mnist_nb=first_s))
        rows.append(dict(benchmark=f'load {split} ({len(x):,} PNGs), cached call', posts_way=posts_s, mnist_nb=again_s))
    return rows

if __name__ == '__main__':
    print(data_source(mnist_path()))
    for r in measure(): print(f"{r['benchmark']:45} posts' way {r['posts_way']:8.4f}s  mnist_nb {r['mnist_nb']:8.4f}s  ratio {r['posts_way']/r['mnist_nb']:7.1f}x")
