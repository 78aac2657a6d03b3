"""Every benchmark in this folder, measured in this one run, as one table of ratios (posts' way vs mnist_nb's way).

Each benchmark module has `measure()` returning rows with `benchmark`, `posts_way` and `mnist_nb`
(seconds, or another quantity where the row says so). Ratios above 1 mean mnist_nb's way is faster.
Writes nothing; `make benchmarks` runs it."""
import importlib, sys
from pathlib import Path
import pandas as pd

here = Path(__file__).parent
sys.path.insert(0, str(here))
from mnist_nb.data import data_source, mnist_path

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
