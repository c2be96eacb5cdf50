// The appender's room (ConsumeQueue::PrepareUnits) and the dispatcher's
// cursor (PutUnit): units written through it must be exactly what the slow
// path would have written, across file rolls, batches spilling into the next
// file, room made far ahead of the units, truncation and queues whose first
// file starts past offset 0.

#include "consumequeue/consume_queue.h"

#include <catch2/catch.hpp>
#include <memory>

#include "rmq/io/mem_file_system.h"

namespace rmq {
namespace {

constexpr int64_t kUnitsPerFile = 100;

class QueueFixture {
 public:
  explicit QueueFixture(int64_t units_per_file = kUnitsPerFile)
      : fs_(NewMemFileSystem()),
        logger_(NullLogger()),
        cache_(1000),
        queue_(std::make_unique<ConsumeQueue>(
            "T", 0,
            ConsumeQueueOptions{.dir = "/cq/T/0",
                                .file_size = CqUnit::kSize * units_per_file,
                                .allocate_ahead = 4096},
            *fs_, cache_, *logger_)) {
    queue_->set_pin_kept(true);  // as the dispatcher's PinnedQueues does
  }

  ConsumeQueue& queue() { return *queue_; }

  // Appends `count` units as the store's appender does (one batch).
  void Append(int64_t count) {
    const int64_t first = queue_->next_offset();
    REQUIRE(queue_->PrepareUnits(first, count).ok());
    for (int64_t k = first; k < first + count; ++k) {
      REQUIRE(queue_->PutUnit(k, UnitFor(k)).ok());
      queue_->set_next_offset(k + 1);
    }
  }

  static CqUnit UnitFor(int64_t k) { return CqUnit{1000 + k * 64, 64, k}; }

  // Every unit in [from, to) reads back as UnitFor, and nothing past `to`.
  void CheckUnits(int64_t from, int64_t to) {
    REQUIRE(queue_->MaxOffset() == to);
    for (int64_t k = from; k < to; ++k) {
      INFO("unit " << k);
      absl::StatusOr<CqUnit> unit = queue_->UnitAt(k);
      REQUIRE(unit.ok());
      CHECK(unit->phy_offset == UnitFor(k).phy_offset);
      CHECK(unit->tags_code == k);
    }
    CHECK_FALSE(queue_->UnitAt(to).ok());
  }

 private:
  std::shared_ptr<MemFileSystem> fs_;
  std::shared_ptr<Logger> logger_;
  MappingCache cache_;
  std::unique_ptr<ConsumeQueue> queue_;
};

TEST_CASE("units written through the cursor read back across file rolls") {
  QueueFixture f;
  REQUIRE(f.queue().Prepare().ok());
  for (int i = 0; i < 250; ++i) f.Append(1);
  f.CheckUnits(0, 250);
  CHECK(f.queue().FileCount() == 3);
  // A reader's slice ends at the written end of the file holding it.
  absl::StatusOr<CqSlice> slice = f.queue().ReadFrom(230);
  REQUIRE(slice.ok());
  CHECK(slice->units == 20);
}

TEST_CASE("a batch spilling into the next file is written whole") {
  QueueFixture f;
  REQUIRE(f.queue().Prepare().ok());
  f.Append(90);
  f.Append(32);  // 10 units in the first file, 22 in the second
  f.Append(1);
  f.CheckUnits(0, 123);
  CHECK(f.queue().FileCount() == 2);
}

TEST_CASE("units land in order when room was made batches ahead of them") {
  // The appender runs ahead of the dispatcher: it lists the next file while
  // units still land in the one before.
  QueueFixture f;
  REQUIRE(f.queue().Prepare().ok());
  int64_t next = 0;
  for (int64_t batch : {40, 50, 30, 85, 1}) {
    REQUIRE(f.queue().PrepareUnits(next, batch).ok());
    next += batch;
    f.queue().set_next_offset(next);
  }
  CHECK(f.queue().FileCount() == 3);
  CHECK(f.queue().MaxOffset() == 0);  // nothing written yet
  for (int64_t k = 0; k < next; ++k) {
    REQUIRE(f.queue().PutUnit(k, QueueFixture::UnitFor(k)).ok());
  }
  f.CheckUnits(0, next);
  // Room was made only as far as needed, plus the allocation step.
  CHECK(f.queue().FileCount() == 3);
}

TEST_CASE("allocating ahead never zeroes a unit already written") {
  // Files of 20,000 bytes allocated in steps of up to 4 KiB, by the appender
  // (room for its batches) and by the dispatcher (ahead of the appender,
  // which here runs up to 300 units ahead). The in-memory file system
  // really writes the zeros: one landing on a unit would show below.
  QueueFixture f(/*units_per_file=*/1000);
  REQUIRE(f.queue().Prepare().ok());
  int64_t made = 0;
  int64_t written = 0;
  while (written < 2500) {
    const int64_t batch = 1 + made % 7;
    if (made - written < 300 && made + batch <= 2500) {
      REQUIRE(f.queue().PrepareUnits(made, batch).ok());
      made += batch;
      f.queue().set_next_offset(made);
    }
    for (int64_t n = 0; n < 5 && written < made; ++n, ++written) {
      REQUIRE(f.queue().PutUnit(written, QueueFixture::UnitFor(written)).ok());
    }
  }
  f.CheckUnits(0, 2500);
  CHECK(f.queue().FileCount() == 3);
}

TEST_CASE("after a truncation the cursor writes at the new end") {
  QueueFixture f;
  REQUIRE(f.queue().Prepare().ok());
  f.Append(150);
  // Drop every unit pointing at or past unit 120's record.
  absl::StatusOr<bool> changed =
      f.queue().TruncateFrom(QueueFixture::UnitFor(120).phy_offset);
  REQUIRE(changed.ok());
  CHECK(*changed);
  CHECK(f.queue().next_offset() == 120);
  f.CheckUnits(0, 120);
  f.Append(5);
  f.CheckUnits(0, 125);
}

TEST_CASE("a queue whose first file starts past 0 ends where it starts") {
  QueueFixture f;
  const int64_t start = GENERATE(kUnitsPerFile * 2, kUnitsPerFile * 2 + 37);
  f.queue().set_next_offset(start);
  REQUIRE(f.queue().Prepare().ok());
  CHECK(f.queue().MaxOffset() == start);
  CHECK(f.queue().MinOffset() == start);
  f.Append(3);
  CHECK(f.queue().MaxOffset() == start + 3);
  for (int64_t k = start; k < start + 3; ++k) {
    absl::StatusOr<CqUnit> unit = f.queue().UnitAt(k);
    REQUIRE(unit.ok());
    CHECK(unit->tags_code == k);
  }
}

TEST_CASE("a released pin is taken again and the units stay in order") {
  QueueFixture f;
  REQUIRE(f.queue().Prepare().ok());
  f.Append(10);
  f.queue().ReleasePin();
  f.Append(10);
  f.queue().ReleasePin();
  f.Append(95);  // rolls into the second file after a released pin
  f.CheckUnits(0, 115);
}

}  // namespace
}  // namespace rmq
