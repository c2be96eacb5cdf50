#pragma once
// The commit log: every message of every topic, appended in one sequence of
// fixed-size segments (store-format §2, §3). This class knows how records are
// laid into segments (the BLANK end-of-file rule, rolls) and how to read them
// back; it does not know about queues, flushing policy or recovery.
//
// Thread-safety: PrepareAppend/Write are for one appender at a time (the
// store's append lock); reads and SyncRange are safe from any thread.

#include <cstdint>
#include <memory>
#include <span>

#include "absl/status/statusor.h"
#include "commitlog/mapped_file.h"
#include "commitlog/mapped_file_queue.h"
#include "commitlog/segment_allocator.h"
#include "commitlog/write_buffer.h"
#include "rmq/io/file_system.h"
#include "rmq/logger.h"

namespace rmq {

struct CommitLogOptions {
  std::filesystem::path dir;
  int64_t file_size = 1073741824;  // 0 = detect (read-only)
  bool writable = true;
  bool warm_segments = false;  // SegmentAllocatorOptions::write_zeros
  bool background_allocation = true;
  // > 0: the write-buffer path. Appends go to a RAM ring of this many bytes
  // and a committer writes them to the files; readers see them once
  // committed. 0: appends are copied straight into the mapped segment.
  int64_t write_buffer_bytes = 0;
  // How far ahead of the writer the allocator's thread faults the current
  // segment in (0: never), so the writer does not zero-fill fresh pages
  // itself. 64 MiB is ~60 ms of 1 KiB appends at full speed here. Unused
  // on the write-buffer path (it does not write through the mapping).
  int64_t populate_window = 64 << 20;
  // How far ahead of the writer the allocator's preloading thread, once the
  // writer is quiet, reads the current segment into the page cache (clean,
  // read-only; 0: never). Holds memory the kernel can reclaim at any time,
  // so a burst after a quiet spell finds it ready. A segment's worth by
  // default, like RocketMQ's warmMapedFileEnable, without writing or locking
  // anything. The store sets 0 under SYNC_FLUSH.
  int64_t preload_window = int64_t{1} << 30;
};

// A record (or any byte range) inside one segment, with the pin that keeps it
// mapped.
struct LogSlice {
  std::shared_ptr<const MappedFile> pin;
  std::span<const std::byte> bytes;
};

class CommitLog {
 public:
  // `fs` and `logger` must outlive the log.
  CommitLog(CommitLogOptions options, FileSystem& fs, Logger& logger);
  CommitLog(const CommitLog&) = delete;
  CommitLog& operator=(const CommitLog&) = delete;

  absl::Status Load();
  // Starts creating the segment the next append will need (call after
  // recovery has set the end), so the first put does not create it. An empty
  // log gets its first segment now, synchronously.
  void PrepareNextSegment();
  // Stops pre-creating segments and deletes one created but never used.
  void StopAllocation() { allocator_.reset(); }
  // The write buffer in the write-buffer path, else null.
  WriteBuffer* write_buffer() { return buffer_.get(); }
  MappedFileQueue& segments() { return segments_; }
  const MappedFileQueue& segments() const { return segments_; }
  int64_t file_size() const { return segments_.file_size(); }

  // --- appending (one caller at a time) ---------------------------------
  // Makes room for `size` bytes in the current segment: when they do not fit
  // with the 8-byte reserve, writes the BLANK marker and moves to the next
  // segment. Returns the physical offset the next Write lands at.
  // InvalidArgument when `size` can never fit a segment. In the write-buffer
  // path it waits for room in the buffer (FailedPrecondition if the
  // committer has stopped).
  absl::StatusOr<int64_t> PrepareAppend(int64_t size);
  // Copies `bytes` at the offset PrepareAppend returned and advances the
  // segment's write position. The bytes are readable when this returns.
  void Write(std::span<const std::byte> bytes);
  // Offset just past the last appended byte.
  int64_t WrittenOffset() const;

  // --- reading --------------------------------------------------------------
  int64_t MinOffset() const { return segments_.MinOffset(); }
  // [offset, offset+size) inside one segment and below `limit`, or
  // OutOfRange/NotFound.
  absl::StatusOr<LogSlice> Read(int64_t offset, int64_t size,
                                int64_t limit) const;
  // The whole record at `offset` (its TOTALSIZE read first), below `limit`.
  absl::StatusOr<LogSlice> ReadRecord(int64_t offset, int64_t limit) const;
  // From `offset` to the written end of its segment (scans, HA).
  absl::StatusOr<LogSlice> ReadToSegmentEnd(int64_t offset,
                                            int64_t limit) const;

  // --- durability -------------------------------------------------------
  // Syncs [from, to) segment by segment and advances their flushed positions.
  absl::Status SyncRange(int64_t from, int64_t to);

 private:
  absl::Status Roll(const std::shared_ptr<MappedFile>& current);
  void PopulateAhead(int64_t pos);
  // Prefetches the mapping's lines up to kPrefetchAhead bytes past `end`
  // (each line once), so the next records' stores find them in cache.
  void PrefetchNext(std::byte* data, int64_t end);
  static constexpr int64_t kPrefetchAhead = 2048;
  // options_.populate_window on the mmap path, 0 on the write-buffer path.
  int64_t PopulateWindow() const;
  // How many populate windows before a segment's end the next segment's
  // head is asked for (PopulateAhead).
  static constexpr int64_t kNextHeadLead = 4;

  const CommitLogOptions options_;
  FileSystem& fs_;
  Logger& logger_;
  MappedFileQueue segments_;
  std::unique_ptr<WriteBuffer> buffer_;  // null: the mmap path
  std::unique_ptr<SegmentAllocator> allocator_;
  // The appender's current segment (only touched under the append lock).
  std::shared_ptr<MappedFile> current_;
  // Position in current_ past which the writer asks for more populating.
  int64_t populate_mark_ = 0;
  // Position in current_ below which PrefetchNext asked for the lines (a
  // multiple of the line size).
  int64_t prefetched_to_ = 0;
  // The segment after current_ has been asked for.
  bool next_requested_ = false;
};

}  // namespace rmq
