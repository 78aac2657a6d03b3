#!/usr/bin/env bash
# The current-stack tier (`make test-current`): what a Colab reader has today, beside the lock tier (`make test`,
# pinned by requirements-lock.txt): the package, its requirements at their newest, a Jupyter kernel; no nbdev.
#   1. build the sdist and wheel from the working tree, and check their metadata with twine (in a venv of its own);
#   2. a fresh venv made by the post notebooks' own Colab cell, run with /content and the GitHub URL pointed at a temp
#      folder and a local clone; then ipykernel and nbclient, which run the notebooks; then the built wheel
#      (--no-deps --force-reinstall), so that everything below runs the wheel. No fastbook, nbdev or execnb;
#   3. every notebook in order, in the cloned nbs/ as on Colab, under tools/run_nbs.py: nbclient in a Jupyter kernel,
#      IN_TEST=1, only `#| slow` cells skipped, as nbdev_test does;
#   4. the training command from the wheel, and its exported learner loaded and used to predict;
#   5. a training run interrupted with SIGINT, then resumed;
#   6. last: the broken combination (fastai 2.8.7 on fastcore 2) refused by `import mnist_nb`, in one line.
# One PASS/FAIL line per check; ends with the versions tested, the time, then `current stack: N passed, N failed`.
# Everything happens in a temp folder, removed at the end. Set MNIST_NB_DATA for local data, as for `make test`.
#   tools/current_stack.sh --run-all [DIR]   step 3 is a reader's Run all instead: the post notebooks (01-05) one after
#                                           another, slow cells included, each one's time printed; DIR keeps them run
set -uo pipefail
run_all=; out=()
case "${1:-}" in
  --run-all) run_all=1; if [ -n "${2:-}" ]; then mkdir -p "$2" && out=(--out "$(cd "$2" && pwd)") || exit 2; fi;;
  '') ;;
  *) echo "usage: tools/current_stack.sh [--run-all [DIR]]"; exit 2;;
esac
cd "$(dirname "$0")/.."
root=$PWD
# The temp folder: in RAM (/dev/shm) when it has room for the 6 GB venv with 10 GB to spare, else TMPDIR; on a disk
# mounted with online discard, as this project's are, deleting the venv takes 3-4 minutes, in RAM a second.
parent=${TMPDIR:-/tmp}; gib=$((1024 * 1024))  # in kB
[ "$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 {print $4}')" -ge $((16 * gib)) ] 2>/dev/null &&
  [ "$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)" -ge $((16 * gib)) ] && ! grep -qs ' /dev/shm .*noexec' /proc/mounts && parent=/dev/shm
tmp=$(mktemp -d "${CURRENT_STACK_TMPDIR:-$parent}/current-stack.XXXXXX")
echo "note: the temp folder is in $(dirname "$tmp") (CURRENT_STACK_TMPDIR overrides)"
bg_pid=
trap '[ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/logs"
passed=0; failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
tail_of() { tail -n "${2:-15}" "$1" | sed 's/^/     /'; }  # the last lines of a log, indented under its FAIL
since() { echo "$(( SECONDS - $1 ))s"; }
py=$tmp/venv/bin/python

# The source: a clone of this repository with the working tree's uncommitted changes on top (in CI, a fresh
# clone at HEAD: nothing to add). The Colab cell clones it in place of GitHub, and the build reads it, so both see
# the working tree's files and nothing is written into the working tree (no build/, no egg-info).
git clone -q "$root" "$tmp/origin"
git ls-files -z --cached --others --exclude-standard | tar -c --null --ignore-failed-read -T - -f - 2>/dev/null | tar -x -C "$tmp/origin" -f -
git ls-files -z --deleted | (cd "$tmp/origin" && xargs -0 -r rm -f --)
if [ -n "$(git -C "$tmp/origin" status --porcelain)" ]; then
  git -C "$tmp/origin" add -A
  git -C "$tmp/origin" -c user.name=current-stack -c user.email=current-stack@localhost -c commit.gpgsign=false \
    commit -q --no-verify -m "the working tree's uncommitted changes"
  echo "note: the package is HEAD $(git rev-parse --short HEAD) plus the working tree's uncommitted changes"
fi

# 1. Build. With build isolation: setuptools comes from the registry, and that takes seconds here.
start=$SECONDS
if .venv/bin/python -m build --sdist --wheel --outdir "$tmp/dist" "$tmp/origin" >"$tmp/logs/build.log" 2>&1; then
  pass "build: $(cd "$tmp/dist" && echo *) ($(since $start))"
else fail "build (python -m build --sdist --wheel):"; tail_of "$tmp/logs/build.log"; fi
sdist=$(ls "$tmp"/dist/*.tar.gz 2>/dev/null | head -1); wheel=$(ls "$tmp"/dist/*.whl 2>/dev/null | head -1)

# 2. The tier's venv, made the way a Colab reader's runtime is: Python with IPython and a current pip, then the
# notebooks' first cell. It has no pinned project: the cell's `pip install -U` resolves the newest fastai and fastcore
# (torch: whatever pip may install here). Then what runs notebooks (ipykernel, nbclient), and the wheel last.
export PATH="$tmp/venv/bin:$PATH"  # `pip` and `python` in the Colab cell and below are the tier venv's
unset VIRTUAL_ENV PYTHONPATH
venv_ok=1
start=$SECONDS
if ! { python3 -m venv "$tmp/venv" && "$py" -m pip install -q -U pip ipython; } >"$tmp/logs/venv.log" 2>&1; then
  fail "a fresh venv with IPython:"; tail_of "$tmp/logs/venv.log"; venv_ok=0
fi
if .venv/bin/python tools/run_nbs.py --colab-cell >"$tmp/colab.ipy" 2>"$tmp/logs/colab.log" &&
   grep -q '/content' "$tmp/colab.ipy" && grep -q 'https://github.com/' "$tmp/colab.ipy"; then
  pass "Colab cell: the first code cell is the same in the post notebooks (01-05)"
else fail "Colab cell: $(tail -1 "$tmp/logs/colab.log") (or it no longer names /content and a GitHub URL)"; venv_ok=0; fi
if [ "$venv_ok" = 1 ]; then
  mkdir -p "$tmp/content"
  sed -i -E "s#https://github.com/[^ ]+#$tmp/origin#; s#/content#$tmp/content#g" "$tmp/colab.ipy"
  echo 'assert _exit_code == 0, f"git clone && pip install exited {_exit_code}"' >>"$tmp/colab.ipy"
  if (cd "$tmp" && ipython --quick --no-banner "$tmp/colab.ipy") >"$tmp/logs/colab.log" 2>&1 && ! grep -q AssertionError "$tmp/logs/colab.log" && [ -f "$tmp/content/mnist_nb/settings.ini" ]; then
    pass "Colab cell cloned the project and installed it with its requirements ($(since $start), $(du -sh "$tmp/venv" | cut -f1) venv)"
  else fail "Colab cell, run with /content -> \$tmp/content and the GitHub URL -> a local clone:"; tail_of "$tmp/logs/colab.log" 25; venv_ok=0; fi
fi
if [ "$venv_ok" = 1 ]; then
  start=$SECONDS
  if { pip install -q -U ipykernel nbclient && pip install -q --no-deps --force-reinstall "$wheel"; } >"$tmp/logs/extras.log" 2>&1; then
    pass "installed ipykernel and nbclient (newest), then the wheel ($(since $start))"
  else fail "installing ipykernel, nbclient and the wheel:"; tail_of "$tmp/logs/extras.log"; venv_ok=0; fi
  if pip check >"$tmp/logs/pipcheck.log" 2>&1; then pass "pip check: $(tail -1 "$tmp/logs/pipcheck.log")"
  else fail "pip check:"; tail_of "$tmp/logs/pipcheck.log"; fi
fi
if [ -n "$sdist" ] && { python3 -m venv "$tmp/twine" && "$tmp/twine/bin/pip" install -q twine; } >"$tmp/logs/twine.log" 2>&1 &&
   "$tmp/twine/bin/twine" check --strict "$tmp"/dist/* >>"$tmp/logs/twine.log" 2>&1; then pass "twine check --strict: sdist and wheel metadata"
else fail "twine check --strict (in a venv of its own):"; tail_of "$tmp/logs/twine.log"; fi

# Without the venv nothing below can run: one FAIL says so, then the summary.
finish() {
  echo "versions: ${versions:-not known (no venv)}"
  echo "current stack took $((SECONDS / 60))m$(printf %02d $((SECONDS % 60)))s"
  echo "current stack: $passed passed, $failed failed"
  exit $((failed > 0))
}
[ "$venv_ok" = 1 ] || { fail "the notebooks, the training command, the resumed run, the broken combination: not run (no venv)"; finish; }
versions=$(cd "$tmp" && "$py" - <<'EOF'
import sys; from importlib.metadata import version, PackageNotFoundError
def v(name):
    try: return version(name)
    except PackageNotFoundError: return 'missing'
names = 'fastai fastcore fasttransform plum-dispatch torch torchvision ipykernel nbclient mnist_nb'.split()
print(f"python {sys.version.split()[0]}, " + ', '.join(f"{n} {v(n)}" for n in names))
print('extra:', ', '.join(n for n in 'nbdev fastbook execnb'.split() if v(n) != 'missing'))
EOF
)
extra=$(sed -n "s/^extra: *//p" <<<"$versions"); versions=$(head -1 <<<"$versions")
echo "versions: $versions"
if [ -z "$extra" ]; then pass "no nbdev, fastbook or execnb in the venv"
else fail "$extra installed in the venv: the package's requirements pull them in"; fi
[[ "$versions" != *"torch 2.14.1,"* ]] || echo "torch stays at the machine's cap, 2.14.1; torch 2.15.0 was checked by hand"
if (cd "$tmp" && "$py" - <<'EOF'
import sys; from importlib.metadata import version; from packaging.version import Version
fastai, fastcore = Version(version('fastai')), Version(version('fastcore'))
print(f"fastai {fastai}, fastcore {fastcore}")
sys.exit(0 if fastai >= Version('2.8.12') and fastcore.major == 2 else 1)
EOF
) >"$tmp/logs/stack.log" 2>&1; then pass "the current stack: $(tail -1 "$tmp/logs/stack.log") (fastai >= 2.8.12, fastcore 2)"
else fail "the current stack: $(tail -1 "$tmp/logs/stack.log"), not fastai >= 2.8.12 with fastcore 2"; fi
if (cd "$tmp/content/mnist_nb/nbs" && "$py" -c 'import mnist_nb, sys; sys.exit(not mnist_nb.__file__.startswith(sys.prefix))'); then
  pass "in the cloned nbs/, import mnist_nb is the installed wheel"
else fail "in the cloned nbs/, import mnist_nb is not the wheel installed in the venv"; fi

# 3. The notebooks, in the Colab clone's nbs/ (the working tree's files), on the installed wheel. The fast path: two
# at a time, 92_train first (the longest). --run-all: the post notebooks one at a time, slow cells included.
start=$SECONDS
if [ -n "$run_all" ]; then
  (cd "$tmp/content/mnist_nb" && "$py" tools/run_nbs.py --slow "${out[@]}" nbs/0[1-5]_*.ipynb)
else
  (cd "$tmp/content/mnist_nb" && "$py" tools/run_nbs.py --jobs 2 nbs/92_train.ipynb $(ls nbs/*.ipynb | grep -v 92_train))
fi 2>&1 | tee "$tmp/logs/notebooks.log"
[ "${PIPESTATUS[0]}" = 0 ] || grep -q '^FAIL' "$tmp/logs/notebooks.log" || fail "tools/run_nbs.py stopped before its notebooks' lines"
passed=$((passed + $(grep -c '^PASS' "$tmp/logs/notebooks.log")))
failed=$((failed + $(grep -c '^FAIL' "$tmp/logs/notebooks.log")))
echo "the notebooks took $(since $start)"

# 4. The training command from the wheel, then its exported learner, loaded as a user would.
start=$SECONDS
if (cd "$tmp" && mnist_nb_train --subset 200 --epochs 1 --out "$tmp/cli") >"$tmp/logs/cli.log" 2>&1 &&
   grep -q '^complete:' "$tmp/logs/cli.log"; then
  pass "mnist_nb_train --subset 200 --epochs 1 ($(since $start)): $(grep '^complete:' "$tmp/logs/cli.log" | sed "s|$tmp|\$tmp|g")"
else fail "mnist_nb_train --subset 200 --epochs 1 (no 'complete:' summary or nonzero exit):"; tail_of "$tmp/logs/cli.log"; fi
if (cd "$tmp" && "$py" - "$tmp/cli/mnist_learner.pkl" <<'EOF'
import sys, warnings
warnings.filterwarnings('ignore', message='load_learner` uses')
from fastai.learner import load_learner
from mnist_nb.data import mnist_path
path = mnist_path()
digit = sorted(d for d in (path/'testing').iterdir() if d.is_dir())[0]
png = sorted(digit.glob('*.png'))[0]
learn = load_learner(sys.argv[1])
with learn.no_bar(): pred, idx, probs = learn.predict(png)
print(f"{png.relative_to(path)} (a {digit.name}) predicted as {pred!r}, p={float(probs[idx]):.2f} (1 epoch on 200 images)")
EOF
) >"$tmp/logs/predict.log" 2>&1; then pass "load_learner + predict with the exported learner: $(tail -1 "$tmp/logs/predict.log")"
else fail "load_learner + predict with the exported learner:"; tail_of "$tmp/logs/predict.log"; fi

# 5. SIGINT after the first finished epoch (as run.json records it), then the same command again resumes.
cmd=(mnist_nb_train --subset 200 --epochs 3 --out "$tmp/resume")
(cd "$tmp" && exec "${cmd[@]}") >"$tmp/logs/resume1.out" 2>"$tmp/logs/resume1.err" &
bg_pid=$!
epochs_done() { "$py" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["history"]))' "$tmp/resume/run.json" 2>/dev/null || echo 0; }
waited=0
while kill -0 "$bg_pid" 2>/dev/null && [ "$(epochs_done)" -lt 1 ] && [ "$waited" -lt 3000 ]; do sleep 0.1; waited=$((waited + 1)); done
kill -INT "$bg_pid" 2>/dev/null; wait "$bg_pid"; rc=$?; bg_pid=
message=$(tail -1 "$tmp/logs/resume1.err")
if [ "$rc" = 130 ] && [[ "$message" == *"interrupted after epoch"* ]]; then
  pass "SIGINT after $(epochs_done) epoch(s): exit 130, '$message'"
else fail "SIGINT after $(epochs_done) epoch(s): exit $rc (want 130), last stderr line '$message' (want 'interrupted after epoch')"
  tail_of "$tmp/logs/resume1.err"; fi
if (cd "$tmp" && "${cmd[@]}") >"$tmp/logs/resume2.log" 2>&1 && grep '^complete:' "$tmp/logs/resume2.log" | grep -q 'resumed 1x'; then
  pass "the same command again resumes: $(grep '^complete:' "$tmp/logs/resume2.log" | sed "s|$tmp|\$tmp|g")"
else fail "the same command again (want exit 0 and a summary with 'resumed 1x'):"; tail_of "$tmp/logs/resume2.log"; fi

# 6. Last, as it breaks the venv: fastai 2.8.7 beside fastcore 2 is refused by `import mnist_nb`, in one line.
fastcore_v=$(cd "$tmp" && "$py" -c "from importlib.metadata import version; print(version('fastcore'))")
if pip install -q --no-deps fastai==2.8.7 >"$tmp/logs/broken.log" 2>&1; then
  if (cd "$tmp" && "$py" -c 'import mnist_nb') >"$tmp/logs/import.out" 2>"$tmp/logs/import.err"; then
    fail "import mnist_nb with fastai 2.8.7 and fastcore $fastcore_v: it imported (want a refusal)"
  else
    line=$(tail -1 "$tmp/logs/import.err")
    if [[ "$line" == *"fastai 2.8.7"* && "$line" == *"fastcore $fastcore_v"* && "$line" == *"pip install -U 'fastai>=2.8.8'"* ]]; then
      pass "import mnist_nb refuses fastai 2.8.7 with fastcore $fastcore_v: $line"
    else fail "import mnist_nb with fastai 2.8.7: the last stderr line does not name fastai 2.8.7, fastcore $fastcore_v and the fix:"
      tail_of "$tmp/logs/import.err"; fi
  fi
else fail "pip install --no-deps fastai==2.8.7:"; tail_of "$tmp/logs/broken.log"; fi

finish
