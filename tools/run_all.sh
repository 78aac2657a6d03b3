#!/usr/bin/env bash
# The main job (`make run`): re-execute the notebooks in place, slow cells included, in reading order,
# on the best data mnist_path() can reach (each notebook records its results and saves its figures);
# then the benchmarks (their figure), the home page, and clean, export, docs sources and README.md.
#
# It says where it is: first the plan (each step up to date or to run) and an estimate of the total, from the times
# of each step's last complete run in tools/make_run_times.json (committed; updated as each step completes); then,
# while a notebook runs (tools/run_notebook.py), its section and how many of its cells are done: one status line
# updated in place on a terminal, one line per section in a log.
#
# A post notebook's summary table, at its top, is read from the records its appendix writes at its end: when a run
# changes what that table shows, the notebook runs once more, so that its committed summary matches its records.
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
times=tools/make_run_times.py
mkdir -p "$stamps"

# True when notebook $1 needs no run: not forced, and its stamp is the one of its last complete execution here.
up_to_date() {
  [ -z "${FORCE:-}" ] && [ "$(cut -d' ' -f1 "$stamps/$(basename "$1" .ipynb)" 2>/dev/null)" = "$("$bin/python" tools/nb_stamp.py "$1")" ]
}

# What a post notebook's summary table shows, from the records in results/<notebook>.json (which its appendix writes).
summary_of() { "$bin/python" -c "from mnist_nb.results import notebook_summary; print(notebook_summary('$1').to_csv())" 2>/dev/null || true; }

execute() {
  local nb="$1" name start log took summary
  name=$(basename "$nb" .ipynb)
  if up_to_date "$nb"; then
    echo "up to date: $nb (unchanged since its last complete run; FORCE=1 to rerun)"; return
  fi
  "$bin/python" "$times" begin "$name" "$nb"
  log=$(mktemp)
  start=$(date +%s)
  summary=$(summary_of "$name")
  run_once "$nb" "$log"
  # The summary was read before the appendix rewrote the records (see the top of this file): one more run reads them.
  if [ "$(summary_of "$name")" != "$summary" ]; then
    echo "  its records changed what its summary shows: running it again, so that the summary shows the new ones"
    run_once "$nb" "$log"
  fi
  rm -f "$log"
  "$bin/nbdev_clean" --fname "$nb" >/dev/null 2>&1 || true
  took=$(( $(date +%s) - start ))
  echo "$("$bin/python" tools/nb_stamp.py "$nb") $took" >"$stamps/$name.tmp" && mv "$stamps/$name.tmp" "$stamps/$name"
  "$bin/python" "$times" record "$name" "$took"
  echo "  done in ${took}s"
}

run_once() {  # execute notebook $1 in place, or stop `make run` with the end of its log (file $2)
  if ! "$bin/python" tools/run_notebook.py --expect "$("$bin/python" "$times" seconds "$(basename "$1" .ipynb)")" "$1" 2>"$2"; then
    if grep -qv 'Kernel is running over TCP' "$2"; then echo "its log:"; grep -v 'Kernel is running over TCP' "$2" | tail -30; fi
    rm -f "$2"; exit 1
  fi
}

# Speed is measured again on FORCE=1, or when this machine has no measurement yet (`make benchmarks` any time).
benchmarks_due() { [ -n "${FORCE:-}" ] || [ ! -f "$stamps/benchmarks" ]; }

# The plan: what will run, with the estimate. (Each step is checked again when its turn comes.)
plan=()
if [ -n "${NB:-}" ]; then
  [ -f "nbs/$NB.ipynb" ] || { echo "NB=$NB: there is no nbs/$NB.ipynb"; exit 2; }
  plan+=("$NB:run"); [ "$NB" = 06_results ] || plan+=("06_results:run")
else
  for nb in nbs/[0-9][0-9]_*.ipynb; do
    if up_to_date "$nb"; then plan+=("$(basename "$nb" .ipynb):fresh"); else plan+=("$(basename "$nb" .ipynb):run"); fi
  done
fi
if benchmarks_due; then plan+=(benchmarks:run); else plan+=(benchmarks:fresh); fi
plan+=(index:run)
"$bin/python" "$times" plan "${plan[@]}"

if [ -n "${NB:-}" ]; then
  FORCE=1 execute "nbs/$NB.ipynb"
  [ "$NB" = 06_results ] || FORCE=1 execute nbs/06_results.ipynb
else
  for nb in nbs/[0-9][0-9]_*.ipynb; do execute "$nb"; done
fi
if benchmarks_due; then
  "$bin/python" "$times" begin benchmarks benchmarks/run_all.py
  start=$(date +%s)
  if "$bin/python" benchmarks/run_all.py; then
    date >"$stamps/benchmarks"; "$bin/python" "$times" record benchmarks $(( $(date +%s) - start ))
  fi
fi
FORCE=1 execute nbs/index.ipynb
"$bin/python" "$times" begin finish
start=$(date +%s)
"$bin/nbdev_clean"
"$bin/nbdev_export"
"$bin/python" tools/docs_check.py
"$bin/python" tools/make_readme.py
"$bin/python" "$times" record finish $(( $(date +%s) - start ))
