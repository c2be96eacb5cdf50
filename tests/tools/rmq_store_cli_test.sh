#!/usr/bin/env bash
# End-to-end tests of the rmq-store operator tool (servers/store_tool).
#
#   rmq_store_cli_test.sh RMQ_STORE SHARED_DIR [SCENARIO...]
#
# Runs the named scenarios (all of them when none is named). Each scenario
# works in its own mktemp -d directory, removed on exit. Only bash, coreutils,
# grep, sed and awk are used: no jq, no python.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 RMQ_STORE SHARED_DIR [SCENARIO...]" >&2
  exit 2
fi
RMQ_STORE=$1
SHARED_DIR=$2
shift 2
[[ -x $RMQ_STORE ]] || { echo "not executable: $RMQ_STORE" >&2; exit 2; }
FIXTURE=$SHARED_DIR/fixtures/rocketmq-4.9.8-store

WORK=""
BACKGROUND_PID=""
cleanup() {
  if [[ -n $BACKGROUND_PID ]] && kill -0 "$BACKGROUND_PID" 2>/dev/null; then
    kill "$BACKGROUND_PID" 2>/dev/null || true
    wait "$BACKGROUND_PID" 2>/dev/null || true
  fi
  if [[ -n $WORK ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL [$SCENARIO]: $*" >&2
  exit 1
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
  [[ $2 == "$3" ]] || fail "$1: expected '$2', got '$3'"
}

# expect_contains WHAT FILE TEXT (fixed string)
expect_contains() {
  grep -qF -- "$3" "$2" || fail "$1: '$3' not found in: $(head -c 2000 "$2")"
}

# Polls until COMMAND succeeds, for at most 10 s (200 x 0.05 s).
wait_until() {
  local i
  for ((i = 0; i < 200; i++)); do
    if "$@"; then return 0; fi
    sleep 0.05
  done
  "$@"
}

new_workdir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/rmq-cli-test.XXXXXX")
  STORE=$WORK/store
  # Small files: 1 MiB segments, a small index, so a store costs little disk.
  CONF=$WORK/store.properties
  cat >"$CONF" <<'EOF'
mappedFileSizeCommitLog=1048576
mappedFileSizeConsumeQueue=6000
maxHashSlotNum=5000
maxIndexNum=20000
EOF
}

# --- generated messages -----------------------------------------------------
# Message i: topic CliTopic(i%3), queue (i/3)%4, tags Tag(i%5), keys "k-i"
# plus "hundred" when i%100 == 0 (given as a JSON array then), a body of
# "body-i-" and lower-case letters, 20 + i%97 bytes long.
generate_messages() {  # COUNT
  awk -v n="$1" 'BEGIN {
    letters = "abcdefghijklmnopqrstuvwxyz"
    for (i = 0; i < n; i++) {
      body = "body-" i "-"
      len = 20 + i % 97
      for (c = 0; length(body) < len; c++) body = body substr(letters, c % 26 + 1, 1)
      if (i % 100 == 0) keys = "[\"k-" i "\",\"hundred\"]"; else keys = "\"k-" i "\""
      printf "{\"topic\":\"CliTopic%d\",\"queueId\":%d,\"tags\":\"Tag%d\",\"keys\":%s,\"body\":\"%s\"}\n",
             i % 3, int(i / 3) % 4, i % 5, keys, body
    }
  }'
}

# One canonical line per message of a dump or of the loaded JSON:
#   topic|queueId|tags|keys|body
# (dump prints keys as one space-separated string; the loaded JSON may give an
# array, which is turned into the same string).
canonical_from_input() {
  sed -e 's/"keys":\["\([^"]*\)","\([^"]*\)"\]/"keys":"\1 \2"/' \
      -e 's/^{"topic":"\([^"]*\)","queueId":\([0-9]*\),"tags":"\([^"]*\)","keys":"\([^"]*\)","body":"\([^"]*\)"}$/\1|\2|\3|\4|\5/'
}
canonical_from_dump() {
  sed -e 's/^{"topic":"\([^"]*\)","queueId":\([0-9]*\),.*,"tags":"\([^"]*\)","keys":"\([^"]*\)","body":"\([^"]*\)",.*$/\1|\2|\3|\4|\5/'
}
# The value of integer field NAME on each line.
int_field() {  # NAME
  sed -e "s/.*\"$1\":\(-\{0,1\}[0-9]*\).*/\1/"
}

load_generated() {  # COUNT -> loads into $STORE, leaves $WORK/input.jsonl
  generate_messages "$1" >"$WORK/input.jsonl"
  "$RMQ_STORE" load --store "$STORE" --config "$CONF" \
    <"$WORK/input.jsonl" >"$WORK/load.out" 2>"$WORK/load.err" ||
    fail "load exited $?: $(cat "$WORK/load.err")"
}

# --- scenarios ----------------------------------------------------------------

scenario_load_and_dump() {
  new_workdir
  load_generated 2000
  expect_contains "load summary" "$WORK/load.out" '"loaded":2000'
  expect_contains "load summary" "$WORK/load.out" '"ok":true'
  expect_eq "load summary lines" 1 "$(wc -l <"$WORK/load.out")"

  "$RMQ_STORE" dump --store "$STORE" --config "$CONF" >"$WORK/dump.jsonl" ||
    fail "dump exited $?"
  expect_eq "dumped messages" 2000 "$(wc -l <"$WORK/dump.jsonl")"
  # Commit-log order is load order: line i of the dump is message i.
  canonical_from_input <"$WORK/input.jsonl" >"$WORK/expected.txt"
  canonical_from_dump <"$WORK/dump.jsonl" >"$WORK/actual.txt"
  expect_eq "canonical lines" 2000 "$(grep -c '^CliTopic[0-2]|[0-3]|Tag[0-4]|' "$WORK/actual.txt")"
  diff -q "$WORK/expected.txt" "$WORK/actual.txt" >/dev/null ||
    fail "dump differs from what was loaded: $(diff "$WORK/expected.txt" "$WORK/actual.txt" | head -5)"
  # Every body length and stored CRC is reported consistently.
  paste -d' ' <(int_field bodyLength <"$WORK/dump.jsonl") \
              <(sed 's/.*"body":"\([^"]*\)".*/\1/' "$WORK/dump.jsonl" | awk '{ print length($0) }') |
    awk '$1 != $2 { bad++ } END { exit bad > 0 }' || fail "bodyLength differs from the body"
  # Commit-log offsets increase strictly.
  int_field commitLogOffset <"$WORK/dump.jsonl" |
    awk 'NR > 1 && $1 <= prev { bad++ } { prev = $1 } END { exit bad > 0 }' ||
    fail "commitLogOffset does not increase"
}

scenario_dump_one_queue() {
  new_workdir
  load_generated 2000
  "$RMQ_STORE" dump --store "$STORE" --config "$CONF" --topic CliTopic1 --queue 2 \
    >"$WORK/queue.jsonl" || fail "dump --topic --queue exited $?"
  # Expected: the loaded messages of CliTopic1 queue 2, in load order.
  canonical_from_input <"$WORK/input.jsonl" | grep '^CliTopic1|2|' >"$WORK/expected.txt"
  local n
  n=$(wc -l <"$WORK/expected.txt")
  [[ $n -gt 100 ]] || fail "too few messages in the queue: $n"
  canonical_from_dump <"$WORK/queue.jsonl" >"$WORK/actual.txt"
  diff -q "$WORK/expected.txt" "$WORK/actual.txt" >/dev/null ||
    fail "queue dump differs: $(diff "$WORK/expected.txt" "$WORK/actual.txt" | head -5)"
  # Queue offsets are 0, 1, 2, ... in order.
  int_field queueOffset <"$WORK/queue.jsonl" >"$WORK/offsets.txt"
  seq 0 $((n - 1)) | diff -q - "$WORK/offsets.txt" >/dev/null ||
    fail "queue offsets are not 0..$((n - 1)) in order"

  # --topic alone: every queue of that topic, nothing else.
  "$RMQ_STORE" dump --store "$STORE" --config "$CONF" --topic CliTopic0 \
    >"$WORK/topic.jsonl" || fail "dump --topic exited $?"
  expect_eq "CliTopic0 messages" 667 "$(wc -l <"$WORK/topic.jsonl")"
  expect_eq "other topics in a CliTopic0 dump" 0 \
    "$(grep -vc '^{"topic":"CliTopic0"' "$WORK/topic.jsonl" || true)"

  # An unknown topic prints nothing and succeeds.
  "$RMQ_STORE" dump --store "$STORE" --config "$CONF" --topic NoSuchTopic \
    >"$WORK/none.jsonl" || fail "dump of an unknown topic exited $?"
  expect_eq "unknown topic messages" 0 "$(wc -l <"$WORK/none.jsonl")"
}

scenario_query_by_key() {
  new_workdir
  load_generated 2000
  # A key of one message: k-100 is message 100 (CliTopic1).
  "$RMQ_STORE" query --store "$STORE" --config "$CONF" --topic CliTopic1 --key k-100 \
    >"$WORK/one.jsonl" || fail "query exited $?"
  expect_eq "k-100 hits" 1 "$(wc -l <"$WORK/one.jsonl")"
  expect_contains "k-100 hit" "$WORK/one.jsonl" '"keys":"k-100 hundred"'
  expect_contains "k-100 hit" "$WORK/one.jsonl" '"body":"body-100-'
  # A key shared by several messages: "hundred" in CliTopic1 is every i with
  # i%100 == 0 and i%3 == 1.
  "$RMQ_STORE" query --store "$STORE" --config "$CONF" --topic CliTopic1 --key hundred \
    >"$WORK/many.jsonl" || fail "query exited $?"
  sed 's/.*"body":"body-\([0-9]*\)-.*/\1/' "$WORK/many.jsonl" | sort -n >"$WORK/actual.txt"
  awk 'BEGIN { for (i = 0; i < 2000; i++) if (i % 100 == 0 && i % 3 == 1) print i }' \
    >"$WORK/expected.txt"
  diff -q "$WORK/expected.txt" "$WORK/actual.txt" >/dev/null ||
    fail "query 'hundred' returned $(tr '\n' ' ' <"$WORK/actual.txt"), expected $(tr '\n' ' ' <"$WORK/expected.txt")"
  # --max limits the answer.
  "$RMQ_STORE" query --store "$STORE" --config "$CONF" --topic CliTopic1 --key hundred --max 2 \
    >"$WORK/max.jsonl" || fail "query --max exited $?"
  expect_eq "hits with --max 2" 2 "$(wc -l <"$WORK/max.jsonl")"
  # A missing key, and a key of another topic, find nothing.
  "$RMQ_STORE" query --store "$STORE" --config "$CONF" --topic CliTopic1 --key k-99999 \
    >"$WORK/missing.jsonl" || fail "query of a missing key exited $?"
  expect_eq "missing key hits" 0 "$(wc -l <"$WORK/missing.jsonl")"
  "$RMQ_STORE" query --store "$STORE" --config "$CONF" --topic CliTopic0 --key k-100 \
    >"$WORK/other.jsonl" || fail "query exited $?"
  expect_eq "k-100 hits in CliTopic0" 0 "$(wc -l <"$WORK/other.jsonl")"
  # The unique key the loader generated finds its message too.
  local uniq
  uniq=$(sed 's/.*"uniqKey":"\([^"]*\)".*/\1/' "$WORK/one.jsonl")
  [[ ${#uniq} -eq 32 ]] || fail "unexpected uniqKey '$uniq'"
  "$RMQ_STORE" query --store "$STORE" --config "$CONF" --topic CliTopic1 --key "$uniq" \
    >"$WORK/uniq.jsonl" || fail "query by uniqKey exited $?"
  expect_eq "uniqKey hits" 1 "$(wc -l <"$WORK/uniq.jsonl")"
  expect_contains "uniqKey hit" "$WORK/uniq.jsonl" '"keys":"k-100 hundred"'
}

scenario_verify_and_stat() {
  new_workdir
  load_generated 2000
  "$RMQ_STORE" verify --store "$STORE" --config "$CONF" >"$WORK/verify.out" 2>"$WORK/verify.err" ||
    fail "verify exited $?: $(cat "$WORK/verify.out" "$WORK/verify.err")"
  expect_contains "verify summary" "$WORK/verify.out" '"clean":true'
  expect_contains "verify summary" "$WORK/verify.out" '"records":2000'
  expect_contains "verify summary" "$WORK/verify.out" '"units":2000'
  expect_eq "problem lines" 0 "$(grep -c '^problem:' "$WORK/verify.out" || true)"

  "$RMQ_STORE" stat --store "$STORE" --config "$CONF" >"$WORK/stat.out" || fail "stat exited $?"
  expect_eq "stat lines" 1 "$(wc -l <"$WORK/stat.out")"
  expect_contains "stat" "$WORK/stat.out" '"messages":2000'
  expect_contains "stat" "$WORK/stat.out" '"consumeQueues":12'
  # CliTopic2 queue 3: messages i with i%3 == 2 and (i/3)%4 == 3.
  local q
  q=$(awk 'BEGIN { for (i = 0; i < 2000; i++) if (i % 3 == 2 && int(i / 3) % 4 == 3) n++; print n }')
  local queues
  queues=$(sed -e 's/.*"CliTopic2":{//' -e 's/}}.*//' "$WORK/stat.out")
  [[ ,$queues, == *',"3":{"min":0,"max":'$q','* ]] ||
    fail "stat does not give CliTopic2/3 as 0..$q: $(cat "$WORK/stat.out")"
}

scenario_malformed_line() {
  new_workdir
  generate_messages 10 >"$WORK/input.jsonl"
  # Line 7 is cut short.
  awk 'NR == 7 { print "{\"topic\":\"CliTopic0\",\"body\":"; next } { print }' \
    "$WORK/input.jsonl" >"$WORK/bad.jsonl"
  local rc=0
  "$RMQ_STORE" load --store "$STORE" --config "$CONF" <"$WORK/bad.jsonl" \
    >"$WORK/load.out" 2>"$WORK/load.err" || rc=$?
  [[ $rc -ne 0 ]] || fail "load of a malformed line exited 0"
  expect_contains "load error" "$WORK/load.err" "line 7"
  "$RMQ_STORE" dump --store "$STORE" --config "$CONF" >"$WORK/dump.jsonl" || fail "dump exited $?"
  expect_eq "messages after a malformed line 7" 6 "$(wc -l <"$WORK/dump.jsonl")"
  head -n 6 "$WORK/input.jsonl" | canonical_from_input >"$WORK/expected.txt"
  canonical_from_dump <"$WORK/dump.jsonl" >"$WORK/actual.txt"
  diff -q "$WORK/expected.txt" "$WORK/actual.txt" >/dev/null ||
    fail "the 6 messages before the bad line differ: $(diff "$WORK/expected.txt" "$WORK/actual.txt" | head -5)"
}

scenario_missing_body() {
  new_workdir
  printf '%s\n' '{"topic":"CliTopic0","body":"first"}' '{"topic":"CliTopic0","tags":"T"}' \
    '{"topic":"CliTopic0","body":"third"}' >"$WORK/input.jsonl"
  local rc=0
  "$RMQ_STORE" load --store "$STORE" --config "$CONF" <"$WORK/input.jsonl" \
    >"$WORK/load.out" 2>"$WORK/load.err" || rc=$?
  [[ $rc -ne 0 ]] || fail "load of a line without a body exited 0"
  expect_contains "load error" "$WORK/load.err" "line 2"
  expect_contains "load error" "$WORK/load.err" "body"
  "$RMQ_STORE" dump --store "$STORE" --config "$CONF" >"$WORK/dump.jsonl" || fail "dump exited $?"
  expect_eq "messages after a bad line 2" 1 "$(wc -l <"$WORK/dump.jsonl")"
  expect_contains "first message" "$WORK/dump.jsonl" '"body":"first"'
}

scenario_missing_store() {
  new_workdir
  local missing=$WORK/does-not-exist command rc
  for command in dump verify stat; do
    rc=0
    "$RMQ_STORE" "$command" --store "$missing" >"$WORK/out" 2>"$WORK/err" || rc=$?
    [[ $rc -ne 0 ]] || fail "$command of a missing store exited 0"
    [[ -s $WORK/err ]] || fail "$command of a missing store printed no error"
    expect_contains "$command error" "$WORK/err" "does-not-exist"
    [[ ! -e $missing ]] || fail "$command created the missing store directory"
  done
  rc=0
  "$RMQ_STORE" query --store "$missing" --topic T --key k >"$WORK/out" 2>"$WORK/err" || rc=$?
  [[ $rc -ne 0 ]] || fail "query of a missing store exited 0"
  [[ ! -e $missing ]] || fail "query created the missing store directory"
}

store_is_open() { [[ -e $STORE/lock && -e $STORE/abort ]]; }
first_load_finished() { ! kill -0 "$BACKGROUND_PID" 2>/dev/null; }

scenario_store_locked() {
  new_workdir
  mkfifo "$WORK/feed"
  # Keep the FIFO open read-write on fd 3 so neither side blocks on open and
  # the first loader only sees EOF when fd 3 is closed.
  exec 3<>"$WORK/feed"
  # (The loader itself must not inherit fd 3, or it never sees EOF.)
  "$RMQ_STORE" load --store "$STORE" --config "$CONF" <"$WORK/feed" \
    >"$WORK/first.out" 2>"$WORK/first.err" 3>&- &
  BACKGROUND_PID=$!
  printf '%s\n' '{"topic":"CliTopic0","body":"from-first-1"}' >&3
  # The abort file is written once the store is locked and recovered.
  wait_until store_is_open || fail "the first load never opened the store"

  local rc=0
  printf '%s\n' '{"topic":"CliTopic0","body":"from-second"}' |
    "$RMQ_STORE" load --store "$STORE" --config "$CONF" >"$WORK/second.out" 2>"$WORK/second.err" ||
    rc=$?
  [[ $rc -ne 0 ]] || fail "a second load of a locked store exited 0"
  grep -qiE 'lock|another process' "$WORK/second.err" ||
    fail "the second load's error does not mention the lock: $(cat "$WORK/second.err")"

  printf '%s\n' '{"topic":"CliTopic0","body":"from-first-2"}' >&3
  exec 3>&-  # EOF for the first loader
  wait_until first_load_finished || fail "the first load did not finish after EOF"
  rc=0
  wait "$BACKGROUND_PID" || rc=$?
  BACKGROUND_PID=""
  [[ $rc -eq 0 ]] || fail "the first load exited $rc: $(cat "$WORK/first.err")"
  expect_contains "first load summary" "$WORK/first.out" '"loaded":2,'
  [[ ! -e $STORE/abort ]] || fail "the first load left the abort file behind"

  "$RMQ_STORE" dump --store "$STORE" --config "$CONF" >"$WORK/dump.jsonl" || fail "dump exited $?"
  expect_eq "messages" 2 "$(wc -l <"$WORK/dump.jsonl")"
  expect_contains "dump" "$WORK/dump.jsonl" '"body":"from-first-1"'
  expect_contains "dump" "$WORK/dump.jsonl" '"body":"from-first-2"'
  if grep -qF from-second "$WORK/dump.jsonl"; then fail "the second load wrote a message"; fi
}

scenario_verify_rocketmq_fixture() {
  new_workdir
  [[ -d $FIXTURE ]] || fail "no fixture at $FIXTURE"
  cp -r "$FIXTURE" "$STORE"
  chmod -R u+w "$STORE"
  printf 'maxHashSlotNum=1000\nmaxIndexNum=4000\n' >"$WORK/fixture.properties"
  "$RMQ_STORE" verify --store "$STORE" --config "$WORK/fixture.properties" \
    >"$WORK/verify.out" 2>"$WORK/verify.err" ||
    fail "verify of the RocketMQ fixture exited $?: $(cat "$WORK/verify.out" "$WORK/verify.err")"
  expect_contains "verify summary" "$WORK/verify.out" '"clean":true'
  expect_contains "verify summary" "$WORK/verify.out" '"records":1200'
  expect_contains "verify summary" "$WORK/verify.out" '"logEnd":775958'
  "$RMQ_STORE" dump --store "$STORE" --config "$WORK/fixture.properties" >"$WORK/dump.jsonl" || fail "dump exited $?"
  expect_eq "fixture messages" 1200 "$(wc -l <"$WORK/dump.jsonl")"
  "$RMQ_STORE" query --store "$STORE" --config "$WORK/fixture.properties" \
    --topic FixTopicA --key dup-3 >"$WORK/query.jsonl" || fail "query exited $?"
  expect_eq "dup-3 hits" 17 "$(wc -l <"$WORK/query.jsonl")"
  # The read-only commands changed nothing.
  diff -r "$FIXTURE" "$STORE" >/dev/null || fail "read-only commands modified the store"
}

scenario_verify_corrupt_segment() {
  new_workdir
  printf 'mappedFileSizeCommitLog=65536\nmaxHashSlotNum=1000\nmaxIndexNum=4000\n' >"$CONF"
  # ~240 KB of messages: four 64 KiB segments.
  awk 'BEGIN {
    for (i = 0; i < 400; i++) {
      body = "corrupt-me-" i "-"
      while (length(body) < 500) body = body "x"
      printf "{\"topic\":\"CliTopic0\",\"queueId\":%d,\"keys\":\"c-%d\",\"body\":\"%s\"}\n", i % 2, i, body
    }
  }' | "$RMQ_STORE" load --store "$STORE" --config "$CONF" >"$WORK/load.out" 2>"$WORK/load.err" ||
    fail "load exited $?: $(cat "$WORK/load.err")"
  local segments
  segments=$(find "$STORE/commitlog" -type f | wc -l)
  [[ $segments -ge 3 ]] || fail "expected at least 3 segments, got $segments"
  "$RMQ_STORE" verify --store "$STORE" --config "$CONF" >"$WORK/before.out" ||
    fail "verify before corruption exited $?: $(cat "$WORK/before.out")"

  # The first record starting past the middle of the first segment.
  "$RMQ_STORE" dump --store "$STORE" --config "$CONF" >"$WORK/dump.jsonl" || fail "dump exited $?"
  local record offset length
  record=$(awk -F'"commitLogOffset":' '{ split($2, a, ","); if (a[1] + 0 >= 32768) { print; exit } }' \
    "$WORK/dump.jsonl")
  [[ -n $record ]] || fail "no record in the middle of the first segment"
  offset=$(int_field commitLogOffset <<<"$record")
  length=$(int_field bodyLength <<<"$record")
  [[ $offset -lt 65536 ]] || fail "record at $offset is not in the first segment"
  # The body starts 88 bytes into a record with IPv4 hosts; flip a byte in
  # the middle of it.
  local at=$((offset + 88 + length / 2))
  local segment=$STORE/commitlog/00000000000000000000
  printf '\xff' | dd of="$segment" bs=1 seek="$at" conv=notrunc status=none

  local rc=0
  "$RMQ_STORE" verify --store "$STORE" --config "$CONF" >"$WORK/after.out" 2>"$WORK/after.err" || rc=$?
  expect_eq "verify exit status after corruption" 1 "$rc"
  expect_contains "verify summary" "$WORK/after.out" '"clean":false'
  grep '^problem:' "$WORK/after.out" | grep -qF "00000000000000000000 @ $offset" ||
    fail "no problem line names the corrupted segment and record at $offset: $(head -5 "$WORK/after.out")"
  # One flipped byte is one problem, not a cascade.
  expect_eq "problem lines" 1 "$(grep -c '^problem:' "$WORK/after.out")"
  expect_contains "verify summary" "$WORK/after.out" '"records":400'
}

# The issue's acceptance check: 1,000,000 messages over 16 topics x 8 queues
# with tiny (1 MiB) segments load and verify clean.
scenario_million_messages_verify_clean() {
  new_workdir
  printf 'mappedFileSizeCommitLog=1048576\nmappedFileSizeConsumeQueue=60000\nmaxHashSlotNum=100000\nmaxIndexNum=400000\n' >"$CONF"
  awk 'BEGIN {
    for (i = 0; i < 1000000; i++)
      printf "{\"topic\":\"Topic%d\",\"queueId\":%d,\"tags\":\"Tag%d\",\"keys\":\"k%d\",\"body\":\"message body %d\"}\n",
             i % 16, int(i / 16) % 8, i % 5, i, i
  }' | "$RMQ_STORE" load --store "$STORE" --config "$CONF" >"$WORK/load.out" 2>"$WORK/load.err" ||
    fail "load exited $?: $(cat "$WORK/load.err")"
  expect_contains "load summary" "$WORK/load.out" '"loaded":1000000'
  "$RMQ_STORE" verify --store "$STORE" --config "$CONF" >"$WORK/verify.out" ||
    fail "verify exited $?: $(head -5 "$WORK/verify.out")"
  expect_contains "verify summary" "$WORK/verify.out" '"clean":true'
  expect_contains "verify summary" "$WORK/verify.out" '"records":1000000'
  expect_contains "verify summary" "$WORK/verify.out" '"consumeQueues":128'
  expect_contains "verify summary" "$WORK/verify.out" '"units":1000000'
  local segments
  segments=$(find "$STORE/commitlog" -type f | wc -l)
  [[ $segments -ge 50 ]] || fail "expected many segments, got $segments"
}

# 100,000 queues (100 topics x 1,000 queues) under the default limits of the
# machine (vm.max_map_count 65530, 20,000 open files) with the default
# mapping cap: every queue is created, written, and verified.
scenario_hundred_thousand_queues() {
  new_workdir
  awk 'BEGIN {
    for (i = 0; i < 100000; i++)
      printf "{\"topic\":\"T%d\",\"queueId\":%d,\"body\":\"m%d\"}\n", i % 100, int(i / 100), i
  }' | "$RMQ_STORE" load --store "$STORE" --config "$CONF" >"$WORK/load.out" 2>"$WORK/load.err" ||
    fail "load exited $?: $(cat "$WORK/load.err")"
  expect_contains "load summary" "$WORK/load.out" '"loaded":100000'
  "$RMQ_STORE" verify --store "$STORE" --config "$CONF" >"$WORK/verify.out" ||
    fail "verify exited $?: $(head -5 "$WORK/verify.out")"
  expect_contains "verify summary" "$WORK/verify.out" '"consumeQueues":100000'
  expect_contains "verify summary" "$WORK/verify.out" '"units":100000'
  "$RMQ_STORE" dump --store "$STORE" --topic T42 --queue 999 >"$WORK/dump.jsonl" || fail "dump exited $?"
  expect_eq "messages in T42/999" 1 "$(wc -l <"$WORK/dump.jsonl")"
  expect_contains "T42/999" "$WORK/dump.jsonl" '"body":"m99942"'
}

ALL_SCENARIOS=(load_and_dump dump_one_queue query_by_key verify_and_stat malformed_line
               missing_body missing_store store_locked verify_rocketmq_fixture
               verify_corrupt_segment)

if [[ $# -eq 0 ]]; then set -- "${ALL_SCENARIOS[@]}"; fi
for SCENARIO in "$@"; do
  declare -F "scenario_$SCENARIO" >/dev/null || { echo "unknown scenario: $SCENARIO" >&2; exit 2; }
  "scenario_$SCENARIO"
  cleanup
  WORK=""
  echo "ok - $SCENARIO"
done
