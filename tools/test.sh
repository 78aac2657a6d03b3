#!/usr/bin/env bash
# The project's test command (`make test`): sync checks, nbdev_test on every notebook (fast path:
# cells flagged `slow` are skipped), then the docs sources, the GitHub workflows and the README.
# Ends with the time it took, then `notebooks: N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
checks_failed=0

snapshot() { rm -rf "$2"; mkdir -p "$2"; cp -a "$1/." "$2/"; }  # cp -a keeps symlinks as links
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. The exported module and the cleaned notebooks are what is committed.
snapshot mnist_nb "$tmp/lib"
"$bin/nbdev_export"
if ! diff -r -x __pycache__ "$tmp/lib" mnist_nb >"$tmp/lib.diff"; then
  echo "FAIL nbdev_export changed mnist_nb/: the module is out of sync with the notebooks."
  echo "     The regenerated files are left in place: review them (git diff mnist_nb) and commit."
  head -40 "$tmp/lib.diff"; checks_failed=1
else echo "PASS nbdev_export leaves mnist_nb/ unchanged"; fi

snapshot nbs "$tmp/nbs"
"$bin/nbdev_clean"
if ! diff -r --no-dereference "$tmp/nbs" nbs >"$tmp/nbs.diff"; then
  echo "FAIL nbdev_clean changed nbs/: a notebook was saved without being cleaned."
  echo "     The cleaned notebooks are left in place: review them (git diff nbs) and commit."
  grep '^diff\|^Only' "$tmp/nbs.diff" | head -20; checks_failed=1
else echo "PASS nbdev_clean leaves nbs/ unchanged"; fi

# 2. Every notebook under nbdev_test, two at a time, each in its own process.
run_one() {
  local nb="$1" log="$tmp/logs/$(basename "$1").log" start status
  start=$(date +%s)
  if "$bin/nbdev_test" --path "$nb" >"$log" 2>&1; then status=PASS; else status=FAIL; fi
  echo "$status $nb ($(( $(date +%s) - start ))s)" >"$log.status"
}
export -f run_one; export bin tmp
mkdir -p "$tmp/logs"
# The notebooks with the longest fast path start first, so that the two workers finish together (a fresh clone's
# `make test` measured 92_train 95 s, 00_data 35 s, 05_resnet18 29 s; every other notebook under 26 s).
longest_first=(nbs/92_train.ipynb nbs/00_data.ipynb nbs/05_resnet18.ipynb)
{ printf '%s\n' "${longest_first[@]}"; printf '%s\n' nbs/*.ipynb | grep -vxF -f <(printf '%s\n' "${longest_first[@]}"); } |
  xargs -P 2 -I{} bash -c 'run_one "$1"' _ {}
passed=0; failed=0
for nb in nbs/*.ipynb; do
  log="$tmp/logs/$(basename "$nb").log"
  status=$(cat "$log.status" 2>/dev/null || echo "FAIL $nb (did not run)")
  echo "$status"
  case "$status" in
    PASS*) passed=$((passed + 1)) ;;
    *) failed=$((failed + 1)); [ -f "$log" ] && tail -30 "$log" | sed 's/^/     /' ;;
  esac
done

# 3. The docs sources: everything nbdev_proc_nbs does before Quarto, and checks of its pages.
if "$bin/python" tools/docs_check.py >"$tmp/docs.log" 2>&1; then
  echo "PASS docs sources: $(grep '^docs:' "$tmp/docs.log" | head -1)"
else
  echo "FAIL docs sources:"; grep -v Warning "$tmp/docs.log" | tail -20 | sed 's/^/     /'; checks_failed=1
fi

if "$bin/python" tools/ci_steps.py --validate >"$tmp/workflows.log" 2>&1; then echo "PASS $(cat "$tmp/workflows.log")"
else echo "FAIL $(tail -1 "$tmp/workflows.log")"; checks_failed=1; fi

if "$bin/python" tools/make_readme.py --check >"$tmp/readme.log" 2>&1; then echo "PASS $(cat "$tmp/readme.log")"
else echo "FAIL $(tail -1 "$tmp/readme.log")"; checks_failed=1; fi

[ "$checks_failed" = 0 ] || echo "checks failed: see FAIL lines above"
echo "make test took $((SECONDS / 60))m$(printf %02d $((SECONDS % 60)))s"
echo "notebooks: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$checks_failed" = 0 ]
