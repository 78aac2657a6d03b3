"""Every benchmark in this folder, measured in this one run, as one table of ratios (posts' way vs mnist_nb's way).

Each benchmark module has `measure()` returning rows with `benchmark`, `posts_way` and `mnist_nb`
(seconds, or another quantity where the row says so). Ratios above 1 mean mnist_nb's way is faster.
`make benchmarks` runs it; it also saves the ratios as a bar chart, `images/benchmarks.png`, shown in the docs."""
import importlib, sys
from pathlib import Path
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
import pandas as pd

here = Path(__file__).parent
sys.path.insert(0, str(here))
from mnist_nb.data import data_source, mnist_path
from mnist_nb.figures import save_figure

if __name__ == '__main__':
    print(data_source(mnist_path()), '\n')
    rows = []
    for script in sorted(here.glob('*.py')):
        if script.stem == 'run_all': continue
        print(f'running {script.name} ...', flush=True)
        rows += importlib.import_module(script.stem).measure()
    df = pd.DataFrame(rows)
    df['ratio'] = df.posts_way/df.mnist_nb
    with pd.option_context('display.float_format', '{:.4f}'.format, 'display.width', 160, 'display.max_colwidth', 60):
        print(df.to_string(index=False))

    fig, ax = plt.subplots(figsize=(7, 0.45*len(df) + 1))
    ax.barh(df.benchmark, df.ratio, color=['C0' if r >= 1 else 'C1' for r in df.ratio])
    ax.axvline(1, color='k', lw=1, ls=':')
    ax.set_xscale('log')
    ax.invert_yaxis()
    ax.set(xlabel="speed-up of mnist_nb's way over the posts' (log scale; 1 = same speed)")
    for y, r in enumerate(df.ratio): ax.text(r, y, f' {r:.1f}x', va='center', fontsize='small')
    print('saved', save_figure(fig, 'benchmarks').name)
