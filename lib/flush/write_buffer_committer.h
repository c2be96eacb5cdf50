#pragma once
// Moves appended bytes from the write buffer into the segment files (the
// write-buffer path, RocketMQ's CommitRealTimeService): everything written
// since the last commit goes out in a few large writes (pwrite, or io_uring).
// Under SYNC_FLUSH the write is followed by an fdatasync (linked in the same
// submission with io_uring), so one round trip makes a whole group durable.
// A put waits until its bytes are committed, so a message is readable once
// Put returns. There is no committer thread: the first waiting producer
// commits for everyone (leader/follower), which spares a lone producer a
// thread hand-off per message.
//
// Thread-safety: thread-safe.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "commitlog/commit_log.h"
#include "flush/durability_tracker.h"
#include "rmq/io/file_system.h"
#include "rmq/logger.h"

namespace rmq {

class WriteBufferCommitter {
 public:
  // `sync`: also fdatasync each commit and advance the flushed watermark;
  // `on_synced(ts)` then runs like the flusher's. References must outlive
  // the committer; `log` must be in the write-buffer path.
  WriteBufferCommitter(bool sync, WriteBackend backend, CommitLog& log,
                       FileSystem& fs, DurabilityTracker& tracker,
                       Logger& logger, std::function<void(int64_t)> on_synced);
  ~WriteBufferCommitter();
  WriteBufferCommitter(const WriteBufferCommitter&) = delete;
  WriteBufferCommitter& operator=(const WriteBufferCommitter&) = delete;

  // Returns once everything below `end` is committed, committing it on the
  // caller's thread when no other commit is running. False when the store
  // turned read-only first (the bytes may never reach the file).
  bool WaitCommitted(int64_t end);
  // Commits everything appended so far from the caller's thread.
  absl::Status CommitAll();
  // "io_uring" or "pwrite" (or the test file system's name).
  std::string backend() const;

 private:
  absl::Status CommitAvailable();
  absl::Status CommitAvailableLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);
  absl::StatusOr<WritableFile*> FileFor(const MappedFile& segment)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);

  const bool sync_;
  const WriteBackend backend_kind_;
  CommitLog& log_;
  FileSystem& fs_;
  DurabilityTracker& tracker_;
  Logger& logger_;
  const std::function<void(int64_t)> on_synced_;

  absl::Mutex commit_mu_;  // one commit at a time (thread vs CommitAll)
  std::map<int64_t, std::unique_ptr<WritableFile>> files_
      ABSL_GUARDED_BY(commit_mu_);
  mutable absl::Mutex mu_;
  std::string backend_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rmq
