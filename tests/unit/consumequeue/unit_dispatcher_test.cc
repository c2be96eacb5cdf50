// UnitDispatcher: units pushed by the appender reach their queues in push
// order, from its thread, from a reader's CatchUp, or from the appender
// itself when the ring is full; a unit that cannot be written stops the
// checkpoint timestamp and is reported once.

#include "consumequeue/unit_dispatcher.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rmq/io/mem_file_system.h"

namespace rmq {
namespace {

constexpr int kQueues = 5;

class DispatchFixture {
 public:
  explicit DispatchFixture(size_t capacity, bool writable = true)
      : fs_(NewMemFileSystem()),
        logger_(NullLogger()),
        table_(ConsumeQueueTableOptions{.dir = "/cq",
                                        .file_size = CqUnit::kSize * 64,
                                        .allocate_ahead = 4096,
                                        .writable = writable},
               *fs_, *logger_),
        dispatcher_(
            UnitDispatcherOptions{
                .capacity = capacity, .pinned_queues = 2, .last_timestamp = 7},
            table_,
            [this](absl::Status s) { failures_.push_back(std::move(s)); }) {}

  ConsumeQueue& Queue(int i) {
    absl::StatusOr<ConsumeQueue*> q = table_.FindOrCreate("T", i);
    REQUIRE(q.ok());
    return **q;
  }

  // Message m goes to queue m % kQueues, stored at time 1000 + m.
  void Push(int m) {
    ConsumeQueue& q = Queue(m % kQueues);
    const int64_t offset = q.next_offset();
    REQUIRE(q.PrepareUnits(offset, 1).ok());
    dispatcher_.Push({&q, offset, UnitFor(m), 1000 + m});
    q.set_next_offset(offset + 1);
  }

  // Pushes messages [0, count) and publishes them, as one appender batch.
  void PushAll(int count) {
    for (int m = 0; m < count; ++m) Push(m);
    dispatcher_.Publish();
  }

  static CqUnit UnitFor(int m) { return CqUnit{int64_t{m} * 100, 100, m}; }

  // Messages [0, count) are all in their queues, in order.
  void CheckWritten(int count) {
    for (int i = 0; i < kQueues; ++i) {
      INFO("queue " << i);
      const int64_t expected = count / kQueues + (i < count % kQueues ? 1 : 0);
      REQUIRE(Queue(i).MaxOffset() == expected);
      for (int64_t k = 0; k < expected; ++k) {
        absl::StatusOr<CqUnit> unit = Queue(i).UnitAt(k);
        REQUIRE(unit.ok());
        CHECK(unit->tags_code == k * kQueues + i);
      }
    }
  }

  int64_t Written() {
    int64_t total = 0;
    for (int i = 0; i < kQueues; ++i) total += Queue(i).MaxOffset();
    return total;
  }

  UnitDispatcher& dispatcher() { return dispatcher_; }
  ConsumeQueueTable& table() { return table_; }
  const std::vector<absl::Status>& failures() const { return failures_; }

 private:
  std::shared_ptr<MemFileSystem> fs_;
  std::shared_ptr<Logger> logger_;
  ConsumeQueueTable table_;
  std::vector<absl::Status> failures_;
  UnitDispatcher dispatcher_;
};

TEST_CASE("CatchUp writes every published unit on the caller's thread") {
  DispatchFixture f(1024);  // not started: only CatchUp writes
  for (int m = 0; m < 200; ++m) f.Push(m);
  f.dispatcher().CatchUp();
  CHECK(f.Written() == 0);  // pushed, not published
  f.dispatcher().Publish();
  f.dispatcher().CatchUp();
  f.CheckWritten(200);
  CHECK(f.dispatcher().last_timestamp() == 1000 + 199);
  // Every queue that got a unit is on the dirty list, once.
  CHECK(f.table().TakeDirty().size() == kQueues);
  CHECK(f.failures().empty());
}

TEST_CASE("a full ring is drained by the appender itself") {
  DispatchFixture f(8);
  for (int m = 0; m < 30; ++m) f.Push(m);  // never published
  // Room for 8: the appender wrote all but the last few itself.
  CHECK(f.Written() >= 30 - 8);
  CHECK(f.Written() < 30);
  f.dispatcher().Publish();
  f.dispatcher().CatchUp();
  f.CheckWritten(30);
}

TEST_CASE("the thread writes published units without any reader") {
  DispatchFixture f(1024);
  f.dispatcher().Start();
  f.PushAll(100);
  // It polls every millisecond; a reader would not wait for it.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (f.dispatcher().last_timestamp() != 1000 + 99 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  REQUIRE(f.dispatcher().last_timestamp() == 1000 + 99);
  f.CheckWritten(100);
}

TEST_CASE("Stop writes what is left, and the units are still in order") {
  DispatchFixture f(1024);
  f.dispatcher().Start();
  f.PushAll(57);
  f.dispatcher().Stop();
  f.CheckWritten(57);
  f.dispatcher().Stop();  // idempotent
  f.dispatcher().CatchUp();
  f.CheckWritten(57);
}

TEST_CASE(
    "a unit that cannot be written is reported once and stops the "
    "checkpoint timestamp") {
  // A read-only table cannot create files: PutUnit fails where nothing
  // made room. (In the store, PrepareUnits makes room first; this is the
  // bug or vanished-file case.)
  DispatchFixture f(64, /*writable=*/false);
  auto fs = NewMemFileSystem();
  auto logger = NullLogger();
  MappingCache cache(16);
  ConsumeQueue orphan("T", 0,
                      ConsumeQueueOptions{.dir = "/cq/T/0", .writable = false},
                      *fs, cache, *logger);
  for (int k = 0; k < 3; ++k) {
    f.dispatcher().Push({&orphan, k, DispatchFixture::UnitFor(k), 2000 + k});
  }
  f.dispatcher().Publish();
  f.dispatcher().CatchUp();
  REQUIRE(f.failures().size() == 1);
  CHECK(f.failures()[0].message().find("T/0 unit 0") != std::string::npos);
  CHECK(f.dispatcher().failed());
  CHECK(f.dispatcher().last_timestamp() == 7);  // still recovery's
  CHECK(orphan.MaxOffset() == 0);
}

}  // namespace
}  // namespace rmq
