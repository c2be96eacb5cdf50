#pragma once
// The ordered segments of one directory, all the same size (RocketMQ's
// MappedFileQueue for the commit log). Segment k starts at first.from + k*size.
//
// Thread-safety: thread-safe. The file list changes only when the appender
// rolls, when recovery truncates and when cleanup deletes; lookups take a
// reader lock.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/fast_mutex.h"
#include "commitlog/mapped_file.h"
#include "rmq/io/file_system.h"

namespace rmq {

struct MappedFileQueueOptions {
  std::filesystem::path dir;
  // Segment size. 0 = detect from the files (read-only tools reading a store
  // written with unknown settings).
  int64_t file_size = 0;
  bool writable = true;
};

class MappedFileQueue {
 public:
  // `fs` must outlive the queue.
  MappedFileQueue(MappedFileQueueOptions options, FileSystem& fs);
  MappedFileQueue(const MappedFileQueue&) = delete;
  MappedFileQueue& operator=(const MappedFileQueue&) = delete;

  // Maps every segment of the directory (creating the directory when
  // writable). Each file must have the configured size and the names must be
  // exactly one size apart. Loaded segments count as full and flushed;
  // recovery then sets the real end with Truncate.
  absl::Status Load();

  int64_t file_size() const { return file_size_; }
  const std::filesystem::path& dir() const { return options_.dir; }
  std::filesystem::path PathFor(int64_t from) const;

  std::vector<std::shared_ptr<MappedFile>> Files() const;
  std::shared_ptr<MappedFile> First() const;
  std::shared_ptr<MappedFile> Last() const;
  // The segment holding `offset`, or null.
  std::shared_ptr<MappedFile> FindByOffset(int64_t offset) const;
  size_t FileCount() const;

  // First segment's start (0 when empty).
  int64_t MinOffset() const;
  // last.from + last.wrote (0 when empty).
  int64_t MaxOffset() const;

  // Adds a new last segment; it must start where the current last one ends.
  absl::Status Append(std::shared_ptr<MappedFile> file);

  struct TruncateResult {
    int64_t files_removed = 0;
    int64_t bytes_dropped = 0;  // non-zero bytes seen after `offset`
  };
  // Makes `offset` the end of the log: the segment containing it gets
  // wrote = flushed = offset - from and the rest of it is zeroed (so stale
  // bytes can never be mistaken for records later); later segments are
  // deleted.
  absl::StatusOr<TruncateResult> Truncate(int64_t offset);

  // Removes the oldest segment from the list and unlinks its file (the mapping
  // lives until the last pin drops).
  absl::Status DeleteFirst();

 private:
  absl::StatusOr<std::shared_ptr<MappedFile>> MapExisting(
      const std::filesystem::path& path, int64_t from, int64_t size);

  const MappedFileQueueOptions options_;
  FileSystem& fs_;
  int64_t file_size_;
  mutable FastSharedMutex mu_;
  std::vector<std::shared_ptr<MappedFile>> files_ ABSL_GUARDED_BY(mu_);
};

// Counts the bytes of `bytes` that are not zero (to report what a truncation
// dropped).
int64_t CountNonZero(std::span<const std::byte> bytes);

}  // namespace rmq
