#!/usr/bin/env bash
# The resnet18 seed runs of tools/resnet18_seed_runs.txt on this machine's CPU, in the background:
#   nohup tools/resnet18_seeds.sh >/dev/null 2>&1 &
# Two lanes run side by side, one torch thread each: on 2 cores that trains more images per second in all than one
# run on two threads (`benchmarks/resnet18_lanes.py` measures both ways side by side; `make benchmarks` prints it).
# Each run is `mnist_nb_train` into its own folder under runs/, so a lane that is stopped resumes each run from its
# last epoch when started again; a complete run is skipped.
# Logs: runs/.logs/<run>.log (not in git). When a run completes, rerun 05 (`NB=05_resnet18 make run`) and commit.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -n "${MNIST_NB_DATA:-}" ] || { [ -d ../shared/data/mnist ] && export MNIST_NB_DATA="$(cd ../shared/data/mnist && pwd)"; }
mkdir -p runs/.logs
lane() {  # lane 1: the runs of tools/resnet18_seed_runs.txt named resnet18-post-flips-*; lane 2: the others, in order
  local name flags flipped
  grep -v '^#' tools/resnet18_seed_runs.txt | while read -r name flags; do
    [[ "$name" == resnet18-post-flips-* ]] && flipped=1 || flipped=2
    [ "$flipped" = "$1" ] || continue
    # shellcheck disable=SC2086
    OMP_NUM_THREADS=1 nice -n 5 .venv/bin/mnist_nb_train --out "runs/$name" $flags >>"runs/.logs/$name.log" 2>&1 </dev/null
    echo "$(date -u +%FT%TZ) exit $? $name" >>runs/.logs/lanes.log
  done
}
lane 1 &
lane 2 &
wait
