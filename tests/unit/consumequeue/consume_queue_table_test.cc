// The table's dirty list, which the consume-queue flusher takes each pass:
// a queue is listed once per pass, and a unit written while the flusher
// takes the list is either seen by the flusher or lists its queue again.

#include "consumequeue/consume_queue_table.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <thread>

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
