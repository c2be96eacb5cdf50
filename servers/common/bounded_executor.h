#pragma once
// A fixed pool of worker threads with a bounded queue: RocketMQ's
// per-request-kind executors (sendMessageThreadPoolNums /
// sendThreadPoolQueueCapacity, ...). Work that does not fit is refused, and
// the caller answers SYSTEM_BUSY instead of letting requests pile up.
//
// Thread-safety: thread-safe. The destructor stops the workers after the
// queued work has run.

#include <cstddef>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace rmq::server {

class BoundedExecutor {
 public:
  using Task = absl::AnyInvocable<void() &&>;

  BoundedExecutor(int threads, size_t capacity);
  ~BoundedExecutor();
  BoundedExecutor(const BoundedExecutor&) = delete;
  BoundedExecutor& operator=(const BoundedExecutor&) = delete;

  // False (and `task` dropped) when the queue is full or the executor stops.
  bool TrySubmit(Task task);
  // Runs what is queued, then joins the workers. Idempotent.
  void Stop();

  size_t queue_size() const;
  size_t capacity() const { return capacity_; }

 private:
  void Work();

  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace rmq::server
