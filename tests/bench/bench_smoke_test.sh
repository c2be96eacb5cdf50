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
args=()
for a in "$@"; do args+=("${a//@WORK@/$work}"); done
"$bench" "$workload" --store "$work/store" --json "$work/out.json" "${args[@]}" >"$work/stdout"
for key in '"workload":"'"$workload"'"' '"messages":' '"size":' '"baseline":' \
           '"seq_write_mb_per_sec":' '"fdatasync_per_sec":' '"io_backend":' \
           '"flush":' '"queues":' '"p99":' '"p999":'; do
  grep -qF -- "$key" "$work/out.json" || {
    echo "FAIL: $key missing from: $(cat "$work/out.json")" >&2
    exit 1
  }
done
case $workload in
  append) want='"ratio_to_baseline":' ;;
  sync) want='"by_producers":[{"producers":1,' ;;
  backlog) want='"curve":[{"backlog":' ;;
  queues) want='"by_queues":[{"queues":1,' ;;
  consume) want='"cold_msgs_per_sec":' ;;
  lookup) want='"misses":0' ;;
  recover) want='"by_backlog":[{"backlog":' ;;
  *) want='"workload"' ;;
esac
grep -qF -- "$want" "$work/out.json" ||
  { echo "FAIL: $want missing from: $(cat "$work/out.json")" >&2; exit 1; }
if [[ " $* " =~ " --runs "([0-9]+)" " ]]; then
  want='"runs":'"${BASH_REMATCH[1]}"',"msgs_per_sec_min":'
  grep -qF -- "$want" "$work/out.json" ||
    { echo "FAIL: $want missing from: $(cat "$work/out.json")" >&2; exit 1; }
fi
# The queues workload keeps each phase's store aside until it ends.
if [[ -e "$work/store.phases" ]]; then
  echo "FAIL: $work/store.phases left behind: $(ls "$work/store.phases")" >&2
  exit 1
fi
if [[ $* == *--plot* ]]; then
  grep -q '<svg' "$work/chart.svg" || { echo "FAIL: no SVG written" >&2; exit 1; }
  if grep -q '<script' "$work/chart.svg"; then echo "FAIL: SVG has a script" >&2; exit 1; fi
fi
echo "ok - $workload"
