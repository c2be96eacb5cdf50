#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, then starts a
# nameserver (127.0.0.1:9876) and a broker (127.0.0.1:10911) with the
# single-node configuration in conf/, the store under ./store and the logs on
# the console and in ./logs/rocketmqlogs/. Ctrl-C (or bin/mqshutdown broker)
# stops them cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release
export ROCKETMQ_HOME=$PWD
mkdir -p store logs

bin/mqnamesrv -c conf/namesrv.properties &
namesrv=$!
trap 'kill -TERM $namesrv 2>/dev/null; wait $namesrv 2>/dev/null' EXIT
# Wait (at most 10 s) until the nameserver listens.
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/9876) 2>/dev/null && break
  kill -0 $namesrv 2>/dev/null || { echo "rmq-namesrv did not start" >&2; exit 1; }
  sleep 0.1
done

cat <<'MSG'
----------------------------------------------------------------------------
Starting the broker. To send a message from another terminal (RocketMQ's npm
client, installed by scripts/install-deps.sh):
  node tests/e2e/examples/send.js 127.0.0.1:9876 TopicTest "hello rmq"
To look at what is stored:
  build/bin/rmq-store dump --store store --topic TopicTest
Stop with Ctrl-C, or from another terminal: bin/mqshutdown broker
----------------------------------------------------------------------------
MSG
bin/mqbroker -c conf/rmq-single.properties
