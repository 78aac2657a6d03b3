#!/usr/bin/env bash
# The main job (`make run`): re-execute the notebooks in place, slow cells included, in reading order,
# on the best data mnist_path() can reach (each notebook records its results and saves its figures);
# then the benchmarks (their figure), the home page, and clean, export, docs sources and README.md.
#
# Incremental: a notebook whose cell sources, package code, data and the records it reads are unchanged since its
# last complete execution here is skipped (stamps in .make_run/, kept out of git). An interrupted `make run` therefore
# starts again at the notebook it was in; inside 05, its training runs resume from their last checkpoint.
#   FORCE=1 make run            rerun every notebook
#   NB=05_resnet18 make run     rerun one notebook (and refresh what depends on it: 06, the README)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
stamps=.make_run
mkdir -p "$stamps"

execute() {
  local nb="$1" name start log stamp
  name=$(basename "$nb" .ipynb)
  stamp=$("$bin/python" tools/nb_stamp.py "$nb")
  if [ -z "${FORCE:-}" ] && [ "$(cut -d' ' -f1 "$stamps/$name" 2>/dev/null)" = "$stamp" ]; then
    echo "up to date: $nb (unchanged since its last complete run; FORCE=1 to rerun)"; return
  fi
  log=$(mktemp)
  if [ -f "$stamps/$name" ]; then echo "running $nb (last complete run here took $(cut -d' ' -f2 "$stamps/$name")s)"
  else echo "running $nb"; fi
  start=$(date +%s)
  if ! (cd nbs && "../$bin/jupyter" nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=-1 \
        --ExecutePreprocessor.kernel_name=python3 "$(basename "$nb")") >"$log" 2>&1; then
    echo "FAILED: $nb (its saved outputs are unchanged):"; grep -v 'Kernel is running over TCP' "$log" | tail -30
    exit 1
  fi
  echo "  done in $(( $(date +%s) - start ))s"
  "$bin/nbdev_clean" --fname "$nb" >/dev/null 2>&1 || true
  echo "$("$bin/python" tools/nb_stamp.py "$nb") $(( $(date +%s) - start ))" >"$stamps/$name.tmp" && mv "$stamps/$name.tmp" "$stamps/$name"
}

if [ -n "${NB:-}" ]; then
  [ -f "nbs/$NB.ipynb" ] || { echo "NB=$NB: there is no nbs/$NB.ipynb"; exit 2; }
  FORCE=1 execute "nbs/$NB.ipynb"
  [ "$NB" = 06_results ] || FORCE=1 execute nbs/06_results.ipynb
else
  for nb in nbs/[0-9][0-9]_*.ipynb; do execute "$nb"; done
fi
# Speed is measured again on FORCE=1, or when this machine has no measurement yet (`make benchmarks` any time).
if [ -n "${FORCE:-}" ] || [ ! -f "$stamps/benchmarks" ]; then "$bin/python" benchmarks/run_all.py && date >"$stamps/benchmarks"; fi
FORCE=1 execute nbs/index.ipynb
"$bin/nbdev_clean"
"$bin/nbdev_export"
"$bin/python" tools/docs_check.py
"$bin/python" tools/make_readme.py
