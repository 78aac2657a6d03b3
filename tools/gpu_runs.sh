#!/usr/bin/env bash
# The resnet18 seed runs of tools/resnet18_seed_runs.txt on a lent CUDA machine, all at once, within a time budget.
# Every run is `mnist_nb_train` (here `python -m mnist_nb.train`) reading presized tensors, so the loaders are not the
# limit; a run cut off by the budget resumes from its last epoch when started again (here or on the CPU), and a run
# already complete is skipped. The run.json files it writes are the records to commit.
# Usage: MNIST_NB_DATA=<folder of MNIST IDX files> tools/gpu_runs.sh <log folder> [seconds of budget]
set -u
cd "$(dirname "$0")/.."
logs=$1; budget=${2:-500}; start=$(date +%s)
mkdir -p "$logs" runs
python -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))" >>"$logs/summary.txt" 2>&1
# materialise the PNG folders and the presized tensors once, before the parallel runs
python -c "from mnist_nb.data import mnist_path; from mnist_nb.loaders import presized_files; presized_files(mnist_path())"
while read -r name flags; do
  left=$(( budget - ($(date +%s) - start) ))
  # shellcheck disable=SC2086
  (timeout "$left" python -m mnist_nb.train --out "runs/$name" $flags >"$logs/$name.log" 2>&1
   echo "$name: exit $? at $(( $(date +%s) - start ))s: $(tail -1 "$logs/$name.log")" >>"$logs/summary.txt") &
done < <(grep -v '^#' tools/resnet18_seed_runs.txt)
wait
echo "all done at $(( $(date +%s) - start ))s" >>"$logs/summary.txt"
