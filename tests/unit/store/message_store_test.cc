// MessageStore: the put and read paths (tests/unit/store/store_recovery_test.cc
// covers reopening, crashes and faults).

#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "rmq/store.h"
#include "rmq/verify.h"
#include "support/fake_clock.h"
#include "support/status_matchers.h"
#include "support/store_fixture.h"

namespace rmq {
namespace {

using testing::Decode;
using testing::Message;
using testing::MustOpen;
using testing::SmallStoreConfig;

GetResult MustGet(const MessageStore& store, std::string_view topic,
                  int32_t queue, int64_t offset, int32_t max = 32,
                  const TagFilter* filter = nullptr) {
  auto result = store.Get(GetRequest{.topic = topic,
                                     .queue_id = QueueId(queue),
                                     .offset = QueueOffset(offset),
                                     .max_messages = max,
                                     .filter = filter});
  REQUIRE_OK(result);
  return *std::move(result);
}

TEST_CASE("a message is readable through its queue as soon as Put returns",
          "[store]") {
  auto fs = NewMemFileSystem();
  auto store = MustOpen(SmallStoreConfig(fs));
  auto put = store->Put(Message("TopicTest", 1, "Hello", "TagA", "k1"));
  REQUIRE_OK(put);
  CHECK(put->physical_offset.value() == 0);
  CHECK(put->queue_offset.value() == 0);
  CHECK(put->msg_id() == "7F00000100002A9F0000000000000000");

  GetResult got = MustGet(*store, "TopicTest", 1, 0);
  REQUIRE(got.status == GetStatus::kFound);
  REQUIRE(got.records.size() == 1);
  RecordView r = Decode(got.records[0].bytes);
  CHECK(r.topic == "TopicTest");
  CHECK(r.queue_id == 1);
  CHECK(r.body == "Hello");
  CHECK(r.total_size == put->bytes);
  CHECK(r.store_timestamp == put->store_timestamp_ms);
  CHECK(got.next_begin_offset.value() == 1);
  CHECK(store->MaxOffsetInQueue("TopicTest", QueueId(1)).value() == 1);
}

TEST_CASE("on_message_arrived reports each readable message", "[store]") {
  struct Arrival {
    std::string topic;
    int32_t queue = 0;
    int64_t next = 0;
    int64_t tags_code = 0;
    bool readable = false;
  };
  std::vector<Arrival> arrivals;
  StoreConfig config = SmallStoreConfig(NewMemFileSystem());
  MessageStore* opened = nullptr;
  config.on_message_arrived = [&](std::string_view topic, int32_t queue,
                                  int64_t next, int64_t tags_code) {
    // Readable by then: a woken long-polling pull must find it.
    const bool readable =
        opened->MaxOffsetInQueue(topic, QueueId(queue)).value() == next;
    arrivals.push_back({std::string(topic), queue, next, tags_code, readable});
  };
  auto store = MustOpen(config);
  opened = store.get();
  REQUIRE_OK(store->Put(Message("Arr", 1, "a", "TagA")));
  REQUIRE_OK(store->Put(Message("Arr", 1, "b")));
  REQUIRE(arrivals.size() == 2);
  CHECK(arrivals[0].topic == "Arr");
  CHECK(arrivals[0].queue == 1);
  CHECK(arrivals[0].next == 1);
  CHECK(arrivals[0].tags_code == 2598919);  // "TagA".hashCode()
  CHECK(arrivals[1].next == 2);
  CHECK(arrivals[1].tags_code == 0);
  CHECK(arrivals[0].readable);
  CHECK(arrivals[1].readable);
}

TEST_CASE("queue offsets are dense per queue and physical offsets grow",
          "[store]") {
  auto fs = NewMemFileSystem();
  auto store = MustOpen(SmallStoreConfig(fs));
  std::vector<int64_t> next(3, 0);
  int64_t last_phys = -1;
  for (int i = 0; i < 300; ++i) {
    auto put = store->Put(Message("T", i % 3, absl::StrCat("body-", i)));
    REQUIRE_OK(put);
    CHECK(put->queue_offset.value() == next[i % 3]++);
    CHECK(put->physical_offset.value() > last_phys);
    last_phys = put->physical_offset.value();
  }
  for (int q = 0; q < 3; ++q) {
    CHECK(store->MaxOffsetInQueue("T", QueueId(q)).value() == 100);
  }
}

TEST_CASE("invalid messages are refused and nothing is appended", "[store]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  config.max_message_size = 1000;
  auto store = MustOpen(config);
  REQUIRE_OK(store->Put(Message("T", 0, "ok")));
  const int64_t end = store->MaxPhysicalOffset().value();
  CHECK_THAT(store->Put(Message("", 0, "x")).status(),
             testing::StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK_THAT(store->Put(Message(std::string(128, 't'), 0, "x")).status(),
             testing::StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK_THAT(store->Put(Message("T", 0, std::string(1001, 'b'))).status(),
             testing::StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK_THAT(store->Put(Message("T", -1, "x")).status(),
             testing::StatusIs(absl::StatusCode::kInvalidArgument));
  MessageToStore huge_props = Message("T", 0, "x");
  huge_props.properties.Set("big", std::string(40000, 'p'));
  CHECK_THAT(store->Put(huge_props).status(),
             testing::StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK(store->MaxPhysicalOffset().value() == end);
  CHECK(store->MaxOffsetInQueue("T", QueueId(0)).value() == 1);
}

TEST_CASE("tiny segments roll with BLANK markers and reads cross files",
          "[store][rollover]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  config.mapped_file_size_commit_log = 4096;
  auto store = MustOpen(config);
  std::vector<PutResult> puts;
  for (int i = 0; i < 400; ++i) {
    auto put = store->Put(
        Message("Roll", i % 2, std::string(50 + (i * 37) % 400, 'a' + i % 26)));
    REQUIRE_OK(put);
    // A record never straddles a segment.
    const int64_t start = put->physical_offset.value();
    CHECK(start / 4096 == (start + put->bytes - 1) / 4096);
    puts.push_back(*put);
  }
  CHECK(store->Stats().commit_log_files > 20);
  for (int q = 0; q < 2; ++q) {
    int64_t offset = 0;
    while (offset < 200) {
      GetResult got = MustGet(*store, "Roll", q, offset);
      REQUIRE(got.status == GetStatus::kFound);
      for (const StoredRecord& r : got.records) {
        const PutResult& expected = puts[offset * 2 + q];
        CHECK(r.physical_offset == expected.physical_offset);
        CHECK(Decode(r.bytes).queue_offset == offset);
        ++offset;
      }
    }
  }
  int records = 0;
  REQUIRE_OK(store->ScanCommitLog(PhysicalOffset(0), [&](PhysicalOffset, auto) {
    ++records;
    return true;
  }));
  CHECK(records == 400);
  REQUIRE_OK(store->Shutdown());
  auto report = VerifyStore(config);
  REQUIRE_OK(report);
  CHECK(report->problems.empty());
  CHECK(report->blanks > 20);
}

TEST_CASE("a reader on another thread finds every message it saw acked",
          "[store][concurrency]") {
  // Units are written by the dispatcher after Put returns; a read must
  // catch it up first. Producers publish their last acked (queue, offset);
  // a reader reads exactly that message at once.
  auto store = MustOpen(SmallStoreConfig(NewMemFileSystem()));
  constexpr int kProducers = 2, kPuts = 3000, kQueues = 40;
  std::atomic<int64_t> acked[kProducers];
  for (auto& a : acked) a = -1;
  std::atomic<int> running{kProducers};
  std::atomic<bool> reading{false};
  std::vector<std::thread> producers;
  for (int t = 0; t < kProducers; ++t) {
    producers.emplace_back([&, t] {
      while (!reading.load()) std::this_thread::yield();  // overlap the reader
      for (int i = 0; i < kPuts; ++i) {
        const int32_t queue = t * kQueues / 2 + i % (kQueues / 2);
        auto put = store->Put(Message("RYW", queue, absl::StrCat(t, "-", i)));
        if (!put.ok()) break;
        acked[t].store(int64_t{queue} << 40 | put->queue_offset.value(),
                       std::memory_order_release);
      }
      running.fetch_sub(1);
    });
  }
  // Catch2 is not thread-safe: the reader counts, the test checks after.
  int64_t reads = 0, missing = 0;
  std::thread reader([&] {
    reading.store(true);
    // Once more after the producers are done: their last acks are read even
    // when they finished before this thread got a CPU.
    bool more = true;
    while (more) {
      more = running.load() > 0;
      for (auto& a : acked) {
        const int64_t last = a.load(std::memory_order_acquire);
        if (last < 0) continue;
        const int32_t queue = static_cast<int32_t>(last >> 40);
        const int64_t offset = last & ((int64_t{1} << 40) - 1);
        auto got = store->Get(GetRequest{.topic = "RYW",
                                         .queue_id = QueueId(queue),
                                         .offset = QueueOffset(offset),
                                         .max_messages = 1});
        ++reads;
        if (!got.ok() || got->status != GetStatus::kFound ||
            got->records.empty() || !DecodeRecord(got->records[0].bytes).ok() ||
            DecodeRecord(got->records[0].bytes)->queue_offset != offset ||
            store->MaxOffsetInQueue("RYW", QueueId(queue)).value() <= offset) {
          ++missing;
        }
      }
    }
  });
  for (auto& p : producers) p.join();
  reader.join();
  CHECK(reads > 0);
  CHECK(missing == 0);
  for (int q = 0; q < kQueues; ++q) {
    CHECK(store->MaxOffsetInQueue("RYW", QueueId(q)).value() ==
          kPuts / (kQueues / 2));
  }
}

TEST_CASE("concurrent producers get unique offsets and a clean store",
          "[store][concurrency]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  auto store = MustOpen(config);
  constexpr int kThreads = 4, kPuts = 1600;
  std::vector<std::vector<PutResult>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPuts; ++i) {
        auto put =
            store->Put(Message("C", (t + i) % 8, absl::StrCat("t", t, "-", i)));
        if (put.ok()) results[t].push_back(*put);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<int64_t> phys;
  std::vector<std::set<int64_t>> queue_offsets(8);
  for (const auto& per_thread : results) {
    REQUIRE(per_thread.size() == kPuts);
    for (const PutResult& r : per_thread) {
      CHECK(phys.insert(r.physical_offset.value()).second);
    }
  }
  for (int q = 0; q < 8; ++q) {
    const int64_t max = store->MaxOffsetInQueue("C", QueueId(q)).value();
    for (int64_t off = 0; off < max;) {
      GetResult got = MustGet(*store, "C", q, off);
      for (const StoredRecord& r : got.records) {
        CHECK(Decode(r.bytes).queue_offset == off++);
      }
    }
    CHECK(max == kThreads * kPuts / 8);
  }
  REQUIRE_OK(store->Shutdown());
  auto report = VerifyStore(config);
  REQUIRE_OK(report);
  for (const auto& p : report->problems) UNSCOPED_INFO(p);
  CHECK(report->problems.empty());
  CHECK(report->records == kThreads * kPuts);
}

TEST_CASE("Get answers RocketMQ's statuses at the queue's edges", "[store]") {
  auto fs = NewMemFileSystem();
  auto store = MustOpen(SmallStoreConfig(fs));
  CHECK(MustGet(*store, "G", 0, 0).status == GetStatus::kNoMessageInQueue);
  for (int i = 0; i < 5; ++i) REQUIRE_OK(store->Put(Message("G", 0, "m")));
  GetResult one = MustGet(*store, "G", 0, 5);
  CHECK(one.status == GetStatus::kOffsetOverflowOne);
  CHECK(one.next_begin_offset.value() == 5);
  GetResult badly = MustGet(*store, "G", 0, 9);
  CHECK(badly.status == GetStatus::kOffsetOverflowBadly);
  CHECK(badly.next_begin_offset.value() == 5);
  GetResult some = MustGet(*store, "G", 0, 1, 2);
  CHECK(some.status == GetStatus::kFound);
  CHECK(some.records.size() == 2);
  CHECK(some.next_begin_offset.value() == 3);
  CHECK(some.min_offset.value() == 0);
  CHECK(some.max_offset.value() == 5);
}

TEST_CASE("the tag filter skips other tags by hash code", "[store]") {
  auto fs = NewMemFileSystem();
  auto store = MustOpen(SmallStoreConfig(fs));
  for (int i = 0; i < 9; ++i) {
    REQUIRE_OK(store->Put(
        Message("F", 0, std::to_string(i), i % 3 == 0 ? "TagA" : "TagB")));
  }
  auto filter = TagFilter::FromExpression("TagA || TagC");
  REQUIRE_OK(filter);
  GetResult got = MustGet(*store, "F", 0, 0, 32, &*filter);
  REQUIRE(got.records.size() == 3);
  for (const StoredRecord& r : got.records) {
    CHECK(std::stoi(std::string(Decode(r.bytes).body)) % 3 == 0);
  }
  CHECK(got.next_begin_offset.value() == 9);
  auto none = TagFilter::FromExpression("TagZ");
  REQUIRE_OK(none);
  CHECK(MustGet(*store, "F", 0, 0, 32, &*none).status ==
        GetStatus::kNoMatchedMessage);
  CHECK_FALSE(TagFilter::FromExpression("TagA || ").ok());
}

TEST_CASE("QueryByKey returns only records that really carry the key",
          "[store][index]") {
  auto fs = NewMemFileSystem();
  auto store = MustOpen(SmallStoreConfig(fs));
  // "Aa" and "BB" have the same Java hash code: the index cannot tell them
  // apart, the store must.
  REQUIRE_OK(store->Put(Message("Q", 0, "first", "", "Aa")));
  REQUIRE_OK(store->Put(Message("Q", 0, "second", "", "BB other")));
  REQUIRE_OK(store->Put(Message("Q", 1, "third", "", "Aa")));
  REQUIRE_OK(store->Put(Message("OtherTopic", 0, "x", "", "Aa")));
  auto found = store->QueryByKey("Q", "Aa", 32, 0, INT64_MAX);
  REQUIRE_OK(found);
  REQUIRE(found->records.size() == 2);
  CHECK(Decode(found->records[0].bytes).body == "first");
  CHECK(Decode(found->records[1].bytes).body == "third");
  auto other = store->QueryByKey("Q", "other", 32, 0, INT64_MAX);
  REQUIRE_OK(other);
  REQUIRE(other->records.size() == 1);
  CHECK(Decode(other->records[0].bytes).body == "second");
  auto limited = store->QueryByKey("Q", "Aa", 1, 0, INT64_MAX);
  REQUIRE_OK(limited);
  CHECK(limited->records.size() == 1);
  auto missing = store->QueryByKey("Q", "nope", 32, 0, INT64_MAX);
  REQUIRE_OK(missing);
  CHECK(missing->records.empty());
}

TEST_CASE("a message is found by its UNIQ_KEY", "[store][index]") {
  auto fs = NewMemFileSystem();
  auto store = MustOpen(SmallStoreConfig(fs));
  MessageToStore m = Message("U", 0, "unique");
  m.properties.Set(kPropertyUniqKey, "C0A8000A30391B6D358647B75FFF0000");
  REQUIRE_OK(store->Put(m));
  auto found = store->QueryByKey("U", "C0A8000A30391B6D358647B75FFF0000", 32, 0,
                                 INT64_MAX);
  REQUIRE_OK(found);
  REQUIRE(found->records.size() == 1);
}

TEST_CASE("the index builder skips records without keys, not keyed ones",
          "[store][index]") {
  auto fs = NewMemFileSystem();
  auto store = MustOpen(SmallStoreConfig(fs));
  for (int i = 0; i < 100; ++i) {
    REQUIRE_OK(store->Put(Message("S", i % 4, absl::StrCat("plain ", i))));
  }
  auto none = store->QueryByKey("S", "k", 32, 0, INT64_MAX);  // catches up
  REQUIRE_OK(none);
  CHECK(none->records.empty());
  StoreStats stats = store->Stats();
  CHECK(stats.indexed_offset == stats.committed_offset);
  CHECK(stats.index_records_read == 0);
  REQUIRE_OK(store->Put(Message("S", 1, "keyed", "", "k")));
  MessageToStore uniq = Message("S", 2, "unique");
  uniq.properties.Set(kPropertyUniqKey, "C0A8000A30391B6D358647B75FFF0001");
  REQUIRE_OK(store->Put(uniq));
  REQUIRE_OK(store->Put(Message("S", 3, "plain again")));
  auto found = store->QueryByKey("S", "k", 32, 0, INT64_MAX);
  REQUIRE_OK(found);
  REQUIRE(found->records.size() == 1);
  CHECK(Decode(found->records[0].bytes).body == "keyed");
  auto by_uniq = store->QueryByKey("S", "C0A8000A30391B6D358647B75FFF0001", 32,
                                   0, INT64_MAX);
  REQUIRE_OK(by_uniq);
  CHECK(by_uniq->records.size() == 1);
  stats = store->Stats();
  CHECK(stats.indexed_offset == stats.committed_offset);
  // The two keyed records, and at most the key-less one after them (read
  // when it was committed in the same pass).
  CHECK(stats.index_records_read >= 2);
  CHECK(stats.index_records_read <= 3);
}

TEST_CASE("OffsetByTime finds the queue offset stored at a time", "[store]") {
  auto fs = NewMemFileSystem();
  auto clock = std::make_shared<testing::FakeClock>(1700000000000);
  StoreConfig config = SmallStoreConfig(fs);
  config.clock = clock;
  auto store = MustOpen(config);
  for (int i = 0; i < 10; ++i) {
    REQUIRE_OK(store->Put(Message("Time", 0, "m")));
    clock->Advance(1000);
  }
  auto at = [&](int64_t ts) {
    return store->OffsetByTime("Time", QueueId(0), ts).value();
  };
  CHECK(at(1700000000000) == 0);
  CHECK(at(1700000003000) == 3);
  CHECK(at(1700000003400) == 3);  // closer to 3 than to 4
  CHECK(at(1700000003600) == 4);
  CHECK(at(1699999999000) == 0);
  CHECK(at(1800000000000) == 9);
  auto t = store->MessageStoreTime("Time", QueueId(0), QueueOffset(5));
  REQUIRE_OK(t);
  CHECK(*t == 1700000005000);
  auto earliest = store->EarliestMessageTime();
  REQUIRE_OK(earliest);
  CHECK(*earliest == 1700000000000);
}

TEST_CASE("a DELAY message goes to SCHEDULE_TOPIC_XXXX with its deliver time",
          "[store][delay]") {
  auto fs = NewMemFileSystem();
  auto clock = std::make_shared<testing::FakeClock>(1700000000123);
  StoreConfig config = SmallStoreConfig(fs);
  config.clock = clock;
  auto store = MustOpen(config);
  MessageToStore m = Message("TopicTest", 1, "Hello", "TagA", "k1");
  m.properties.Set(kPropertyDelayLevel, "3");
  auto put = store->Put(m);
  REQUIRE_OK(put);
  CHECK(store->MaxOffsetInQueue("TopicTest", QueueId(1)).value() == 0);
  GetResult got = MustGet(*store, std::string(kScheduleTopic), 2, 0);
  REQUIRE(got.records.size() == 1);
  RecordView r = Decode(got.records[0].bytes);
  CHECK(r.topic == kScheduleTopic);
  CHECK(r.queue_id == 2);
  auto props = MessageProperties::Parse(r.properties);
  REQUIRE(props.Find(kPropertyRealTopic) != nullptr);
  CHECK(*props.Find(kPropertyRealTopic) == "TopicTest");
  CHECK(*props.Find(kPropertyRealQueueId) == "1");
  // The tag filter sees the deliver time, 10 s after the store time (TV-12).
  auto deliver =
      TagFilter::FromHashCodes({static_cast<int32_t>(1700000000123 + 10000)});
  CHECK(MustGet(*store, std::string(kScheduleTopic), 2, 0, 32, &deliver)
            .records.size() == 1);
}

TEST_CASE("a batch gets consecutive offsets and one store time", "[store]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  config.mapped_file_size_commit_log = 4096;
  auto store = MustOpen(config);
  REQUIRE_OK(store->Put(Message("B", 0, std::string(3800, 'x'))));
  std::vector<MessageToStore> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(Message("B", 0, "item"));
  auto puts = store->PutBatch(batch);
  REQUIRE_OK(puts);
  REQUIRE(puts->size() == 5);
  // The batch did not fit behind the first record: it moved as a whole.
  CHECK((*puts)[0].physical_offset.value() == 4096);
  for (size_t i = 1; i < puts->size(); ++i) {
    CHECK((*puts)[i].queue_offset.value() ==
          (*puts)[i - 1].queue_offset.value() + 1);
    CHECK((*puts)[i].physical_offset.value() ==
          (*puts)[i - 1].physical_offset.value() + (*puts)[i - 1].bytes);
    CHECK((*puts)[i].store_timestamp_ms == (*puts)[0].store_timestamp_ms);
  }
  std::vector<MessageToStore> mixed = {Message("B", 0, "a"),
                                       Message("B", 1, "b")};
  CHECK_FALSE(store->PutBatch(mixed).ok());
}

TEST_CASE(
    "a batch spilling into the next consume-queue file fails cleanly "
    "on a full disk",
    "[store][faults]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);  // 300 units per CQ file
  auto store = MustOpen(config);
  for (int i = 0; i < 290; ++i) REQUIRE_OK(store->Put(Message("S", 0, "m")));
  fs->SetCapacityBytes(fs->AllocatedBytes());  // no room for another file
  std::vector<MessageToStore> batch(20, Message("S", 0, "batched"));
  const int64_t end = store->MaxPhysicalOffset().value();
  CHECK_THAT(store->PutBatch(batch).status(),
             testing::StatusIs(absl::StatusCode::kResourceExhausted));
  CHECK(store->MaxPhysicalOffset().value() == end);  // nothing appended
  CHECK_FALSE(store->Stats().read_only);
  fs->SetCapacityBytes(UINT64_MAX);
  auto puts = store->PutBatch(batch);
  REQUIRE_OK(puts);
  CHECK(puts->back().queue_offset.value() == 309);
  CHECK(store->MaxOffsetInQueue("S", QueueId(0)).value() == 310);
}

TEST_CASE("PutAsync completes once the message is durable", "[store]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  config.flush_disk_type = FlushDiskType::kSyncFlush;
  auto store = MustOpen(config);
  absl::Mutex mu;
  std::vector<absl::StatusOr<PutResult>> done;
  for (int i = 0; i < 50; ++i) {
    store->PutAsync(Message("Async", 0, absl::StrCat("a", i)),
                    [&](absl::StatusOr<PutResult> r) {
                      absl::MutexLock lock(&mu);
                      done.push_back(std::move(r));
                    });
  }
  {
    absl::MutexLock lock(&mu);
    auto all_done = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu) {
      return done.size() == 50;
    };
    REQUIRE(mu.AwaitWithTimeout(absl::Condition(&all_done), absl::Seconds(10)));
    for (const auto& r : done) {
      REQUIRE_OK(r);
      CHECK_FALSE(r->flush_timed_out);
      // Completed means synced: the flushed watermark covers the record.
      CHECK(store->Stats().flushed_offset >=
            r->physical_offset.value() + r->bytes);
    }
  }
  bool called = false;
  store->PutAsync(Message("", 0, "bad"), [&](absl::StatusOr<PutResult> r) {
    called = true;
    CHECK_THAT(r.status(),
               testing::StatusIs(absl::StatusCode::kInvalidArgument));
  });
  CHECK(called);  // failures complete at once, on the caller's thread
}

TEST_CASE("prepared transaction records take no queue offset", "[store]") {
  auto fs = NewMemFileSystem();
  auto store = MustOpen(SmallStoreConfig(fs));
  MessageToStore half = Message("Tx", 0, "half");
  half.sys_flag = kTransactionPreparedType;
  auto put = store->Put(half);
  REQUIRE_OK(put);
  CHECK(put->queue_offset.value() == 0);
  CHECK(store->MaxOffsetInQueue("Tx", QueueId(0)).value() == 0);
  auto looked = store->LookByOffset(put->physical_offset);
  REQUIRE_OK(looked);
  CHECK(Decode(looked->records[0].bytes).body == "half");
}

TEST_CASE("a second open of a locked store fails clearly", "[store]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  auto store = MustOpen(config);
  auto second = MessageStore::Open(config);
  REQUIRE_FALSE(second.ok());
  CHECK_THAT(second.status(),
             testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  CHECK_THAT(std::string(second.status().message()), Catch::Contains("store"));
}

TEST_CASE("a read-only open reads without writing and refuses puts",
          "[store]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  {
    auto store = MustOpen(config);
    for (int i = 0; i < 10; ++i) REQUIRE_OK(store->Put(Message("R", 0, "m")));
    REQUIRE_OK(store->Shutdown());
  }
  config.read_only = true;
  auto reader = MustOpen(config);
  CHECK(reader->MaxOffsetInQueue("R", QueueId(0)).value() == 10);
  CHECK_THAT(reader->Put(Message("R", 0, "m")).status(),
             testing::StatusIs(absl::StatusCode::kFailedPrecondition));
  CHECK_FALSE(fs->Exists("store/abort"));
  // A writer may open it meanwhile: read-only opens take no lock.
  config.read_only = false;
  auto writer = MustOpen(config);
  CHECK(writer->MaxOffsetInQueue("R", QueueId(0)).value() == 10);
}

}  // namespace
}  // namespace rmq
