// The allocator's thread faults the writer's segment in ahead of it and, once
// the writer is idle, reads the rest of the window in read-only (preload).

#include "commitlog/segment_allocator.h"

#include <catch2/catch.hpp>
#include <memory>

#include "base/file_names.h"
#include "rmq/io/mem_file_system.h"
#include "support/fault_injection_file_system.h"

namespace rmq {
namespace {

using testing::FaultInjectionFileSystem;
using Op = FaultInjectionFileSystem::Op;

constexpr int64_t kMiB = 1 << 20;
constexpr int64_t kSegment = 32 * kMiB;
constexpr int64_t kChunk = 4 * kMiB;  // the allocator's populate chunk

class AllocatorFixture {
 public:
  explicit AllocatorFixture(absl::Duration preload_after_idle)
      : fs_(std::make_shared<FaultInjectionFileSystem>(NewMemFileSystem())),
        logger_(NullLogger()),
        allocator_(
            SegmentAllocatorOptions{.dir = "/log",
                                    .file_size = kSegment,
                                    .populate_first = kChunk,
                                    .preload_after_idle = preload_after_idle},
            *fs_, *logger_) {}

  FaultInjectionFileSystem& fs() { return *fs_; }
  // The first segment, created for the writer with its head faulted in.
  std::shared_ptr<MappedFile> TakeFirst() {
    REQUIRE(fs_->CreateDirs("/log").ok());
    auto segment = allocator_.Take(0);
    REQUIRE(segment.ok());
    return *segment;
  }
  SegmentAllocator& allocator() { return allocator_; }

 private:
  std::shared_ptr<FaultInjectionFileSystem> fs_;
  std::shared_ptr<Logger> logger_;
  SegmentAllocator allocator_;
};

TEST_CASE("allocator: an idle writer's segment is preloaded read-only",
          "[unit][segment_allocator]") {
  AllocatorFixture f(absl::Milliseconds(1));
  std::shared_ptr<MappedFile> segment = f.TakeFirst();
  CHECK(f.fs().Calls(Op::kPrefault) == 1);  // its head, for the writer
  f.allocator().Populate(segment, kChunk, 16 * kMiB);
  // [4 MiB, 16 MiB) in chunks, read-only; nothing past the window.
  REQUIRE(f.fs().AwaitCalls(Op::kPreload, 3, absl::Seconds(30)));
  f.allocator().Populate(segment, kChunk, kSegment);
  REQUIRE(f.fs().AwaitCalls(Op::kPreload, 7, absl::Seconds(30)));
  CHECK(f.fs().Calls(Op::kPrefault) == 1);
}

TEST_CASE("allocator: a preload past the segment's end reads the next head",
          "[unit][segment_allocator]") {
  AllocatorFixture f(absl::Milliseconds(1));
  std::shared_ptr<MappedFile> segment = f.TakeFirst();
  f.allocator().Populate(segment, kChunk, kSegment + kMiB);
  // [4 MiB, 32 MiB) in 7 chunks, then the next segment is created and its
  // head (populate_first, one chunk) read in: the roll finds it in memory.
  REQUIRE(f.fs().AwaitCalls(Op::kPreload, 8, absl::Seconds(30)));
  const std::filesystem::path next =
      std::filesystem::path("/log") / OffsetToFileName(kSegment);
  CHECK(f.fs().Exists(next));
  const int maps = f.fs().Calls(Op::kMap);
  auto taken = f.allocator().Take(kSegment);
  REQUIRE(taken.ok());
  CHECK((*taken)->path() == next);
  CHECK(f.fs().Calls(Op::kMap) == maps);  // the pre-created one
  CHECK(f.fs().Calls(Op::kPrefault) == 1);
}

TEST_CASE("allocator: the preload waits while the writer is busy",
          "[unit][segment_allocator]") {
  AllocatorFixture f(absl::Hours(1));
  std::shared_ptr<MappedFile> segment = f.TakeFirst();
  // The writer's window is faulted in writable, a chunk at a time...
  f.allocator().Populate(segment, 3 * kChunk, kSegment);
  REQUIRE(f.fs().AwaitCalls(Op::kPrefault, 3, absl::Seconds(30)));
  f.allocator().Populate(segment, 4 * kChunk, kSegment);
  REQUIRE(f.fs().AwaitCalls(Op::kPrefault, 4, absl::Seconds(30)));
  // ...and the rest is left for when it has been idle an hour.
  CHECK(f.fs().Calls(Op::kPreload) == 0);
}

}  // namespace
}  // namespace rmq
