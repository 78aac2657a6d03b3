#!/usr/bin/env bash
# The project's test command (`make test`): sync checks, nbdev_test on every notebook (fast path: cells flagged `slow`
# are skipped), pyflakes, the docs sources, the GitHub workflows against their schema, and the README.
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

# 2. The rest as four jobs on two cores, longest first, each taken by the first core free: nbdev_test of 92_train (the
# longest fast path); nbdev_test of every other notebook in one process, which pays fastai's import once; the docs
# sources and the README made from them; pyflakes and the GitHub workflows.
nb92() { "$bin/nbdev_test" --timing --path nbs/92_train.ipynb; }
nbs() { "$bin/nbdev_test" --timing --n_workers 0 --skip_file_re '^92_train|^[_.]'; }
docs() { "$bin/python" tools/docs_check.py && "$bin/python" tools/make_readme.py --check; }
lint() {  # pyflakes, less its notices about fastai's star imports; the workflows against GitHub's schema
  "$bin/pyflakes" mnist_nb tools benchmarks 2>&1 | grep -v "import \*' used\|may be undefined, or defined from star imports"
  local found=${PIPESTATUS[1]}  # grep's: 1 when pyflakes said nothing else
  "$bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.y*ml && [ "$found" = 1 ]
}
job() { local start=$SECONDS; "$1" >"$tmp/$1.log" 2>&1; echo "$? $((SECONDS - start))" >"$tmp/$1.status"; }
export -f nb92 nbs docs lint job; export bin tmp
printf '%s\n' nb92 nbs docs lint | xargs -P 2 -I{} bash -c 'job {}'
status() { read -r rc took <"$tmp/$1.status" 2>/dev/null || { rc=1; took=?; }; }

# One line per notebook: nbdev_test times each notebook when all pass, and lists those that failed otherwise.
passed=0; failed=0
for nb in nbs/*.ipynb; do
  name=$(basename "$nb"); [ "$name" = 92_train.ipynb ] && lane=nb92 || lane=nbs
  status "$lane"; log=$tmp/$lane.log
  if [ "$rc" = 0 ] || { grep -q '^nbdev Tests Failed' "$log" && ! grep -qx "	$name" "$log"; }; then
    echo "PASS $nb$(sed -n "s/^$name: \([0-9]*\) secs$/ (\1s)/p" "$log")"; passed=$((passed + 1))
  else echo "FAIL $nb$(grep -q '^nbdev Tests Failed' "$log" || echo ' (nbdev_test did not finish)')"; failed=$((failed + 1)); fi
done
for lane in nb92 nbs; do status "$lane"; [ "$rc" = 0 ] || grep -v '^Warning\|warn(' "$tmp/$lane.log" | tail -40 | sed 's/^/     /'; done

status docs
if [ "$rc" = 0 ]; then echo "PASS docs sources (${took}s): $(grep '^docs:' "$tmp/docs.log" | head -1); $(tail -1 "$tmp/docs.log")"
else echo "FAIL docs sources or README:"; grep -v Warning "$tmp/docs.log" | tail -20 | sed 's/^/     /'; checks_failed=1; fi

status lint
if [ "$rc" = 0 ]; then echo "PASS pyflakes finds nothing in mnist_nb/, tools/, benchmarks/; workflows: $(tail -1 "$tmp/lint.log")"
else echo "FAIL pyflakes (mnist_nb/, tools/, benchmarks/) or the workflows' schema:"; tail -30 "$tmp/lint.log" | sed 's/^/     /'; checks_failed=1; fi

[ "$checks_failed" = 0 ] || echo "checks failed: see FAIL lines above"
echo "make test took $((SECONDS / 60))m$(printf %02d $((SECONDS % 60)))s"
echo "notebooks: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$checks_failed" = 0 ]
