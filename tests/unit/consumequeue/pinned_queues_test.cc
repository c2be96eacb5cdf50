#include "consumequeue/pinned_queues.h"

#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "consumequeue/consume_queue.h"
#include "rmq/io/mem_file_system.h"

namespace rmq {
namespace {

TEST_CASE("only the last `capacity` queues used keep their pin") {
  constexpr int kCapacity = 64;
  auto fs = NewMemFileSystem();
  auto logger = NullLogger();
  MappingCache cache(1000);
  PinnedQueues pinned(kCapacity);
  std::vector<std::unique_ptr<ConsumeQueue>> queues;
  constexpr int kQueues = kCapacity + 36;
  for (int i = 0; i < kQueues; ++i) {
    queues.push_back(std::make_unique<ConsumeQueue>(
        "T", i,
        ConsumeQueueOptions{.dir = absl::StrCat("/cq/T/", i),
                            .file_size = 20 * 100},
        *fs, cache, *logger));
  }
  // Two rounds, as an appender cycling over the queues does: the second
  // round writes through pins taken again after being displaced.
  for (int64_t offset = 0; offset < 2; ++offset) {
    for (auto& queue : queues) {
      pinned.Keep(*queue);
      REQUIRE(queue->PrepareUnits(offset, 1).ok());
      REQUIRE(queue->PutUnit(offset, CqUnit{offset * 100, 100, 7}).ok());
      queue->set_next_offset(offset + 1);
    }
  }
  for (int i = 0; i < kQueues; ++i) {
    INFO("queue " << i);
    CHECK(queues[i]->pin_kept() == (i >= kQueues - kCapacity));
    auto unit = queues[i]->UnitAt(1);
    REQUIRE(unit.ok());
    CHECK(unit->phy_offset == 100);
  }
  // Keeping a queue already kept displaces nobody.
  pinned.Keep(*queues.back());
  CHECK(queues[kQueues - kCapacity]->pin_kept());
}

}  // namespace
}  // namespace rmq
