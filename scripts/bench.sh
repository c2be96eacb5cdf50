#!/usr/bin/env bash
# Runs every rmq-bench workload RUNS times (default 3) on this machine and
# appends one JSON line per run to OUT/<workload>.json; docs/benchmarks.md is
# written from those files. The store lives under STORE_ROOT (default
# /tmp/rmq-bench): it needs ~30 GB free for the 100M-message backlog.
# Each run first touches WARM_GIB (default 4) GiB of memory: see
# rmq-bench --warm-memory.
#   bash scripts/bench.sh [OUT] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-results}
runs=${2:-3}
root=${STORE_ROOT:-/tmp/rmq-bench}
bench=build/bin/rmq-bench
mkdir -p "$out" "$root"
run() {  # NAME WORKLOAD ARGS...
  local name=$1 workload=$2
  shift 2
  for ((i = 1; i <= runs; i++)); do
    echo "== $name run $i/$runs: rmq-bench $workload $*" >&2
    "$bench" "$workload" --store "$root/store" --json "$out/$name.json" \
      --warm-memory "${WARM_GIB:-4}" "$@"
  done
}
run append-1k append --messages 1000000 --size 1024
run append-100 append --messages 2000000 --size 100
run queues queues --messages 300000 --size 1024 --plot "$out/queues.svg"
run sync-mmap sync --messages 8000 --flush sync --plot "$out/sync.svg"
run sync-buffer sync --messages 8000 --flush buffer-sync
run sync-uring sync --messages 8000 --flush uring-sync
run consume consume --messages 1000000 --size 1024 --rate 20000
run lookup lookup --messages 1000000 --lookups 20000
runs=1 run recover recover --messages 2000000 --size 1024 --plot "$out/recover.svg"
runs=1 run backlog backlog --messages 100000000 --size 128 --plot "$out/backlog.svg"
rm -rf "$root"
