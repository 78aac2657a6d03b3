"""A fault battery for `mnist_nb_train` and the data module, run as a user would: each scenario damages one thing
(a run folder, a flag, the data or cache settings, a signal), runs the command line, and checks what the user sees:
the exit status, one line on stderr with no traceback, and that no untrained learner is exported.

    .venv/bin/python tools/faults.py            # every scenario, on the tiny subset of `mnist_path()` (a few minutes)
    .venv/bin/python tools/faults.py -k lock    # only scenarios whose name contains `lock` (`-k 'lock|SIGTERM'`: either)

Ends with `faults: N passed, N failed`."""
import argparse, hashlib, json, os, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path

TINY = ['--subset', '32', '--bs', '16', '--epochs', '2']

def train(out, *flags, env=None, wait=True, unset=()):
    "Run `mnist_nb_train` on the tiny subset into `out`; the finished process, or the running one if not `wait`"
    cmd = [sys.executable, '-m', 'mnist_nb.train', '--out', str(out), *TINY, *flags]
    env = {**os.environ, **(env or {})}
    env = {k: v for k, v in env.items() if k not in unset}  # the variables named in `unset` removed
    if not wait: return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    return subprocess.run(cmd, capture_output=True, text=True, env=env)

def one_line(proc, status:int, *words) -> str:
    "'' if `proc` ended with `status` and a last stderr line holding `words`, without a traceback; else why not"
    err = proc.stderr if isinstance(proc.stderr, str) else proc.stderr.read()
    last = (err.strip().splitlines() or [''])[-1]
    if proc.returncode != status: return f"exit {proc.returncode}, expected {status}: {last}"
    if 'Traceback' in err: return f"a traceback: {last}"
    missing = [w for w in words if w not in last]
    return f"{missing} not in {last!r}" if missing else ''

def wait_for(file:Path, proc, limit:float=600) -> bool:
    "Wait until `file` exists or `proc` ends; whether `file` exists"
    start = time.monotonic()
    while not file.exists() and proc.poll() is None and time.monotonic() - start < limit: time.sleep(0.5)
    return file.exists()

def scenarios(work:Path, finished:Path, stopped:Path):
    "`(name, check)` pairs; each `check()` returns '' when the command behaved, else what went wrong"
    def copy(src, name): return Path(shutil.copytree(src, work/name))
    def record_only():
        folder = work/'record'; folder.mkdir(); shutil.copy(finished/'run.json', folder)
        why = one_line(train(folder), 2, 'a record of a finished run', '--restart')
        return why or ('a learner was exported into a record folder' if (folder/'mnist_learner.pkl').exists() else '')
    def replaced_learner():
        folder = copy(finished, 'replaced'); (folder/'checkpoint.pth').unlink()
        (folder/'mnist_learner.pkl').write_bytes(b'not a learner')
        return one_line(train(folder), 2, 'not the learner this run exported')
    def damaged(kind):
        def check():
            folder = copy(stopped, f'damaged-{kind}')
            good = (folder/'checkpoint.pth').read_bytes()
            bad = {'truncated': good[:len(good)//3], 'random': os.urandom(4096), 'empty': b'',
                   'flipped': good[:len(good)//2] + bytes([good[len(good)//2] ^ 0xFF]) + good[len(good)//2 + 1:]}[kind]
            (folder/'checkpoint.pth').write_bytes(bad)
            return one_line(train(folder), 2, 'checkpoint', '--restart')
        return check
    def other_workers(): return one_line(train(copy(stopped, 'workers'), '--workers', '1'), 2, 'workers: 0 in the folder, 1 now')
    def other_seed(): return one_line(train(copy(stopped, 'seed'), '--seed', '7'), 2, 'seed: 42 in the folder, 7 now')
    def lock():
        folder = work/'locked'
        first = train(folder, '--epochs', '40', wait=False)  # long enough to still hold the lock
        if not wait_for(folder/'run.json', first): return 'the first process never saved an epoch'
        why = one_line(train(folder, '--epochs', '40'), 2, 'another process is training into this folder')
        first.terminate(); first.wait()
        return why
    def orphan():
        folder = copy(stopped, 'orphan'); (folder/'.checkpoint.pth.killed.pth').write_bytes(b'half')
        train(folder, '--workers', '1')
        return 'the temp file is still there' if (folder/'.checkpoint.pth.killed.pth').exists() else ''
    def signal_ends(sig, status):
        def check():
            folder = work/f'signal-{sig}'
            proc = train(folder, '--epochs', '40', wait=False)
            if not wait_for(folder/'run.json', proc): return 'no epoch was saved before the process ended'
            proc.send_signal(sig); proc.wait()
            why = one_line(proc, status, 'interrupted after epoch', 'run the same command to resume')
            if why: return why
            again = train(folder, '--epochs', '40')
            return '' if again.returncode == 0 and 'complete' in again.stdout else f"no resume: {again.stderr[-200:]}"
        return check
    def code_checkpoint(hashed):
        def check():
            folder, marker = copy(stopped, f'code-{hashed}'), work/f'marker-{hashed}'
            payload = (f"import torch, pathlib\nclass M:\n def __reduce__(self): return (pathlib.Path.write_text, "
                       f"(pathlib.Path({str(marker)!r}), 'ran'))\ntorch.save(dict(model=M()), {str(folder/'checkpoint.pth')!r})")
            subprocess.run([sys.executable, '-c', payload], check=True)
            if hashed:
                record = json.loads((folder/'run.json').read_text())
                record['files']['checkpoint.pth'] = hashlib.sha256((folder/'checkpoint.pth').read_bytes()).hexdigest()
                (folder/'run.json').write_text(json.dumps(record))
            why = one_line(train(folder), 2, 'checkpoint', 'holding more than tensors', '--restart')
            return why or ('the checkpoint ran code when it was loaded' if marker.exists() else '')
        return check
    def restart_locked():
        folder = work/'restart-locked'
        first = train(folder, '--epochs', '40', wait=False)
        if not wait_for(folder/'run.json', first): return 'the first process never saved an epoch'
        before = (folder/'checkpoint.pth').exists(), (folder/'run.json').exists()
        why = one_line(train(folder, '--epochs', '40', '--restart'), 2, 'another process is training into this folder')
        after = (folder/'checkpoint.pth').exists(), (folder/'run.json').exists()
        first.terminate(); first.wait()
        return why or ('' if before == after == (True, True) else f'the refused --restart deleted files: {before} -> {after}')
    def record_after_export():
        folder = copy(finished, 'no-learner-hash')
        record = json.loads((folder/'run.json').read_text()); del record['files']['mnist_learner.pkl']
        (folder/'run.json').write_text(json.dumps(record))  # as a full disk or a kill after the export leaves it
        again = train(folder)
        if again.returncode: return f"exit {again.returncode}: {again.stderr.strip().splitlines()[-1:]}"
        return '' if 'mnist_learner.pkl' in json.loads((folder/'run.json').read_text())['files'] else 'the record was not completed'
    def diverged():
        folder = work/'diverged'
        why = one_line(train(folder, '--lr', '1e9'), 2, 'NaN or infinite in epoch', 'lower --lr')
        if why: return why
        if (folder/'mnist_learner.pkl').exists(): return 'a diverged run exported a learner'
        return '' if json.loads((folder/'run.json').read_text()).get('diverged') else 'its record does not say it diverged'
    def bad_record(text):
        def check():
            folder = copy(stopped, f'record-{sum(map(ord, text))}'); (folder/'run.json').write_text(text)
            return one_line(train(folder), 2, 'run.json: not a run record', '--restart')
        return check
    def tiny_data():
        data = work/'tiny-data'
        if not data.exists():
            from mnist_nb.data import mnist_path  # the data the tiny runs read (MNIST_NB_DATA, or fastai's download)
            src = mnist_path()
            for split in ('training', 'testing'):
                for digit in range(10):
                    (data/split/str(digit)).mkdir(parents=True)
                    for f in sorted((src/split/str(digit)).glob('*.png'))[:4]: shutil.copy(f, data/split/str(digit)/f.name)
        return data
    def truncated_png():
        data = work/'truncated-data'
        if not data.exists(): shutil.copytree(tiny_data(), data)
        png = sorted((data/'training'/'3').glob('*.png'))[0]; png.write_bytes(png.read_bytes()[:60])
        return one_line(train(work/'truncated-run', '--data', str(data), '--subset', '40'), 2, str(png), 'not a readable PNG')
    def subset_larger():
        proc = train(work/'subset-run', '--data', str(tiny_data()), '--subset', '100000', '--epochs', '1')
        if proc.returncode: return f"exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}"
        return '' if '--subset 100000 is more than the 40 training images; all of them are used' in proc.stderr else proc.stderr[-300:]
    def unwritable_home():
        proc = train(work/'home-run', env={'FASTAI_HOME': '/proc/no-home/.fastai'}, unset=('MNIST_NB_CACHE', 'MNIST_NB_DATA'))
        return one_line(proc, 2, 'fastai cannot create its folder there', 'set MNIST_NB_CACHE')
    def ctrl_c_cache():
        cache = work/'new-cache'
        proc = train(work/'cache-run', env={'MNIST_NB_CACHE': str(cache)}, wait=False)
        start = time.monotonic()
        while not list(cache.glob('*.partial-*')) and proc.poll() is None and time.monotonic() - start < 300: time.sleep(0.2)
        time.sleep(1); proc.send_signal(signal.SIGINT); proc.wait()
        why = one_line(proc, 130, 'interrupted while the MNIST data was prepared')
        return why or (f'a half-built cache was left: {list(cache.glob("*partial*"))}' if list(cache.glob('*partial*')) else '')
    def flag(args, *words): return lambda: one_line(train(work/'never', *args), 2, *words) or \
        ('a refused command left its --out folder' if (work/'never').exists() else '')
    def env(name, value, *words): return lambda: one_line(train(work/'env', env={name: value}), 2, *words)
    (work/'a-file').write_text('x')
    return [('a record folder is not retrained', record_only), ('a replaced learner is refused', replaced_learner),
            *[(f'a {k} checkpoint is refused', damaged(k)) for k in ('truncated', 'random', 'empty', 'flipped')],
            ('a resume with other --workers is refused', other_workers), ('a resume with another --seed is refused', other_seed),
            ('a second process on one --out is refused (lock)', lock), ('temp files of a killed write are removed', orphan),
            ('SIGINT ends with one line, exit 130, and resumes', signal_ends(signal.SIGINT, 130)),
            ('SIGTERM ends with one line, exit 143, and resumes', signal_ends(signal.SIGTERM, 143)),
            ('a checkpoint that would run code is refused (stale hash)', code_checkpoint(False)),
            ('a checkpoint that would run code is refused (hash updated)', code_checkpoint(True)),
            ('--restart while another process trains deletes nothing', restart_locked),
            ('a record without the exported learner\'s hash is completed by the same command', record_after_export),
            ('--lr 1e9 diverges: one line, exit 2, no learner', diverged),
            *[(f'a run.json holding {t} is refused in one line', bad_record(t)) for t in ('{}', '[]', '{"complete": false}')],
            ('a truncated PNG in --data is named', truncated_png),
            ('--subset beyond the data says all are used', subset_larger),
            ('an unwritable fastai home without MNIST_NB_CACHE says to set it', unwritable_home),
            ('Ctrl-C during the first cache build: one line, nothing half-built', ctrl_c_cache),
            ('--seed 2**70 is refused', flag(['--seed', str(2**70)], '--seed', 'must be from 0 to')),
            ('--epochs 1000000000 is refused', flag(['--epochs', '1000000000'], 'must be from 1 to 1000')),
            ('--bs 1 is refused', flag(['--bs', '1', '--subset', '32'], '--bs 1')),
            ('--arch vit_b_16 is refused', flag(['--arch', 'vit_b_16'], 'vision_learner can cut')),
            ('an empty MNIST_NB_DATA is refused', env('MNIST_NB_DATA', '', 'MNIST_NB_DATA is set but empty')),
            ('a file as MNIST_NB_CACHE is refused', env('MNIST_NB_CACHE', str(work/'a-file'), 'is a file, not a folder'))]

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('-k', default='', help="run only scenarios whose name contains this (or one of several, split by '|')")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix='mnist_nb_faults-'))
    try:
        finished, stopped = work/'finished', work/'stopped'
        base = train(finished)
        if base.returncode: sys.exit(f"faults: the tiny run itself failed: {base.stderr[-500:]}")
        proc = train(stopped, '--epochs', '3', wait=False)
        wait_for(stopped/'run.json', proc); proc.send_signal(signal.SIGINT); proc.wait()
        passed = failed = 0
        for name, check in scenarios(work, finished, stopped):
            if not any(k in name for k in args.k.split('|')): continue
            why = check()
            print(f"{'PASS' if not why else 'FAIL'} {name}" + (f": {why}" if why else ''), flush=True)
            passed, failed = passed + (not why), failed + bool(why)
        print(f"faults: {passed} passed, {failed} failed")
        sys.exit(1 if failed else 0)
    finally: shutil.rmtree(work, ignore_errors=True)

if __name__ == '__main__': main()
