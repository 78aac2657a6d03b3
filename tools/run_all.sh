#!/usr/bin/env bash
# The main job (`make run`): re-execute every notebook in place, slow cells included, in reading order,
# on the best data mnist_path() can reach (each notebook records its results and saves its figures);
# then the benchmarks (their figure), the home page, and clean, export, docs sources and README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin

execute() {
  local nb="$1" start log
  log=$(mktemp)
  echo "running $nb"
  start=$(date +%s)
  if ! (cd nbs && "../$bin/jupyter" nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=-1 \
        --ExecutePreprocessor.kernel_name=python3 "$(basename "$nb")") >"$log" 2>&1; then
    echo "FAILED: $nb (its saved outputs are unchanged):"; grep -v 'Kernel is running over TCP' "$log" | tail -30
    exit 1
  fi
  echo "  done in $(( $(date +%s) - start ))s"
}

for nb in nbs/[0-9][0-9]_*.ipynb; do execute "$nb"; done
"$bin/python" benchmarks/run_all.py
execute nbs/index.ipynb
"$bin/nbdev_clean"
"$bin/nbdev_export"
"$bin/python" tools/docs_check.py
"$bin/python" tools/make_readme.py
