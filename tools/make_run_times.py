"""How long each step of `make run` takes: the plan and estimate it prints first, and the times it keeps.

benchmarks/make_run_times.json (committed, so that a fresh clone has an estimate) holds, per step (a notebook by name,
`benchmarks`, `finish` for the docs and README steps), the seconds its last complete run took, when, on how many cores.

    make_run_times.py plan STEP:STATE ...   print the plan and the estimate (STATE: run or fresh, as Make decided)
    make_run_times.py time STEP CMD ...     run CMD, saying the step's usual time first; on success keep its new time
    make_run_times.py readme                one sentence for the README: a fresh clone's `make run` on these times
"""
import json, os, subprocess, sys, time
from pathlib import Path

TIMES = Path(__file__).parent.parent/'benchmarks'/'make_run_times.json'

def load() -> dict: return json.loads(TIMES.read_text())

def fmt(s) -> str:
    "Seconds as a short duration: 45s, 3m, 1h05m"
    s = int(round(s))
    if s < 90: return f'{s}s'
    m = round(s/60)
    return f'{m}m' if m < 60 else f'{m//60}h{m%60:02d}m'

def usual(step:str) -> str:
    e = load()['steps'].get(step)
    return f"~{fmt(e['seconds'])} (measured {e['when'][:10]}, {e['cores']} cores)" if e else 'no time yet'

def plan(args:list):
    steps = [a.rsplit(':', 1) for a in args] + [['finish', 'run']]
    times = load()['steps']
    todo = [s for s, state in steps if state == 'run']
    print(f"make run: about {fmt(sum(times.get(s, {}).get('seconds', 0) for s in todo))} on {len(os.sched_getaffinity(0))} cores; "
          f"{len(todo) - 1} of {len(steps) - 1} steps to run (times: {TIMES.name})")
    for s, state in steps:
        print(f"  {'to run' if state == 'run' else 'up to date':<10}  {s:<24}  {usual(s) if state == 'run' else ''}".rstrip())

def timed(step:str, cmd:list) -> int:
    print(f'running {step}: {usual(step)}', flush=True)
    start = time.monotonic()
    rc = subprocess.run(cmd).returncode
    took = time.monotonic() - start
    if rc: return print(f'{step} failed after {fmt(took)}') or rc
    data = load()
    data['steps'][step] = {'seconds': round(took), 'when': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
                           'cores': len(os.sched_getaffinity(0))}
    from mnist_nb.files import write_atomically
    lines = ',\n'.join(f'  {json.dumps(k)}: {json.dumps(v)}' for k, v in sorted(data['steps'].items()))  # a line per step
    write_atomically(TIMES, lambda tmp: tmp.write_text(f'{{\n "about": {json.dumps(data["about"])},\n "steps": {{\n{lines}\n }}\n}}\n'))
    print(f'  {step} done in {fmt(took)}')
    return 0

def readme() -> str:
    steps = load()['steps'].values()
    return (f"On a fresh clone `make run` takes about {fmt(sum(e['seconds'] for e in steps))} on "
            f"{'/'.join(sorted({str(e['cores']) for e in steps}))} cores (the sum of the step times in `benchmarks/{TIMES.name}`, "
            "each from its step's last complete run), plus creating `.venv` on first use; it prints its plan and estimate "
            "first and then where it is.")

if __name__ == '__main__':
    cmd, *args = sys.argv[1:] or ['readme']
    if cmd == 'plan': plan(args)
    elif cmd == 'time' and len(args) > 1: sys.exit(timed(args[0], args[1:]))
    elif cmd == 'readme': print(readme())
    else: sys.exit(__doc__)
