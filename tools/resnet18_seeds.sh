#!/usr/bin/env bash
# The resnet18 seed runs of 05_resnet18 that the committed records lack, on this machine's CPU, in the background:
#   nohup tools/resnet18_seeds.sh >/dev/null 2>&1 &
# Two lanes run side by side, one torch thread each (on 2 cores that trains more images per second in all than one
# run on two threads: see 05's "Speed"). Each run is `mnist_nb_train` into its own folder under runs/, so a lane
# that is stopped resumes each run from its last epoch when started again; a complete run is skipped.
# Logs: runs/.logs/<run>.log (not in git). When a run completes, commit its runs/<run>/run.json.
set -uo pipefail
cd "$(dirname "$0")/.."
[ -n "${MNIST_NB_DATA:-}" ] || { [ -d ../shared/data/mnist ] && export MNIST_NB_DATA="$(cd ../shared/data/mnist && pwd)"; }
mkdir -p runs/.logs
lane() {
  local name
  for spec in "$@"; do
    name=${spec%%:*}
    # shellcheck disable=SC2086
    OMP_NUM_THREADS=1 nice -n 5 .venv/bin/mnist_nb_train --out "runs/$name" ${spec#*:} >>"runs/.logs/$name.log" 2>&1
    echo "$(date -u +%FT%TZ) exit $? $name" >>runs/.logs/lanes.log
  done
}
post_flips() { echo "resnet18-post-flips-seed$1:--schedule post --flips --seed $1"; }
post_noflips() { echo "resnet18-post-noflips-seed$1:--schedule post --seed $1"; }
one_cycle_10() { echo "resnet18-one-cycle-10-seed$1:--schedule one_cycle --epochs 10 --lr 1e-2 --seed $1"; }
lane "$(post_flips 1)" "$(post_flips 2)" "$(post_flips 3)" "$(post_flips 4)" &
lane "$(one_cycle_10 1)" "$(one_cycle_10 2)" "$(post_noflips 1)" "$(post_noflips 2)" &
wait
