// The table's dirty list, which the consume-queue flusher takes each pass:
// a queue is listed once per pass, and a unit written while the flusher
// takes the list is either seen by the flusher or lists its queue again.

#include "consumequeue/consume_queue_table.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <chrono>
#include <thread>

#include "base/file_names.h"
#include "rmq/io/mem_file_system.h"

namespace rmq {
namespace {

class TableFixture {
 public:
  TableFixture()
      : fs_(NewMemFileSystem()),
        logger_(NullLogger()),
        table_(ConsumeQueueTableOptions{.dir = "/cq",
                                        .file_size = CqUnit::kSize * 100000,
                                        .allocate_ahead = 4096},
               *fs_, *logger_) {}

  ConsumeQueueTable& table() { return table_; }
  MemFileSystem& fs() { return *fs_; }

  ConsumeQueue& Queue(int32_t id) {
    absl::StatusOr<ConsumeQueue*> queue = table_.FindOrCreate("T", id);
    REQUIRE(queue.ok());
    return **queue;
  }

  // Appends one unit as the put path does, then marks the queue dirty.
  void Append(ConsumeQueue& queue) {
    const int64_t k = queue.next_offset();
    REQUIRE(queue.PrepareUnits(k, 1).ok());
    REQUIRE(queue.PutUnit(k, CqUnit{k * 100, 100, 0}).ok());
    queue.set_next_offset(k + 1);
    table_.MarkDirty(queue);
  }

 private:
  std::shared_ptr<MemFileSystem> fs_;
  std::shared_ptr<Logger> logger_;
  ConsumeQueueTable table_;
};

// The creator's thread makes the next file while the producer goes on: at
// 20,000-byte files every put is within the look-ahead window.
TEST_CASE("the next file is created ahead, off the producer's thread",
          "[unit][consume_queue_table]") {
  auto fs = NewMemFileSystem();
  auto logger = NullLogger();
  ConsumeQueueTable table(
      ConsumeQueueTableOptions{.dir = "/cq", .file_size = CqUnit::kSize * 1000},
      *fs, *logger);
  absl::StatusOr<ConsumeQueue*> queue = table.FindOrCreate("T", 0);
  REQUIRE(queue.ok());
  const std::filesystem::path next =
      std::filesystem::path("/cq/T/0") / OffsetToFileName(CqUnit::kSize * 1000);
  CHECK_FALSE(fs->Exists(next));
  (*queue)->PrepareAhead();
  (*queue)->PrepareAhead();  // asked once per file
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!fs->Exists(next) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  REQUIRE(fs->Exists(next));
  // The appender rolls into it: units past the first file have room.
  CHECK((*queue)->PrepareUnits(0, 1001).ok());
  CHECK((*queue)->FileCount() == 2);
}

bool Contains(const std::vector<ConsumeQueue*>& taken, ConsumeQueue* queue) {
  return std::find(taken.begin(), taken.end(), queue) != taken.end();
}

TEST_CASE("dirty list: a queue is listed once until taken",
          "[unit][consume_queue_table]") {
  TableFixture f;
  ConsumeQueue& a = f.Queue(0);
  ConsumeQueue& b = f.Queue(1);
  CHECK(f.table().TakeDirty().empty());
  f.Append(a);
  f.Append(a);
  f.Append(b);
  std::vector<ConsumeQueue*> taken = f.table().TakeDirty();
  CHECK(taken.size() == 2);
  CHECK(Contains(taken, &a));
  CHECK(Contains(taken, &b));
  CHECK(f.table().TakeDirty().empty());
  f.Append(b);  // after the take: listed again
  taken = f.table().TakeDirty();
  REQUIRE(taken.size() == 1);
  CHECK(taken[0] == &b);
}

TEST_CASE("dirty list: the last unit is seen by a take or listed again",
          "[unit][consume_queue_table]") {
  TableFixture f;
  ConsumeQueue& queue = f.Queue(0);
  constexpr int64_t kUnits = 50000;
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int64_t i = 0; i < kUnits; ++i) f.Append(queue);
    writing.store(false);
  });
  // The flusher's view: what it read of the queue after taking it.
  int64_t seen = 0;
  auto take = [&] {
    if (Contains(f.table().TakeDirty(), &queue)) seen = queue.MaxOffset();
  };
  while (writing.load()) take();
  writer.join();
  take();
  CHECK(seen == kUnits);
  CHECK(f.table().TakeDirty().empty());
}

}  // namespace
}  // namespace rmq
