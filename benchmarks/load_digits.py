"""Loading a split folder as one tensor: the posts' per-file loop vs `load_digits`, measured side by side.

Prints seconds and ratios from this one run; no thresholds. Run: `.venv/bin/python benchmarks/load_digits.py`."""
import time
import numpy as np, torch
from PIL import Image
from mnist_nb.data import mnist_path, data_source, load_digits

def posts_way(folder):
    "The posts' loop: `tensor(Image.open(f))` for every file of every digit folder, then stack"
    files = [f for d in sorted(folder.iterdir()) for f in sorted(d.glob('*.png'))]
    return torch.stack([torch.tensor(np.asarray(Image.open(f))) for f in files])

def timed(f, *args, repeat=3):
    "Best of `repeat` wall-clock seconds for `f(*args)`, and its result"
    best = float('inf')
    for _ in range(repeat):
        start = time.perf_counter(); res = f(*args); best = min(best, time.perf_counter() - start)
    return best, res

if __name__ == '__main__':
    path = mnist_path()
    print(data_source(path))
    for split in ('training', 'testing'):
        folder = path/split
        posts_s, posts_x = timed(posts_way, folder, repeat=1)
        first_s, (x, _) = timed(load_digits, folder, repeat=1)
        again_s, _ = timed(load_digits, folder)
        assert torch.equal(posts_x, x)
        print(f"{split:9} {len(x):6,} images | posts' loop {posts_s:6.2f}s | load_digits first call {first_s:6.2f}s"
              f" ({posts_s/first_s:4.1f}x) | second call {again_s:7.4f}s ({posts_s/again_s:6.0f}x faster than the loop)")
