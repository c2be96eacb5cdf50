#pragma once
// Creates commit-log segments ahead of the writer (RocketMQ's
// AllocateMappedFileService): when the writer takes segment X, segment X+size
// is created, fully allocated (fallocate: never sparse) and optionally
// pre-faulted on a background thread, so a roll never waits for the disk.
//
// Thread-safety: thread-safe. Owns one thread, stopped by the destructor;
// a created but untaken segment is deleted then (RocketMQ does the same).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "commitlog/mapped_file.h"
#include "rmq/io/file_system.h"
#include "rmq/logger.h"

namespace rmq {

struct SegmentAllocatorOptions {
  std::filesystem::path dir;
  int64_t file_size = 0;
  // Write zeros over each new segment (RocketMQ's warmMapedFileEnable) so its
  // blocks are written extents: the writer's first touch of each page then
  // never waits for the journal to convert an unwritten extent (measured:
  // put latency at a roll p50 2 ms -> 36 us, docs/design/io.md). Costs a
  // second write of every segment, in the background.
  bool write_zeros = false;
  bool background = true;  // false: create synchronously (read-only, tests)
};

class SegmentAllocator {
 public:
  // `fs` and `logger` must outlive the allocator.
  SegmentAllocator(SegmentAllocatorOptions options, FileSystem& fs,
                   Logger& logger);
  ~SegmentAllocator();
  SegmentAllocator(const SegmentAllocator&) = delete;
  SegmentAllocator& operator=(const SegmentAllocator&) = delete;

  // The segment starting at `from`: the pre-created one when it is ready (or
  // being created: waits for it), else created now. Then asks the background
  // thread for the next one.
  absl::StatusOr<std::shared_ptr<MappedFile>> Take(int64_t from);
  // Asks the background thread for the segment at `from` before anyone
  // needs it (at open: the first segment of an empty store, or the next one).
  void Request(int64_t from);

 private:
  absl::StatusOr<std::shared_ptr<MappedFile>> Create(int64_t from);
  void Run(std::stop_token stop);
  absl::Status RemovePending();

  const SegmentAllocatorOptions options_;
  FileSystem& fs_;
  Logger& logger_;
  absl::Mutex mu_;
  std::optional<int64_t> requested_ ABSL_GUARDED_BY(mu_);  // to create
  bool creating_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<int64_t> ready_from_ ABSL_GUARDED_BY(mu_);
  absl::StatusOr<std::shared_ptr<MappedFile>> ready_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::jthread thread_;  // last: joins before the members above go away
};

}  // namespace rmq
