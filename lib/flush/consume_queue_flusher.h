#pragma once
// Flushes consume queues (RocketMQ's FlushConsumeQueueService, §11.4): every
// flushIntervalConsumeQueue ms the queues that received units are synced when
// at least flushConsumeQueueLeastPages pages are dirty; once per
// flushConsumeQueueThoroughInterval everything is synced (files and
// directories) and then the checkpoint is written with the logics timestamp
// sampled before that pass, so the checkpoint never claims more than was
// synced.
//
// Thread-safety: thread-safe. Owns one thread, stopped by the destructor.

#include <cstdint>
#include <functional>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "consumequeue/consume_queue_table.h"
#include "rmq/logger.h"

namespace rmq {

struct ConsumeQueueFlushPolicy {
  absl::Duration interval = absl::Seconds(1);
  int least_pages = 2;
  absl::Duration thorough_interval = absl::Seconds(60);
};

class ConsumeQueueFlusher {
 public:
  // `logics_timestamp()` returns the store time of the last dispatched unit;
  // `on_thorough(ts)` persists it (the checkpoint) after a full pass.
  ConsumeQueueFlusher(ConsumeQueueFlushPolicy policy, ConsumeQueueTable& table,
                      FileSystem& fs, Logger& logger,
                      std::function<int64_t()> logics_timestamp,
                      std::function<absl::Status(int64_t)> on_thorough);
  ~ConsumeQueueFlusher();
  ConsumeQueueFlusher(const ConsumeQueueFlusher&) = delete;
  ConsumeQueueFlusher& operator=(const ConsumeQueueFlusher&) = delete;

  void Start();
  // A thorough pass from the caller's thread (Flush(), shutdown).
  absl::Status FlushAll();

 private:
  void Run(std::stop_token stop);
  absl::Status Pass(int least_pages);
  // Syncs the directories of queues created since the last thorough pass.
  absl::Status SyncNewDirectories();
  static constexpr size_t kMaxDirectorySyncs = 64;
  static constexpr size_t kMaxQueueSyncs = 256;

  const ConsumeQueueFlushPolicy policy_;
  ConsumeQueueTable& table_;
  FileSystem& fs_;
  Logger& logger_;
  const std::function<int64_t()> logics_timestamp_;
  const std::function<absl::Status(int64_t)> on_thorough_;
  absl::Mutex pass_mu_;
  absl::Mutex wait_mu_;
  bool stopping_ ABSL_GUARDED_BY(wait_mu_) = false;
  std::jthread thread_;
};

}  // namespace rmq
