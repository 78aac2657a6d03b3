#!/usr/bin/env bash
# The full-data resnet18 runs of 05_resnet18, as run once on a CUDA machine to make the committed runs/ folders.
# Every run is `mnist_nb_train` (here `python -m mnist_nb.train`), so the same lines work on a CPU, only slower;
# a run cut off by the time budget resumes from its last epoch when started again.
# Usage: MNIST_NB_DATA=<folder of MNIST IDX files> tools/gpu_runs.sh <log folder> [seconds of budget]
set -u
logs=$1; budget=${2:-500}; start=$(date +%s)
mkdir -p "$logs" runs
train() {
  local name=$1; shift
  local left=$(( budget - ($(date +%s) - start) ))
  if [ "$left" -lt 30 ]; then echo "$name: not started, budget spent" >>"$logs/summary.txt"; return; fi
  timeout "$left" python -m mnist_nb.train --out "runs/$name" "$@" >"$logs/$name.log" 2>&1
  echo "$name: exit $? at $(( $(date +%s) - start ))s: $(tail -1 "$logs/$name.log")" >>"$logs/summary.txt"
}
python -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))" >>"$logs/summary.txt" 2>&1
python -c "from mnist_nb.data import mnist_path; mnist_path()"   # materialise the PNG folders once, before the parallel runs
# The post's schedule with its flips, and without them; then the cheapest from-scratch recipe, and seed proxies.
train resnet18-post-flips --schedule post --flips --workers 3 &
train resnet18-post-noflips --schedule post --workers 3 &
(train resnet18-one-cycle-5 --schedule one_cycle --epochs 5 --lr 1e-2 --workers 3
 train resnet18-fine-tune-flips-seed1 --flips --seed 1 --workers 3
 train resnet18-fine-tune-seed1 --seed 1 --workers 3) &
(train resnet18-one-cycle-10 --schedule one_cycle --epochs 10 --lr 1e-2 --workers 3
 train resnet18-fine-tune-flips-seed2 --flips --seed 2 --workers 3
 train resnet18-fine-tune-seed2 --seed 2 --workers 3) &
wait
echo "all done at $(( $(date +%s) - start ))s" >>"$logs/summary.txt"
