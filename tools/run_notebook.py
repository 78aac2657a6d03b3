"""Execute one notebook in place, as `jupyter nbconvert --to notebook --execute --inplace` does, saying where it is.

Usage: `run_notebook.py [--expect SECONDS] [--no-clean] [--out PATH] NOTEBOOK`

* Execution: nbclient's `NotebookClient` (the class behind nbconvert's `ExecutePreprocessor`), kernel `python3`, no
  timeout, the kernel started in the notebook's folder: the outputs and execution counts are nbconvert's.
* Where it is: the section (the last `#`/`##`/`###` markdown heading seen) and how many code cells are done, of how
  many. On a terminal one status line is updated in place; otherwise (a log) one line per section entered.
* Saving: only on success, to a temporary file beside the notebook and then a rename. What is written is the executed
  notebook as nbconvert serialises it, except that each cell's `source`, its `id` and `nbformat_minor` are kept
  exactly as they were saved (a string stays a string), and then cleaned as `nbdev_clean` cleans it (settings.ini),
  so running `nbdev_clean` afterwards changes nothing and only what a rerun changes (outputs) differs from before.
  `--no-clean` writes it uncleaned (execution counts kept); `--out PATH` writes there instead of in place.
* On failure the saved notebook is unchanged; the failing cell, its section and the error are printed; exit status 1.
  A notebook that was saved by someone else while it ran is not overwritten either (exit status 1).
"""
import argparse, json, os, re, shutil, sys, tempfile, threading, time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HEADING = re.compile(r'^ {0,3}(#{1,3})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$')
FENCE = re.compile(r'^ {0,3}(`{3,}|~{3,})')
ANSI = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]')

def headings(source:str):
    "The `#`, `##` and `###` headings of a markdown cell, outside fenced code"
    fence = None
    for line in source.splitlines():
        f = FENCE.match(line)
        if f:
            if fence is None: fence = f.group(1)[0]
            elif f.group(1)[0] == fence: fence = None
            continue
        if fence is None and (h := HEADING.match(line)): yield f'{h.group(1)} {h.group(2)}'

def runs(cell) -> bool:
    "Whether nbclient executes `cell` (it skips non-code and blank cells)"
    return cell.cell_type == 'code' and bool(cell.source.strip())

def mmss(s:float) -> str:
    s = int(s)
    return f'{s//3600}:{s//60%60:02d}:{s%60:02d}' if s >= 3600 else f'{s//60}:{s%60:02d}'

class Progress:
    "nbclient cell hooks that say which section a notebook is in and how many of its code cells are done"
    def __init__(self, name:str, nb, expect=None, out=sys.stdout):
        self.name, self.expect, self.out = name, expect, out
        self.tty = out.isatty()
        self.total, self.done = sum(map(runs, nb.cells)), 0
        self.section, self.cell = 'starting the kernel', None
        self.start = time.monotonic()
        self.lock, self.stopped = threading.Lock(), threading.Event()
        if self.tty:
            self.show()
            threading.Thread(target=self._tick, daemon=True).start()

    def _tick(self):
        while not self.stopped.wait(1): self.show()

    def elapsed(self) -> str:
        took = mmss(time.monotonic() - self.start)
        return f'{took} of ~{mmss(self.expect)}' if self.expect else took

    def show(self):
        "The status line, in place (terminal only)"
        if not self.tty or self.stopped.is_set(): return
        line = f'  {self.name}  {self.elapsed()}  {self.done}/{self.total} cells done  {self.section}'
        width = shutil.get_terminal_size((100, 24)).columns
        with self.lock:
            self.out.write('\r' + line[:max(width-1, 10)] + '\x1b[K'); self.out.flush()

    def on_cell_start(self, cell, cell_index, **_):
        self.cell = cell_index
        if cell.cell_type == 'markdown':
            found = list(headings(cell.source))
            if found:
                self.section = found[-1]
                if not self.tty:
                    print(f'  {self.elapsed()}  {self.done}/{self.total} cells done  {self.section}', file=self.out, flush=True)
        self.show()

    def on_cell_executed(self, cell, cell_index, **_):
        self.done += 1
        if self.done == self.total: self.section += ' (all cells done; stopping the kernel)'
        self.show()

    def stop(self):
        "Stop updating; a terminal's status line is cleared"
        if self.stopped.is_set(): return
        self.stopped.set()
        if self.tty:
            with self.lock: self.out.write('\r\x1b[K'); self.out.flush()

def clean(nb:dict, where:Path):
    "Clean `nb` as `nbdev_clean` does, with the project's settings"
    from nbdev.clean import clean_nb
    from nbdev.config import get_config
    cfg = get_config(path=where)
    clean_nb(nb, cfg.clear_all, cfg.get('allowed_metadata_keys').split(), cfg.get('allowed_cell_metadata_keys').split(),
             cfg.clean_ids)

def serialise(saved:dict, executed, do_clean:bool, where:Path) -> str:
    "The text to save: `executed` as nbconvert writes it, with `saved`'s cell sources and ids, cleaned as nbdev_clean does"
    from execnb.nbio import nb2str
    nb = json.loads(nbformat.writes(executed))
    if len(nb['cells']) != len(saved['cells']): raise RuntimeError('the executed notebook has a different number of cells')
    for new, old in zip(nb['cells'], saved['cells']):
        new['source'] = old['source']
        if 'id' in old: new['id'] = old['id']
    nb['nbformat_minor'] = saved.get('nbformat_minor', nb['nbformat_minor'])
    if do_clean: clean(nb, where)
    return nb2str(nb)  # what nbdev_clean writes: keys sorted, indent 1, unicode kept

def write_atomic(path:Path, text:str):
    "Write `text` to `path` through a temporary file in the same folder and a rename, keeping the file's mode"
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f: f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True); raise

def failed(shown:str, progress:Progress, nb, err:BaseException, tty:bool):
    cell = progress.cell
    where = (f'in cell {cell+1} of {len(nb.cells)} (code cell {sum(map(runs, nb.cells[:cell+1]))} of {progress.total}), '
             f'section "{progress.section}"' if cell is not None else 'before its first cell')
    print(f'FAILED: {shown} (its saved outputs are unchanged), {where}, after {mmss(time.monotonic() - progress.start)}:')
    text = str(err) or type(err).__name__
    if not tty: text = ANSI.sub('', text)
    lines = text.rstrip().splitlines()
    if len(lines) > 40: lines = ['...'] + lines[-40:]
    if type(err).__name__ not in text[:200]: lines.insert(0, f'{type(err).__name__}:')
    print(*lines, sep='\n')

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('notebook')
    p.add_argument('--expect', type=lambda s: float(s) if s.strip() else None, default=None,
                   help='expected seconds, shown beside the time taken (empty: none)')
    p.add_argument('--no-clean', action='store_true', help='save without cleaning (execution counts kept)')
    p.add_argument('--out', help='save the executed notebook here instead of in place')
    a = p.parse_args(argv)
    path = Path(a.notebook)
    before = path.read_text(encoding='utf-8')
    saved = json.loads(before)
    nb = nbformat.read(path, as_version=4)
    progress = Progress(path.stem, nb, a.expect or None)
    client = NotebookClient(nb, timeout=None, kernel_name='python3',
                            resources={'metadata': {'path': str(path.resolve().parent)}},
                            on_cell_start=progress.on_cell_start, on_cell_executed=progress.on_cell_executed)
    try: client.execute()
    except KeyboardInterrupt:
        progress.stop(); print(f'interrupted: {a.notebook} (its saved outputs are unchanged)'); return 130
    except Exception as e:
        progress.stop(); failed(a.notebook, progress, nb, e, progress.tty); return 1
    finally: progress.stop()
    out = Path(a.out) if a.out else path
    if out == path and path.read_text(encoding='utf-8') != before:
        print(f'NOT SAVED: {a.notebook} was changed while it ran (saved by someone else?); it is left as they saved it, '
              'with its old outputs; run it again'); return 1
    write_atomic(out, serialise(saved, nb, not a.no_clean, path.resolve().parent))
    return 0

if __name__ == '__main__': sys.exit(main())
