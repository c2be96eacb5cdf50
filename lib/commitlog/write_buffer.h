#pragma once
// The RAM write buffer of the write-buffer path (RocketMQ's
// transientStorePoolEnable): appends are copied here instead of into the
// mapped segment, and a committer thread writes them to the files in large
// io_uring (or pwrite) writes. A ring indexed by commit-log offset: byte X of
// the log lives at X % capacity until it is committed.
//
// Thread-safety: Write/Zero are for the appender (append lock); Pieces and
// Release for the committer; WaitForSpace blocks the appender while the
// committer is more than `capacity` behind.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace rmq {

class WriteBuffer {
 public:
  explicit WriteBuffer(int64_t capacity);
  WriteBuffer(const WriteBuffer&) = delete;
  WriteBuffer& operator=(const WriteBuffer&) = delete;

  int64_t capacity() const { return capacity_; }

  // Blocks until [offset, offset + length) can be written without
  // overwriting uncommitted bytes. False when Abort() was called.
  bool WaitForSpace(int64_t offset, int64_t length);
  void Write(int64_t offset, std::span<const std::byte> bytes);
  void Zero(int64_t offset, int64_t length);

  // The buffered bytes of [from, to) (one or two spans: the ring may wrap).
  std::vector<std::span<const std::byte>> Pieces(int64_t from,
                                                 int64_t to) const;
  // Everything below `offset` is in the files: its space may be reused.
  void Release(int64_t offset);
  // Wakes and fails waiters (the store stops or turned read-only).
  void Abort();

 private:
  const int64_t capacity_;
  std::vector<std::byte> ring_;
  absl::Mutex mu_;
  int64_t released_ ABSL_GUARDED_BY(mu_) = -1;  // -1: nothing written yet
  bool aborted_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace rmq
