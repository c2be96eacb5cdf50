#pragma once
// Makes the commit log durable according to flushDiskType (store-format §11):
//
// SYNC_FLUSH (group commit): writers register a waiter; one flusher thread
// syncs everything committed so far and completes every waiter at or below the
// new flushed offset, so N concurrent writers share one sync. Waiters past
// syncFlushTimeout complete with timed_out (RocketMQ's FLUSH_DISK_TIMEOUT).
// Unlike RocketMQ's GroupCommitService, which polls flush() with sleep(1), the
// thread sleeps until a waiter arrives.
//
// ASYNC_FLUSH: every flushIntervalCommitLog ms, sync when at least
// flushCommitLogLeastPages pages are dirty, and everything once per
// flushCommitLogThoroughInterval.
//
// A failed sync turns the store read-only (the flushed watermark never moves
// without a successful sync).
//
// Thread-safety: thread-safe. Owns one thread, stopped by the destructor.

#include <cstdint>
#include <functional>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "commitlog/commit_log.h"
#include "flush/durability_tracker.h"
#include "rmq/logger.h"

namespace rmq {

struct FlushPolicy {
  bool sync = false;
  absl::Duration interval = absl::Milliseconds(500);
  int least_pages = 4;
  absl::Duration thorough_interval = absl::Seconds(10);
};

class CommitLogFlusher {
 public:
  // `on_synced(store_timestamp)` runs after each successful sync with the
  // store time of a message no newer than the synced data (the checkpoint's
  // physicMsgTimestamp). `log`, `tracker` and `logger` must outlive this.
  CommitLogFlusher(FlushPolicy policy, CommitLog& log,
                   DurabilityTracker& tracker, Logger& logger,
                   std::function<void(int64_t)> on_synced);
  ~CommitLogFlusher();
  CommitLogFlusher(const CommitLogFlusher&) = delete;
  CommitLogFlusher& operator=(const CommitLogFlusher&) = delete;

  void Start();
  // Syncs everything committed now, from the caller's thread.
  absl::Status FlushAll();

 private:
  void Run(std::stop_token stop);
  // Syncs up to the committed watermark if at least `least_pages` pages are
  // dirty (0: anything dirty).
  absl::Status FlushIfDirty(int least_pages);

  const FlushPolicy policy_;
  CommitLog& log_;
  DurabilityTracker& tracker_;
  Logger& logger_;
  const std::function<void(int64_t)> on_synced_;
  absl::Mutex sync_mu_;  // one sync at a time (thread vs FlushAll)
  std::jthread thread_;
};

}  // namespace rmq
