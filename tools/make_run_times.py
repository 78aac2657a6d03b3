"""How long each step of `make run` takes: the plan and estimate it prints first, and the times it keeps.

The times live in `tools/make_run_times.json` (committed, so a fresh clone has them): per step (each notebook by name,
`benchmarks`, `index`, `finish` for the clean/export/docs/README steps at the end) the seconds its last complete run
took, when (UTC) and on how many cores. Entries marked "seeded from earlier runs" were measured before this file
existed; each one is replaced when its step next completes. `tools/run_all.sh` calls:

    make_run_times.py plan STEP:STATE ...   print the plan and the estimate (STATE: run, fresh), keep it for `begin`
    make_run_times.py begin STEP            print "running ..." with this step's time and the time left in all
    make_run_times.py seconds STEP          print the step's expected seconds (empty when it has none)
    make_run_times.py record STEP SECONDS   replace the step's entry (written to a temporary file, then renamed)
    make_run_times.py readme                one sentence for the README: a fresh clone's `make run` on this file's times
"""
import json, os, sys, tempfile, time
from pathlib import Path

here = Path(__file__).resolve().parent
root = here.parent
TIMES = here/'make_run_times.json'
PLAN = root/'.make_run'/'plan.json'  # the plan of the `make run` in progress (kept out of git with .make_run/)
SEEDED = 'seeded from earlier runs'
FINISH = 'finish'
FINISH_SAYS = 'nbdev_clean, nbdev_export, docs check, README'

def cores() -> int:
    "The cores this process may use"
    try: return len(os.sched_getaffinity(0))
    except AttributeError: return os.cpu_count() or 1

def load() -> dict:
    try: return json.loads(TIMES.read_text())
    except FileNotFoundError: return {'about': '', 'steps': {}}

def dumps(data:dict) -> str:
    "The file's text: one line per step, so that a run's diff shows which steps it timed"
    steps = ',\n'.join(f'  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}' for k, v in data['steps'].items())
    return f'{{\n "about": {json.dumps(data["about"], ensure_ascii=False)},\n "steps": {{\n{steps}\n }}\n}}\n'

def save(data:dict):
    "Write the times atomically: a temporary file beside it, then a rename"
    fd, tmp = tempfile.mkstemp(dir=TIMES.parent, prefix='.make_run_times.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'w') as f: f.write(dumps(data))
        os.chmod(tmp, 0o644)
        os.replace(tmp, TIMES)
    except BaseException:
        Path(tmp).unlink(missing_ok=True); raise

def seconds(step:str):
    "The expected seconds of `step`, or None"
    e = load()['steps'].get(step)
    return e['seconds'] if e else None

def record(step:str, secs:int):
    data = load()
    data['steps'][step] = {'seconds': int(secs), 'when': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()), 'cores': cores()}
    save(data)

def fmt(s) -> str:
    "Seconds as a short duration: 45s, 3m, 1h05m"
    if s is None: return '?'
    s = int(round(s))
    if s < 90: return f'{s}s'
    m = round(s/60)
    return f'{m}m' if m < 60 else f'{m//60}h{m%60:02d}m'

def measured(e:dict) -> str:
    "Where an entry's time comes from"
    return SEEDED if e['when'] == SEEDED else f"measured {e['when'][:10]}"

def writes_results(step:str) -> bool: return (root/'results'/f'{step}.json').exists()

def predict(states:list) -> list:
    "(step, state, why) with `fresh` notebooks that read records an earlier step will rewrite predicted to rerun"
    sys.path.insert(0, str(here))
    from nb_stamp import READS
    out, rewrites = [], False
    for step, state in states:
        why = ''
        if state == 'fresh' and READS.get(step) == 'results/*.json' and rewrites:
            state, why = 'run', 'likely: an earlier notebook rewrites its record'
        if state == 'run' and writes_results(step): rewrites = True
        out.append((step, state, why))
    return out

def plan(args:list):
    states = [tuple(a.rsplit(':', 1)) for a in args]
    steps = predict(states)
    entries = load()['steps']
    here_cores = cores()
    todo = [s for s, st, _ in steps if st == 'run'] + [FINISH]
    total = sum(entries[s]['seconds'] for s in todo if s in entries)
    untimed = [s for s in todo if s not in entries]
    notebooks = [(s, st) for s, st, _ in steps if s not in ('benchmarks', 'index')]
    n_run = sum(st == 'run' for _, st in notebooks)
    print(f'make run: about {fmt(total)} in all'
          + (f' (plus {", ".join("the final steps" if s == FINISH else s for s in untimed)}, not timed yet)' if untimed else '')
          + f'; {n_run} of {len(notebooks)} notebooks to run (times: tools/make_run_times.json; this machine has {here_cores} cores)')
    width = max(len(s) for s, *_ in steps)
    for step, state, why in steps + [(FINISH, 'run', '')]:
        e = entries.get(step)
        if state == 'fresh':
            what, took = 'up to date', ''
            note = 'measured already (FORCE=1 or `make benchmarks` to remeasure)' if step == 'benchmarks' else 'unchanged since its last complete run'
        else:
            what = 'then' if step == FINISH else 'to run'
            took = f'~{fmt(e["seconds"])}' if e else 'no time yet'
            note = '; '.join(x for x in [why, e and f'{measured(e)}, {e["cores"]} cores'] if x)
            if e and e['cores'] != here_cores: note += f' (this machine has {here_cores})'
        if step == FINISH: print(f'  {what:<10}  {FINISH_SAYS}: {took}  {note}'.rstrip())
        else: print(f'  {what:<10}  {step:<{width}}  {took:>11}  {note}'.rstrip())
    PLAN.parent.mkdir(exist_ok=True)
    PLAN.write_text(json.dumps([[s, st] for s, st, _ in steps]))

def begin(step:str, path:str=''):
    "The line before a step starts: its expected time and, from the plan, the time left in all"
    entries = load()['steps']
    e = entries.get(step)
    try: steps = json.loads(PLAN.read_text())
    except (FileNotFoundError, ValueError): steps = []
    names = [s for s, _ in steps]
    later = names[names.index(step)+1:] if step in names else []
    left = [step] + [s for s, st in steps if s in later and st == 'run'] + ([FINISH] if step != FINISH else [])
    known = sum(entries[s]['seconds'] for s in left if s in entries)
    says = f'~{fmt(e["seconds"])} ({measured(e)}, {e["cores"]} cores)' if e else 'no time yet'
    if step != FINISH and known: says += f'; about {fmt(known)} left in all'
    print(f'running {path or (FINISH_SAYS if step == FINISH else step)}: {says}', flush=True)

def readme() -> str:
    entries = load()['steps']
    total = sum(e['seconds'] for e in entries.values())
    kinds = sorted({e['cores'] for e in entries.values()})
    seeded = all(e['when'] == SEEDED for e in entries.values())
    src = 'seeded from earlier runs' if seeded else 'each from its step\'s last complete run'
    return (f'On a fresh clone `make run` takes about {fmt(total)} on {"/".join(map(str, kinds))} cores '
            f'(the sum of the step times in `tools/make_run_times.json`, {src}), plus creating `.venv` on first use; '
            f'it prints its plan and estimate first and then where it is.')

if __name__ == '__main__':
    cmd, *args = sys.argv[1:] or ['readme']
    if cmd == 'plan': plan(args)
    elif cmd == 'begin': begin(*args)
    elif cmd == 'seconds':
        s = seconds(args[0]); print('' if s is None else s)
    elif cmd == 'record': record(args[0], int(args[1]))
    elif cmd == 'readme': print(readme())
    else: sys.exit(__doc__)
