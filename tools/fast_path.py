"""Run notebooks' fast path as `nbdev_test` does, in an environment without nbdev: the current-stack tier's runner.

    python tools/fast_path.py run [--jobs 2] [--timeout S] NB ...   # each notebook in its own process
    python tools/fast_path.py colab --content DIR --repo URL       # run the post notebooks' Colab cell for real

`run` does for each notebook what `nbdev_test` does: `IN_TEST=1`, the notebook's folder as working directory,
cells flagged with a `tst_flags` flag of settings.ini (`#| slow`, `#|slow`) or `#| eval: false` skipped, and a stop
at the first error. The cells run in a Jupyter kernel through nbclient (as in Jupyter and on Colab: on the kernel's
main thread); `--runner execnb` runs them with execnb's `CaptureShell` instead, which in execnb 0.3 runs cells off
the main thread, where `signal.signal` raises (`mnist_nb_train`'s `main` then leaves the handlers alone). nbdev itself cannot be installed beside fastcore 2, so a cell whose
only statements are `from nbdev.showdoc import show_doc`, `show_doc(...)` calls, `import nbdev` or
`nbdev.nbdev_export()` is skipped and counted; a cell that mixes such a statement with other code fails the
notebook before it runs, so a skip never hides a test. Prints one line per notebook and exits 1 if any failed;
also checks that the post notebooks' Colab cell did nothing (no /content) and that `mnist_nb` came from the
environment's installed package, not from a source folder.

`colab` checks that the first code cell of the post notebooks (01-05) is the same in each, then runs it with IPython
in this interpreter with only its locations changed: `/content` becomes `--content` and the project's GitHub
URL (settings.ini `git_url`) becomes `--repo`. It fails unless the cell ran, its shell line exited 0 and the
project was cloned. Run both with the Python of the environment under test: `pip` in the cell is the first on PATH."""
import argparse, ast, json, os, re, shutil, subprocess, sys, tempfile, time, traceback
from concurrent.futures import ThreadPoolExecutor
from configparser import ConfigParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POST_NBS = [f'0{i}_' for i in range(1, 6)]  # the post notebooks, whose first cell is the Colab cell
NBDEV_REASON = "nbdev 2 cannot be installed beside fastcore 2; the lock tier runs these cells"

def settings() -> dict:
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini', encoding='utf-8')
    return cfg['DEFAULT']

def source(cell) -> str: return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']
def code_cells(nb:dict) -> list: return [c for c in nb['cells'] if c['cell_type'] == 'code']

# Directives as nbdev 2 reads them: the cell's leading `#|` comment lines (`#| slow`, `#|slow`, `#| eval: false`)
_DIRECTIVE = re.compile(r'^\s*#\s*\|')
def directives(src:str) -> dict:
    "`{directive: [args]}` of the leading `#|` lines of `src`, keyed as nbdev 2 keys them (`slow`, `eval:`)"
    found = {}
    for line in src.splitlines():
        if not line.strip(): continue
        if not _DIRECTIVE.match(line): break
        text = _DIRECTIVE.sub('', line).strip()
        if text.endswith(':'): text = text[:-1]
        words = text.replace(':', ': ').split()
        if words: found[words[0]] = words[1:]
    return found

def skipped_by_flags(src:str, flags:set) -> bool:
    "Whether `nbdev_test` skips this cell: a test flag among its directives, or `eval: false`"
    d = directives(src)
    return bool(flags & d.keys()) or (d.get('eval:', [''])[0].lower() == 'false')

def _nbdev_only(stmt:ast.stmt) -> bool:
    "`from nbdev.showdoc import show_doc`, `show_doc(...)`, `import nbdev` or `nbdev.nbdev_export(...)`"
    if isinstance(stmt, ast.ImportFrom):
        return stmt.module == 'nbdev.showdoc' and [(a.name, a.asname) for a in stmt.names] == [('show_doc', None)]
    if isinstance(stmt, ast.Import): return [(a.name, a.asname) for a in stmt.names] == [('nbdev', None)]
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        f = stmt.value.func
        if isinstance(f, ast.Name): return f.id == 'show_doc'
        return isinstance(f, ast.Attribute) and f.attr == 'nbdev_export' and isinstance(f.value, ast.Name) and f.value.id == 'nbdev'
    return False

def nbdev_kind(src:str) -> str:
    "'nbdev' if every statement of `src` needs nbdev only, 'mixed' if some do and others not, else 'code'"
    from IPython.core.inputtransformer2 import TransformerManager
    try: body = ast.parse(TransformerManager().transform_cell(src)).body
    except SyntaxError: return 'code'  # running it reports the error
    only = [_nbdev_only(s) for s in body]
    if only and all(only): return 'nbdev'
    return 'mixed' if any(only) else 'code'

def _first_line(src:str) -> str:
    lines = [l for l in src.splitlines() if l.strip() and not l.lstrip().startswith('#')]
    return (lines[0] if lines else src.strip().splitlines()[0] if src.strip() else '')[:100]

_ANSI = re.compile(r'\x1b\[[0-9;]*m')
_PROBE = ("import json as _j, os as _o, sys as _s; _m = _s.modules.get('mnist_nb'); "
          "print(_j.dumps(dict(cwd=_o.getcwd(), content=_o.path.exists('/content'), prefix=_s.prefix, "
          "mnist_nb=getattr(_m, '__file__', None)))); del _j, _o, _s, _m")

class KernelRunner:
    "Cells run by a Jupyter kernel (ipykernel) through nbclient, each on the kernel's main thread, as in Jupyter and Colab"
    def __init__(self, nb_path:Path):
        import nbformat
        from nbclient import NotebookClient
        self.nbformat, self.nb = nbformat, nbformat.v4.new_notebook()
        # kernel 'python3' is ipykernel's own spec here, which jupyter_client starts with this interpreter (sys.executable)
        self.client = NotebookClient(self.nb, timeout=None, kernel_name='python3', allow_errors=False,
                                     resources={'metadata': {'path': str(nb_path.parent)}})
    def __enter__(self):
        self._ctx = self.client.setup_kernel(cwd=str(self.client.resources['metadata']['path']))
        self._ctx.__enter__(); return self
    def __exit__(self, *exc): return self._ctx.__exit__(*exc)
    def _cell(self, src:str):
        cell = self.nbformat.v4.new_code_cell(src); self.nb.cells.append(cell); return cell
    def run(self, src:str) -> str|None:
        "Run `src`; the traceback text if it raised, else `None`"
        from nbclient.exceptions import CellExecutionError
        cell = self._cell(src)
        try: self.client.execute_cell(cell, len(self.nb.cells) - 1)
        except CellExecutionError as e:
            err = next((o for o in cell.outputs if o.output_type == 'error'), None)
            return _ANSI.sub('', '\n'.join(err.traceback) if err else str(e))
        return None
    def probe(self) -> dict:
        cell = self._cell(_PROBE); self.client.execute_cell(cell, len(self.nb.cells) - 1)
        return json.loads(''.join(o.text for o in cell.outputs if o.output_type == 'stream' and o.name == 'stdout'))

class CaptureShellRunner:
    """Cells run by execnb's `CaptureShell` in this process. execnb 0.3 runs them on a thread of its own, not the main
    thread (execnb 0.1, which nbdev_test uses in the lock tier, ran them on the main thread): `signal.signal` fails there,
    so `mnist_nb_train`'s `main` sets no handlers there"""
    def __init__(self, nb_path:Path):
        from execnb.shell import CaptureShell
        os.chdir(nb_path.parent); self.shell = CaptureShell(nb_path)
    def __enter__(self): return self
    def __exit__(self, *exc): return None
    def run(self, src:str) -> str|None:
        self.shell.run(src)
        e = self.shell.exc
        return None if e is None else _ANSI.sub('', ''.join(traceback.format_exception(type(e), e, e.__traceback__)))
    def probe(self) -> dict:
        m = sys.modules.get('mnist_nb')
        return dict(cwd=os.getcwd(), content=os.path.exists('/content'), prefix=sys.prefix, mnist_nb=getattr(m, '__file__', None))

RUNNERS = dict(nbclient=KernelRunner, execnb=CaptureShellRunner)

def run_one(nb_path:Path, flags:set, runner:str='nbclient') -> dict:
    "Run `nb_path`'s fast path with `runner`; a dict of the outcome for `run`"
    nb_path = nb_path.resolve()
    nb = json.loads(nb_path.read_text(encoding='utf-8'))
    res = dict(nb=nb_path.name, ok=False, run=0, slow=0, nbdev=0, error=None, colab_cell=False, colab_nothing=None)
    plan = []
    for i, cell in enumerate(nb['cells']):
        if cell['cell_type'] != 'code': continue
        src = source(cell)
        if skipped_by_flags(src, flags): res['slow'] += 1; continue
        kind = nbdev_kind(src)
        if kind == 'mixed':
            res['error'] = (f"cell {i} mixes nbdev-only statements with other code, so skipping it would hide code: "
                            f"{_first_line(src)!r}\n(put show_doc and nbdev lines in cells of their own)")
            return res
        if kind == 'nbdev': res['nbdev'] += 1; continue
        plan.append((i, src))
    first_code = next((i for i, c in enumerate(nb['cells']) if c['cell_type'] == 'code'), None)
    os.environ['IN_TEST'] = '1'  # as nbdev_test sets it; the kernel inherits it
    content_before = Path('/content').exists()
    with RUNNERS[runner](nb_path) as r:
        for i, src in plan:
            error = r.run(src)
            if error is not None:
                res['error'] = f"cell {i} ({_first_line(src)!r}) raised:\n" + '\n'.join(error.rstrip().splitlines()[-15:])
                return res
            res['run'] += 1
            if i == first_code and '/content' in src:  # the Colab cell: it must do nothing where there is no /content
                state = r.probe()
                res['colab_cell'] = True
                res['colab_nothing'] = not content_before and not state['content'] and Path(state['cwd']) == nb_path.parent
        state = r.probe()
    if state['mnist_nb'] and not Path(state['mnist_nb']).resolve().is_relative_to(Path(state['prefix']).resolve()):
        res['error'] = f"mnist_nb was imported from {state['mnist_nb']}, not from the package installed in {state['prefix']}"
        return res
    res['ok'] = True
    return res

def cmd_one(args):
    flags = set(args.flags.split())
    start = time.time()
    try: res = run_one(Path(args.nb), flags, args.runner)
    except BaseException as e:
        res = dict(nb=Path(args.nb).name, ok=False, run=0, slow=0, nbdev=0, colab_cell=False, colab_nothing=None,
                   error=''.join(traceback.format_exception(type(e), e, e.__traceback__))[-3000:])
    res['seconds'] = round(time.time() - start)
    Path(args.result).write_text(json.dumps(res))
    os._exit(0)  # not the shell's threads and atexit hooks: the result is written

def cmd_run(args):
    flags = set((args.flags if args.flags is not None else settings().get('tst_flags', '')).split())
    nbs = [Path(p) for p in args.nbs]
    tmp = Path(tempfile.mkdtemp(prefix='fast-path-'))
    def one(nb:Path) -> dict:
        out, log = tmp/f'{nb.name}.json', tmp/f'{nb.name}.log'
        start = time.time()
        with open(log, 'w') as f:
            try:
                rc = subprocess.run([sys.executable, __file__, 'one', str(nb), '--result', str(out), '--flags', ' '.join(flags),
                                     '--runner', args.runner],
                                    stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=args.timeout).returncode
            except subprocess.TimeoutExpired: rc = 'timeout'
        if out.exists(): return json.loads(out.read_text())
        why = f"timed out after {args.timeout}s" if rc == 'timeout' else f"its process exited {rc} without a result"
        tail = '\n'.join(log.read_text(errors='replace').splitlines()[-15:])
        return dict(nb=nb.name, ok=False, run=0, slow=0, nbdev=0, colab_cell=False, colab_nothing=None,
                    seconds=round(time.time() - start), error=f"{why}\n{tail}")
    try:
        with ThreadPoolExecutor(args.jobs) as ex: results = list(ex.map(one, nbs))
    finally: shutil.rmtree(tmp, ignore_errors=True)
    failed = 0
    if any(r['nbdev'] for r in results): print(f"note: cells that need nbdev are skipped: {NBDEV_REASON}")
    for nb, r in sorted(zip(nbs, results), key=lambda o: str(o[0])):  # in the notebooks' order, whatever order they ran in
        status = 'PASS' if r['ok'] else 'FAIL'; failed += not r['ok']
        print(f"{status} fast path {nb} ({r['seconds']}s): {r['run']} cells run, {r['slow']} skipped as slow, "
              f"{r['nbdev']} skipped as nbdev")
        if r['error']: print('\n'.join('     ' + l for l in r['error'].splitlines()))
    colab = [r for r in results if r['colab_cell']]
    acted = [r['nb'] for r in colab if not r['colab_nothing']]
    posts = [nb.name for nb in nbs if nb.name[:3] in POST_NBS]
    if not colab and posts: print(f"FAIL no Colab cell (a first cell naming /content) ran in {', '.join(posts)}: has it changed?")
    elif acted: print(f"FAIL the Colab cell acted in the fast path of {', '.join(acted)}: /content exists here, "
                      "or the cell changed the working directory")
    elif colab: print(f"PASS the Colab cell did nothing in the fast path of {len(colab)} notebooks "
                "(no /content here; the working directory stayed nbs/)")
    failed += bool(acted) or (not colab and bool(posts))
    sys.exit(1 if failed else 0)

def colab_cell(nbs_dir:Path) -> str:
    "The first code cell of the post notebooks; `SystemExit` if they differ"
    files = sorted(p for p in nbs_dir.glob('0*.ipynb') if p.name[:3] in POST_NBS)
    if len(files) != len(POST_NBS): sys.exit(f"expected the post notebooks {', '.join(POST_NBS)}*, found {[f.name for f in files]}")
    cells = {f.name: source(code_cells(json.loads(f.read_text(encoding='utf-8')))[0]) for f in files}
    first = cells[files[0].name]
    differ = [n for n, c in cells.items() if c != first]
    if differ: sys.exit(f"the first code cell differs from {files[0].name}'s in: {', '.join(differ)}")
    return first

def cmd_colab(args):
    src = colab_cell(ROOT/'nbs')
    url = settings()['git_url']
    for what in ('/content', url):
        if what not in src: sys.exit(f"the Colab cell no longer names {what}; adjust tools/fast_path.py\n{src}")
    if args.check: return print(f"the first code cell is the same in the {len(POST_NBS)} post notebooks (01-05)")
    content = str(Path(args.content).resolve())
    src = src.replace(url, args.repo).replace('/content', content)
    print(f"the Colab cell, with {url} -> {args.repo} and /content -> {content}:\n" +
          '\n'.join('    ' + l for l in src.splitlines()), flush=True)
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    result = shell.run_cell(src)
    code = shell.user_ns.get('_exit_code')
    if not result.success: sys.exit(f"the Colab cell raised {result.error_in_exec or result.error_before_exec!r}")
    if code != 0: sys.exit(f"the Colab cell's shell line (git clone && pip install) exited {code}")
    if not (Path(content)/'mnist_nb'/'settings.ini').exists(): sys.exit(f"the Colab cell did not clone the project into {content}")
    print(f"the Colab cell cloned the project and installed it; its working directory is now {os.getcwd()}")

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run', help="run notebooks' fast path, each in its own process")
    r.add_argument('nbs', nargs='+'); r.add_argument('--jobs', type=int, default=2)
    r.add_argument('--timeout', type=int, default=600, help='seconds for one notebook')
    r.add_argument('--flags', default=None, help="test flags whose cells are skipped (default: settings.ini tst_flags)")
    o = sub.add_parser('one', help='(internal) run one notebook, writing its outcome as JSON')
    o.add_argument('nb'); o.add_argument('--result', required=True); o.add_argument('--flags', default='')
    for q in (r, o): q.add_argument('--runner', choices=list(RUNNERS), default='nbclient',
                                    help="nbclient (a Jupyter kernel; default) or execnb (CaptureShell, in-process)")
    c = sub.add_parser('colab', help="run the post notebooks' Colab cell with its locations substituted")
    c.add_argument('--content', help='stands in for /content'); c.add_argument('--repo', help="stands in for the GitHub URL")
    c.add_argument('--check', action='store_true', help='only check the cell is the same in 01-05')
    args = p.parse_args()
    if args.cmd == 'colab' and not args.check and not (args.content and args.repo): p.error('colab needs --content and --repo')
    dict(run=cmd_run, one=cmd_one, colab=cmd_colab)[args.cmd](args)

if __name__ == '__main__': main()
