#!/usr/bin/env bash
# The main job (`make run`): re-execute every notebook in place, slow cells included, in reading
# order, on the best data mnist_path() can reach; then clean, export, and regenerate README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
for nb in nbs/[0-9][0-9]_*.ipynb nbs/index.ipynb; do
  echo "running $nb"
  start=$(date +%s)
  (cd nbs && "../$bin/jupyter" nbconvert --to notebook --execute --inplace \
      --ExecutePreprocessor.timeout=-1 --ExecutePreprocessor.kernel_name=python3 "$(basename "$nb")" 2>&1 \
      | grep -v '^\[NbConvertApp\] Writing' || true)
  echo "  done in $(( $(date +%s) - start ))s"
done
"$bin/nbdev_clean"
"$bin/nbdev_export"
"$bin/python" tools/docs_check.py
"$bin/python" tools/make_readme.py
