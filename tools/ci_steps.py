"""Check the GitHub workflows here: validate them, and run a job's `run:` steps in order in a fresh clone.

GitHub's actions (`uses:` steps) cannot run here. The fresh clone of the committed HEAD stands in for
`actions/checkout`; `actions/setup-python` is checked, not run: the `python3` on PATH must have the version it
asks for. Every `run:` step then runs in the clone, with GitHub's default shell (`bash -e`), with no virtual
environment active and without this machine's `MNIST_NB_DATA`, as on GitHub. Anything else a `uses:` step does
(Quarto, GitHub Pages) is listed as not run.

    tools/ci_steps.py --validate                  # every workflow parses and has the shape GitHub needs
    tools/ci_steps.py [WORKFLOW] [--job JOB]      # run WORKFLOW's JOB (default: the test workflow's `test`)"""
import argparse, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT/'.github'/'workflows'

def load_workflow(fname:Path) -> dict:
    "The workflow in `fname`, checked to have a trigger and jobs whose steps each `run` or `uses` exactly one thing"
    try: wf = yaml.safe_load(fname.read_text())
    except yaml.YAMLError as e: sys.exit(f"{fname}: not valid YAML ({e})")
    if not isinstance(wf, dict): sys.exit(f"{fname}: not a mapping of workflow keys")
    if 'on' not in wf and True not in wf: sys.exit(f"{fname}: no `on:` trigger")  # YAML 1.1 reads the key `on` as True
    jobs = wf.get('jobs')
    if not isinstance(jobs, dict) or not jobs: sys.exit(f"{fname}: no jobs")
    for name, job in jobs.items():
        if 'runs-on' not in job: sys.exit(f"{fname}: job {name!r} has no runs-on")
        if not isinstance(job.get('steps'), list) or not job['steps']: sys.exit(f"{fname}: job {name!r} has no steps")
        for i, step in enumerate(job['steps']):
            if not isinstance(step, dict) or ('run' in step) == ('uses' in step):
                sys.exit(f"{fname}: job {name!r}, step {i+1}: needs exactly one of `run` or `uses`")
    return wf

def clean_env(extra:dict) -> dict:
    "This process's environment with no virtual environment and no local MNIST data, plus `extra`"
    env = {k: v for k, v in os.environ.items() if k not in ('VIRTUAL_ENV', 'PYTHONHOME', 'PYTHONPATH', 'MNIST_NB_DATA')}
    venvs = [Path(p) for p in env.get('PATH', '').split(os.pathsep) if (Path(p).parent/'pyvenv.cfg').exists()]
    env['PATH'] = os.pathsep.join(p for p in env.get('PATH', '').split(os.pathsep) if Path(p) not in venvs)
    env.update({k: str(v) for k, v in (extra or {}).items()})
    return env

def check_setup_python(step:dict, env:dict):
    "Stand in for `actions/setup-python`: the `python3` on PATH must have the version the step asks for"
    want = str((step.get('with') or {}).get('python-version', ''))
    got = subprocess.run(['python3', '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'],
                         env=env, capture_output=True, text=True).stdout.strip()
    if want and not (got == want or got.startswith(want + '.')):
        sys.exit(f"setup-python asks for Python {want}, but python3 here is {got or 'missing'}")
    print(f"  python3 is {got}" + (f", as setup-python asks ({want})" if want else ''))

def fresh_clone(dest:Path) -> str:
    "Clone this repository's committed HEAD into `dest`, as `actions/checkout` would; returns the commit"
    sha = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    if subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no'], cwd=ROOT, capture_output=True, text=True).stdout:
        print("  note: uncommitted changes are not in the clone; it tests the last commit")
    subprocess.run(['git', 'clone', '--quiet', '--no-checkout', str(ROOT), str(dest)], check=True)
    subprocess.run(['git', 'checkout', '--quiet', sha], cwd=dest, check=True)
    return sha

def run_job(workflow:Path, job_name:str, keep:bool=False) -> int:
    "Run the `run:` steps of `job_name` in `workflow` in order in a fresh clone; the exit status of the first failure, or 0"
    job = load_workflow(workflow)['jobs'].get(job_name) or sys.exit(f"{workflow}: no job {job_name!r}")
    work = Path(tempfile.mkdtemp(prefix='ci-steps-'))
    clone, not_run, ran = work/'repo', [], 0
    try:
        for i, step in enumerate(job['steps'], 1):
            title = step.get('name') or step.get('uses') or step['run'].splitlines()[0]
            print(f"step {i}: {title}", flush=True)
            env = clean_env({**(job.get('env') or {}), **(step.get('env') or {})})
            uses = step.get('uses', '')
            if uses.startswith('actions/checkout'): print(f"  fresh clone of commit {fresh_clone(clone)[:10]} in a temp folder")
            elif uses.startswith('actions/setup-python'): check_setup_python(step, env)
            elif uses: not_run.append(uses); print("  not run here (a GitHub action)")
            else:
                if not clone.exists(): sys.exit("a run step comes before actions/checkout")
                shell = ['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c'] if step.get('shell') == 'bash' else ['bash', '-e', '-c']
                start = time.time()
                rc = subprocess.run(shell + [step['run']], cwd=clone/step.get('working-directory', '.'), env=env).returncode
                print(f"  exit status {rc} after {time.time() - start:.0f}s", flush=True)
                if rc: return rc
                ran += 1
        print(f"ci_steps: {workflow.name} job {job_name!r}: {ran} run steps passed" + (f"; not run here: {', '.join(not_run)}" if not_run else ''))
        return 0
    finally:
        if keep: print(f"  clone kept in {clone}")
        else: shutil.rmtree(work, ignore_errors=True)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('workflow', nargs='?', default=str(WORKFLOWS/'test.yaml'), help='workflow file to run')
    p.add_argument('--job', default='test', help='job of the workflow to run')
    p.add_argument('--validate', action='store_true', help='only check that every workflow is valid')
    p.add_argument('--keep', action='store_true', help='keep the clone afterwards')
    args = p.parse_args()
    if args.validate:
        files = sorted(WORKFLOWS.glob('*.y*ml'))
        if not files: sys.exit(f"no workflows in {WORKFLOWS.relative_to(ROOT)}")
        jobs = [f"{f.name}: {', '.join(load_workflow(f)['jobs'])}" for f in files]
        return print(f"workflows valid ({'; '.join(jobs)})")
    sys.exit(run_job(Path(args.workflow), args.job, args.keep))

if __name__ == '__main__': main()
