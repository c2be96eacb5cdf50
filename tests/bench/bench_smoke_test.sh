#!/usr/bin/env bash
# Keeps rmq-bench compiling and running: each workload with a tiny N, checking
# the shape of its JSON (never its timings).
#   bench_smoke_test.sh RMQ_BENCH WORKLOAD [ARGS...]
set -euo pipefail
bench=$1
workload=$2
shift 2
work=$(mktemp -d "${TMPDIR:-/tmp}/rmq-bench-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$bench" "$workload" --store "$work/store" --json "$work/out.json" "$@" >"$work/stdout"
for key in '"workload":"'"$workload"'"' '"messages":' '"size":' '"baseline":' \
           '"seq_write_mb_per_sec":' '"fdatasync_per_sec":' '"io_backend":' \
           '"flush":' '"queues":' '"p99":' '"p999":'; do
  grep -qF -- "$key" "$work/out.json" || {
    echo "FAIL: $key missing from: $(cat "$work/out.json")" >&2
    exit 1
  }
done
case $workload in
  append) grep -qF '"ratio_to_baseline":' "$work/out.json" ;;
  sync) grep -qF '"by_producers":[{"producers":1,' "$work/out.json" ;;
esac || { echo "FAIL: workload fields missing: $(cat "$work/out.json")" >&2; exit 1; }
echo "ok - $workload"
