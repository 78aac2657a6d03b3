#!/usr/bin/env bash
# The resnet18 seed runs listed in runs/seed_runs.txt, each `mnist_nb_train` into its own folder under runs/: a stopped
# run resumes from its last epoch when started again, and a complete one is never retrained (`92_train` says how).
#   nohup tools/seed_runs.sh >/dev/null 2>&1 &   this CPU: two lanes side by side, one torch thread each, which on 2 cores
#       trains more images per second in all than one run on two threads (benchmarks/resnet18_lanes.py measures it)
#   tools/seed_runs.sh --gpu [SECONDS]           a lent CUDA machine: every run at once on presized tensors, cut off after
#       SECONDS (500); a run cut off resumes when started again, here or on a CPU
# Logs in runs/.logs/ (not in git). Then commit the run.json files and rerun 05 (`NB=05_resnet18 make run`).
set -uo pipefail
cd "$(dirname "$0")/.."
[ -n "${MNIST_NB_DATA:-}" ] || { [ -d ../shared/data/mnist ] && export MNIST_NB_DATA="$(cd ../shared/data/mnist && pwd)"; }
mkdir -p runs/.logs
listed() { grep -v '^#' runs/seed_runs.txt; }
train() {  # train CMD...: CMD --out runs/$name $flags, logged; $name and $flags are the caller's
  # shellcheck disable=SC2086
  "$@" --out "runs/$name" $flags >>"runs/.logs/$name.log" 2>&1 </dev/null; local rc=$?
  echo "$(date -u +%FT%TZ) exit $rc $name: $(tail -1 "runs/.logs/$name.log")" >>runs/.logs/summary.log
}
if [ "${1:-}" = --gpu ]; then
  python -c "import torch; print(torch.__version__, torch.cuda.get_device_name(0))" >>runs/.logs/summary.log 2>&1
  python -c "from mnist_nb.data import mnist_path; from mnist_nb.loaders import presized_files; presized_files(mnist_path())"
  left=$((${2:-500} - SECONDS)); [ "$left" -gt 0 ] || { echo "no time left after the presized tensors" >&2; exit 1; }
  while read -r name flags; do train timeout "$left" python -m mnist_nb.train & done < <(listed)
else  # lane 1: the post's schedule with flips; lane 2: the others, in order
  lane() { while read -r name flags; do OMP_NUM_THREADS=1 train nice -n 5 .venv/bin/mnist_nb_train; done; }
  listed | grep '^resnet18-post-flips-' | lane &
  listed | grep -v '^resnet18-post-flips-' | lane &
fi
wait
