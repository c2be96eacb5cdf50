#!/usr/bin/env bash
# Keeps rmq-bench's broker workloads compiling and running: starts
# rmq-namesrv and rmq-broker on free loopback ports with temporary stores,
# runs one workload with a tiny N and checks the shape of its JSON (never its
# timings). The servers are always killed, whatever happens.
#   broker_smoke_test.sh RMQ_BENCH RMQ_NAMESRV RMQ_BROKER WORKLOAD [ARGS...]
set -euo pipefail
# Absolute: the servers run from their own directories.
bench=$(realpath "$1")
namesrv_bin=$(realpath "$2")
broker_bin=$(realpath "$3")
workload=$4
shift 4
boot_timeout=30  # seconds, per server

work=$(mktemp -d "${TMPDIR:-/tmp}/rmq-bench-broker-smoke.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Prints the last lines of every server's output, for failure reports.
tails() {
  local f
  for f in "$work"/*/stdout.log "$work"/*/stderr.log "$work"/*/logs/rocketmqlogs/*.log; do
    [[ -f $f ]] && { echo "==== $f"; tail -n 30 "$f"; }
  done
}

# A port p on 127.0.0.1 such that p + each offset is free right now.
free_port() {
  python3 - "$@" <<'EOF'
import socket, sys
offsets = [int(a) for a in sys.argv[1:]] or [0]
def can_bind(port):
    if not 1024 <= port <= 65535:
        return False
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()
for _ in range(200):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    base = s.getsockname()[1]
    s.close()
    if all(can_bind(base + o) for o in offsets):
        print(base)
        sys.exit(0)
sys.exit("no free ports")
EOF
}

# start NAME BINARY BOOT_REGEX: runs BINARY -c NAME.properties in $work/NAME
# and waits for its boot line.
start() {
  local name=$1 binary=$2 boot=$3 dir=$work/$1
  (cd "$dir" && HOME=$dir ROCKETMQ_HOME=$dir exec "$binary" -c "$dir/$name.properties" \
     >"$dir/stdout.log" 2>"$dir/stderr.log") &
  pids+=($!)
  local pid=$! deadline=$((SECONDS + boot_timeout))
  until grep -qE "$boot" "$dir/stdout.log" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "FAIL: $name exited before booting" >&2; tails >&2; exit 1
    fi
    if ((SECONDS >= deadline)); then
      echo "FAIL: $name: no boot line within ${boot_timeout} s" >&2; tails >&2; exit 1
    fi
    sleep 0.1
  done
}

mkdir -p "$work/namesrv" "$work/broker"
namesrv_port=$(free_port 0)
cat >"$work/namesrv/namesrv.properties" <<EOF
listenPort=$namesrv_port
rmqListenHost=127.0.0.1
rocketmqHome=$work/namesrv
kvConfigPath=$work/namesrv/kv.json
EOF
start namesrv "$namesrv_bin" 'The Name Server boot success'

# The broker also binds listenPort-2 (fast port) and listenPort+1 (HA).
broker_port=$(free_port 0 -2 1)
cat >"$work/broker/broker.properties" <<EOF
brokerClusterName=DefaultCluster
brokerName=bench-smoke
brokerId=0
brokerRole=ASYNC_MASTER
namesrvAddr=127.0.0.1:$namesrv_port
brokerIP1=127.0.0.1
rmqListenHost=127.0.0.1
listenPort=$broker_port
rocketmqHome=$work/broker
storePathRootDir=$work/broker/store
flushDiskType=ASYNC_FLUSH
mappedFileSizeCommitLog=67108864
maxHashSlotNum=100000
maxIndexNum=400000
EOF
start broker "$broker_bin" 'The broker\[.*\] boot success'

if ! timeout 120 "$bench" "$workload" --namesrv "127.0.0.1:$namesrv_port" \
     --json "$work/out.json" "$@" >"$work/stdout" 2>"$work/stderr"; then
  echo "FAIL: rmq-bench $workload failed:" >&2
  cat "$work/stdout" "$work/stderr" >&2
  tails >&2
  exit 1
fi
case $workload in
  e2e) keys=('"rate":' '"send_latency_us":') ;;
  consume-e2e) keys=('"mb_per_sec":' '"produce_msgs_per_sec":' '"produce_latency_us":' '"queues":') ;;
  *) echo "FAIL: $workload is not a broker workload" >&2; exit 1 ;;
esac
for key in '"workload":"'"$workload"'"' '"messages":' '"size":' '"msgs_per_sec":' \
           '"latency_us":{"p50":' '"p99":' '"p999":' '"max":' "${keys[@]}"; do
  grep -qF -- "$key" "$work/out.json" || {
    echo "FAIL: $key missing from: $(cat "$work/out.json")" >&2
    exit 1
  }
done
# Every message sent was received.
messages=$(sed -E 's/.*"messages":([0-9]+).*/\1/' "$work/out.json")
grep -qF "\"received\":$messages," "$work/out.json" || {
  echo "FAIL: received != messages ($messages): $(cat "$work/out.json")" >&2
  exit 1
}
echo "ok - $workload"
