"""Run notebooks top to bottom with nbclient (what Jupyter's Run all and nbconvert do): the project's notebook runner.

    run_nbs.py NB ...               the fast path, as `nbdev_test` runs it: cells with a `#| slow` or `#| eval: false`
                                    directive skipped, `IN_TEST=1` (the notebooks then write nothing)
    run_nbs.py --slow NB ...        every cell, as a reader's Run all: slow cells included, no IN_TEST
    run_nbs.py --out DIR NB ...     also save each executed notebook in DIR
    run_nbs.py --inplace NB         `make run`: every cell, saved in place, then `nbdev_clean`; a line per section entered
    run_nbs.py --colab-cell         print the post notebooks' first code cell (the Colab cell), the same in 01-05

Each notebook runs in its own Jupyter kernel (this interpreter's ipykernel), started in the notebook's folder, as
nbdev_test runs it; nbdev is not needed. A line per notebook says PASS or FAIL, its time and how many cells ran and were
skipped as slow; a failure adds its cell and the end of its traceback. Exit status 1 if any failed."""
import argparse, os, re, subprocess, sys, time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
import nbformat
from nbclient import NotebookClient

SLOW = re.compile(r'^\s*#\s*\|\s*(slow|eval:\s*false)\s*$', re.M)  # settings.ini's tst_flags (slow), and eval: false
SKIP = 'skip-execution'  # the cell tag nbclient does not run
ANSI = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')

def run(path:Path, slow=False, out=None, inplace=False) -> str:
    "Execute notebook `path`; its result line"
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == 'code' and c.source.strip()]
    skipped = [c for c in code if not slow and SLOW.search(c.source)]
    for c in skipped: c.metadata.setdefault('tags', []).append(SKIP)
    progress = Progress(len(code) - len(skipped), sections=inplace)
    client = NotebookClient(nb, timeout=None, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}},
                            on_cell_start=progress.start, on_cell_execute=progress.count,
                            extra_arguments=['--IPKernelApp.log_level=ERROR'])  # not its notice about TCP
    try: client.execute()
    except Exception as e:
        tail = ANSI.sub('', str(e)).rstrip().splitlines()[-20:]
        return f'FAIL {path} ({progress.took()}): code cell {progress.n} of {progress.total} raised:\n' + '\n'.join('     ' + l for l in tail)
    for c in skipped: c.metadata.tags.remove(SKIP)
    if out: nbformat.write(nb, Path(out)/path.name)
    if inplace: save(nb, path)
    return f'PASS {path} ({progress.took()}): {progress.n} cells ran, {len(skipped)} skipped as slow'

class Progress:
    "nbclient hooks: the code cells done, and for `make run` a line for each section entered"
    def __init__(self, total, sections=False): self.total, self.sections, self.n, self.t0 = total, sections, 0, time.monotonic()
    def took(self) -> str: return f'{time.monotonic() - self.t0:.0f}s'
    def start(self, cell, **_):
        heading = self.sections and cell.cell_type == 'markdown' and re.match(r'#{1,3} .*', cell.source.lstrip())
        if heading: print(f'  {self.took():>5}  {self.n}/{self.total} cells done  {heading[0]}', flush=True)
    def count(self, **_): self.n += 1  # called as a code cell starts executing

def save(nb, path:Path):
    "Save the executed notebook over `path` whole, then clean it as the commit hook would"
    from mnist_nb.files import write_atomically
    write_atomically(path, lambda tmp: nbformat.write(nb, tmp))
    subprocess.run([Path(sys.executable).parent/'nbdev_clean', '--fname', str(path)], check=True)

def colab_cell() -> str:
    "The first code cell of the post notebooks, which must be the same in each"
    cells = {p.name: next(c.source for c in nbformat.read(p, as_version=4).cells if c.cell_type == 'code')
             for p in sorted(Path(__file__).parent.parent.glob('nbs/0[1-5]_*.ipynb'))}
    if len(set(cells.values())) != 1: sys.exit(f"the post notebooks' first code cells differ: {', '.join(cells)}")
    return next(iter(cells.values()))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('nbs', nargs='*', type=Path)
    p.add_argument('--slow', action='store_true', help='run the slow cells too, without IN_TEST, as a reader does')
    p.add_argument('--out', help='save the executed notebooks in this folder')
    p.add_argument('--inplace', action='store_true', help='`make run`: every cell, saved in place')
    p.add_argument('--jobs', type=int, default=1, help='notebooks run at the same time')
    p.add_argument('--colab-cell', action='store_true', help="print the post notebooks' Colab cell")
    a = p.parse_args()
    if a.colab_cell: return print(colab_cell())
    if missing := [str(nb) for nb in a.nbs if not nb.is_file()]: sys.exit(f"no such notebook: {', '.join(missing)}")
    if not a.nbs: p.error('name the notebooks to run')
    if a.out: Path(a.out).mkdir(parents=True, exist_ok=True)
    if a.slow or a.inplace: os.environ.pop('IN_TEST', None)
    else: os.environ['IN_TEST'] = '1'  # as nbdev_test sets it; the kernels inherit it
    args = [(nb.resolve(), a.slow or a.inplace, a.out, a.inplace) for nb in a.nbs]
    lines = []
    with ProcessPoolExecutor(a.jobs) as pool:  # each line as its notebook finishes
        for f in as_completed([pool.submit(run, *x) for x in args]):
            lines.append(f.result().replace(str(Path.cwd()) + os.sep, '')); print(lines[-1], flush=True)
    sys.exit(any(l.startswith('FAIL') for l in lines))

if __name__ == '__main__': main()
