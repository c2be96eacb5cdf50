#pragma once
// The `checkpoint` file (store-format §7.1, docs/format/checkpoint.md): 4096
// bytes, the first 24 holding three big-endian int64 store timestamps:
//   physicMsgTimestamp | logicsMsgTimestamp | indexMsgTimestamp
// RocketMQ rewrites it in place through a mapping; we keep its bytes but write
// it as tmp + fdatasync + rename + directory fsync, so a crash leaves the old
// or the new checkpoint, never a torn one.
//
// Thread-safety: thread-safe (atomics; Flush serialized by a mutex).

#include <atomic>
#include <cstdint>
#include <filesystem>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "rmq/io/file_system.h"

namespace rmq {

inline constexpr int kCheckpointFileSize = 4096;

class Checkpoint {
 public:
  // `fs` must outlive the checkpoint.
  Checkpoint(std::filesystem::path path, FileSystem& fs);
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;

  // Reads the file; a missing file means all zeros (a new store). A file of
  // another size is DataLoss.
  absl::Status Load();
  // Writes all three values atomically.
  absl::Status Flush();

  int64_t physic_msg_timestamp() const { return physic_.load(); }
  int64_t logics_msg_timestamp() const { return logics_.load(); }
  int64_t index_msg_timestamp() const { return index_.load(); }
  void set_physic_msg_timestamp(int64_t ts) { physic_.store(ts); }
  void set_logics_msg_timestamp(int64_t ts) { logics_.store(ts); }
  void set_index_msg_timestamp(int64_t ts) { index_.store(ts); }

  // max(0, min(physic, logics) - 3000): recovery trusts what is older.
  int64_t MinTimestamp() const;
  // min(MinTimestamp(), index): when the index must be rebuilt too.
  int64_t MinTimestampIndex() const;

 private:
  const std::filesystem::path path_;
  FileSystem& fs_;
  std::atomic<int64_t> physic_{0};
  std::atomic<int64_t> logics_{0};
  std::atomic<int64_t> index_{0};
  absl::Mutex flush_mu_;
};

}  // namespace rmq
