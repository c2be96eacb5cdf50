#pragma once
// Creates commit-log segments ahead of the writer (RocketMQ's
// AllocateMappedFileService): when the writer is half-way through segment X,
// segment X+size is created and fully allocated (fallocate + fsync: never
// sparse) on a background thread, so a roll never waits for the disk. Its first
// pages are faulted in only once the writer nears the end of X (PopulateNext):
// faulting 64 MiB in at creation, right after a roll or an open, took CPU from
// the writers while they were busy (sync at 64 producers on 2 CPUs: 0.63 ->
// 0.81 of the reference without it, docs/benchmarks.md) for a segment that a 1
// GiB distance later may not even be needed yet. The same thread keeps faulting
// the writer's segment in ahead of it (Populate): the first touch of a page of
// a fresh segment zero-fills it in the kernel, which took over half the
// writer's time in slow 1 KiB runs (docs/benchmarks.md).
//
// A second thread, at the lowest priority, preloads: once the writer has
// asked for nothing for a while, it reads the rest of Populate's
// preload_upto into the page cache, clean and read-only. Those pages hold on
// to memory, so a burst after a quiet spell does not wait for memory the host
// took back (on this VM, fresh memory after 5 s idle comes at 0.5-1 GB/s
// against 5 GB/s; the 10,000-queue phase of `rmq-bench queues`, which starts
// after seconds of queue creation, went from 0.7M to 2.1-2.3M msg/s,
// docs/benchmarks.md). When the window reaches past the segment's end, it
// then has the next segment created and reads its head in too: a burst that
// rolls into it finds that memory ready as well, where the populating thread,
// racing the writer, fell behind on memory the host had taken back (perf:
// the writer zero-filled the new segment's first pages after the roll of
// most 10,000-queue phases, docs/benchmarks.md, eighth session).
//
// Thread-safety: thread-safe. Owns two threads (creating and populating;
// preloading, at the lowest priority, unless options.preload is false),
// stopped by the destructor;
// a created but untaken segment is deleted then (RocketMQ does the same).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
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
  // Bytes of a segment faulted in when the writer needs it at once (created
  // by Take), and at most by PopulateNext for a pre-created one (0: none).
  int64_t populate_first = 0;
  // Whether Populate's preload_upto is used at all (false: no preloading
  // thread).
  bool preload = true;
  // Populate's preload runs once the writer has asked for nothing this long
  // (at 320 MB/s and more it asks every 100 ms: it is busy, not idle).
  absl::Duration preload_after_idle = absl::Milliseconds(100);
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
  // being created: waits for it), else created now. The caller asks for the
  // next one (Request) when it wants it.
  absl::StatusOr<std::shared_ptr<MappedFile>> Take(int64_t from);
  // Asks the background thread for the segment at `from` before anyone
  // needs it (at open: the first segment of an empty store, or the next one).
  void Request(int64_t from);
  // Asks the background thread to fault in `file`'s pages up to `upto`
  // (a position in the file), a chunk at a time between segment creations,
  // and then to read them in, clean and read-only, up to `preload_upto`
  // (past the file's end: the next segment's head too, see above).
  // Replaces the request for an earlier file; best effort.
  void Populate(std::shared_ptr<MappedFile> file, int64_t upto,
                int64_t preload_upto);
  // Asks the background thread to fault in the first `upto` bytes (at most
  // populate_first) of the pre-created next segment, after any Populate
  // work: the writer will roll into it soon. Best effort.
  void PopulateNext(int64_t upto);

 private:
  // One chunk of a Populate request.
  struct PopulateChunk {
    std::shared_ptr<MappedFile> file;
    int64_t begin = 0;
    int64_t end = 0;
    MappedRegion::FaultIn mode = MappedRegion::FaultIn::kWritable;
  };

  // Creates the segment at `from` and faults in its first `prefault` bytes.
  absl::StatusOr<std::shared_ptr<MappedFile>> Create(int64_t from,
                                                     int64_t prefault);
  void Run(std::stop_token stop);
  void RunPreload(std::stop_token stop);
  void CreateRequested(int64_t from);
  // Small enough that a segment creation waits little behind it, big enough
  // that the madvise call is cheap beside the faults it takes.
  static constexpr int64_t kPopulateChunk = 4 << 20;

  bool HasPopulateWork() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  bool HasPreloadWork() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Where preloading goes on (populate_file_ must be set).
  int64_t PreloadFrom() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The next segment's head bytes (what PopulateNext may fault in).
  int64_t HeadBytes() const;
  // Whether the next segment, wanted by the preload, is to be asked for.
  bool NextToCreate() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Whether the next segment is ready with head bytes still to read in.
  bool NextHeadToPreload() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // How long until the writer counts as idle (<= 0: it does).
  absl::Duration UntilIdle() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  PopulateChunk NextPreloadChunk() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `file` was just taken with its first `populated` bytes faulted in.
  void RememberHead(std::shared_ptr<MappedFile> file, int64_t populated)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  PopulateChunk NextPopulateChunk() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunPopulate(const PopulateChunk& chunk);
  absl::Status RemovePending();

  const SegmentAllocatorOptions options_;
  FileSystem& fs_;
  Logger& logger_;
  absl::Mutex mu_;
  std::optional<int64_t> requested_ ABSL_GUARDED_BY(mu_);  // to create
  bool creating_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<int64_t> ready_from_ ABSL_GUARDED_BY(mu_);
  absl::StatusOr<std::shared_ptr<MappedFile>> ready_ ABSL_GUARDED_BY(mu_);
  // The segment being populated and how far: [populated_, populate_upto_)
  // is still to fault in.
  std::shared_ptr<MappedFile> populate_file_ ABSL_GUARDED_BY(mu_);
  int64_t populated_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t populate_upto_ ABSL_GUARDED_BY(mu_) = 0;
  // Then [max(preloaded_, populated_), preload_upto_) is still to read in.
  int64_t preloaded_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t preload_upto_ ABSL_GUARDED_BY(mu_) = 0;
  std::chrono::steady_clock::time_point last_request_ ABSL_GUARDED_BY(mu_);
  // The pre-created segment's head: [next_populated_, next_upto_) is still
  // to fault in once it is ready. Reset when a segment is taken.
  int64_t next_populated_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_upto_ ABSL_GUARDED_BY(mu_) = 0;
  // Where the next segment starts when the preload window reaches into it
  // (its head is read in too), whether the preload asked for it already
  // (once: a failed creation is not retried here), and how much of its head
  // was read in. Reset when a segment is taken.
  std::optional<int64_t> preload_next_from_ ABSL_GUARDED_BY(mu_);
  bool preload_next_asked_ ABSL_GUARDED_BY(mu_) = false;
  int64_t next_preloaded_ ABSL_GUARDED_BY(mu_) = 0;
  // The last segment taken and how much of its head was faulted in then,
  // until its first Populate request (which starts past it).
  std::shared_ptr<MappedFile> head_file_ ABSL_GUARDED_BY(mu_);
  int64_t head_populated_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Last: they join before the members above go away.
  std::jthread thread_;
  std::jthread preloader_;
};

}  // namespace rmq
