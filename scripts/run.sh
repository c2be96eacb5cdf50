#!/usr/bin/env bash
# The README's run command. Until the broker exists (issue 4) it installs what
# is missing, builds, and runs a short rmq-store demo on a store under the
# repository: load 10,000 messages, query one by key, dump a queue, verify the
# files. Output goes to the console and to logs/demo.log.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release

store=store/demo
mkdir -p logs
rm -rf "$store"
bin=${RMQ_BIN:-build/bin}/rmq-store
{
  echo "== loading 10000 messages into $store (4 queues, tags TagA/TagB, keys order-N)"
  awk 'BEGIN { for (i = 0; i < 10000; i++)
    printf "{\"topic\":\"DemoTopic\",\"queueId\":%d,\"tags\":\"Tag%s\",\"keys\":\"order-%d\",\"body\":\"hello rmq %d\"}\n",
           i % 4, (i % 2 == 0 ? "A" : "B"), i, i }' | "$bin" load --store "$store"
  echo "== query by key order-42"
  "$bin" query --store "$store" --topic DemoTopic --key order-42
  echo "== first 3 messages of DemoTopic queue 1"
  "$bin" dump --store "$store" --topic DemoTopic --queue 1 > "$store.queue1.jsonl"
  head -n 3 "$store.queue1.jsonl"
  echo "== verify"
  "$bin" verify --store "$store"
  echo "== stat"
  "$bin" stat --store "$store"
} 2>&1 | tee logs/demo.log
