#include "flush/durability_tracker.h"

#include <algorithm>
#include <vector>

#include "base/check.h"

namespace rmq {

void DurabilityTracker::Reset(int64_t offset, int64_t store_timestamp) {
  written_ = offset;
  committed_ = offset;
  flushed_ = offset;
  last_store_timestamp_ = store_timestamp;
  committed_store_timestamp_ = store_timestamp;
}

void DurabilityTracker::Appended(int64_t end, int64_t store_timestamp,
                                 bool also_committed) {
  RMQ_CHECK(end >= written_.load(), "written watermark moved backwards");
  written_.store(end, std::memory_order_release);
  last_store_timestamp_.store(store_timestamp, std::memory_order_release);
  if (also_committed) {
    committed_.store(end, std::memory_order_release);
    committed_store_timestamp_.store(store_timestamp,
                                     std::memory_order_release);
  }
}

void DurabilityTracker::Committed(int64_t end, int64_t store_timestamp) {
  RMQ_CHECK(end <= written_.load(), "committed past written");
  RMQ_CHECK(end >= committed_.load(), "committed watermark moved backwards");
  committed_.store(end, std::memory_order_release);
  committed_store_timestamp_.store(store_timestamp, std::memory_order_release);
}

void DurabilityTracker::Flushed(int64_t end) {
  RMQ_CHECK(end <= committed_.load(), "flushed past committed");
  if (end <= flushed_.load()) return;
  CompleteUpTo(end);
}

void DurabilityTracker::CompleteUpTo(int64_t end) {
  std::vector<Done> done;
  {
    // Stored under mu_: releasing it is what wakes the blocking waiters.
    absl::MutexLock lock(&mu_);
    flushed_.store(end, std::memory_order_release);
    while (!waiters_.empty() && waiters_.front().end <= end) {
      done.push_back(std::move(waiters_.front().done));
      waiters_.pop_front();
    }
  }
  for (Done& d : done) std::move(d)(false);
}

void DurabilityTracker::AddWaiter(int64_t end, absl::Time deadline, Done done) {
  {
    absl::MutexLock lock(&mu_);
    if (end > flushed_.load() && !read_only_.load()) {
      waiters_.push_back(Waiter{end, deadline, std::move(done)});
      wanted_ = std::max(wanted_, end);
      return;
    }
  }
  std::move(done)(read_only_.load() && end > flushed_.load());
}

bool DurabilityTracker::WaitFlushed(int64_t end, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  const uint64_t epoch = fail_epoch_;
  wanted_ = std::max(wanted_, end);
  // Evaluated by whichever thread releases mu_ (the flusher after storing
  // flushed_, or the waiter woken before us), so no one wakes us in a loop.
  auto settled = [this, end, epoch]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return flushed_.load(std::memory_order_relaxed) >= end ||
           read_only_.load(std::memory_order_relaxed) || fail_epoch_ != epoch;
  };
  mu_.AwaitWithDeadline(absl::Condition(&settled), deadline);
  return flushed_.load(std::memory_order_relaxed) < end;
}

bool DurabilityTracker::SyncWantedLocked() const {
  const int64_t flushed = flushed_.load(std::memory_order_relaxed);
  // committed_ is read without mu_, but a waiter registers only after its
  // data is committed, so a new wanted_ never waits for a later commit.
  return wanted_ > flushed && !read_only_.load() &&
         committed_.load(std::memory_order_acquire) > flushed;
}

absl::Time DurabilityTracker::NextDeadline() const {
  absl::MutexLock lock(&mu_);
  absl::Time next = absl::InfiniteFuture();
  for (const Waiter& w : waiters_) next = std::min(next, w.deadline);
  return next;
}

void DurabilityTracker::ExpireWaiters(absl::Time now) {
  std::vector<Done> expired;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->deadline <= now) {
        expired.push_back(std::move(it->done));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (Done& d : expired) std::move(d)(true);
}

void DurabilityTracker::FailWaiters() {
  std::deque<Waiter> all;
  {
    absl::MutexLock lock(&mu_);
    all.swap(waiters_);
    ++fail_epoch_;
  }
  for (Waiter& w : all) std::move(w.done)(true);
}

void DurabilityTracker::MarkReadOnly(const absl::Status& reason) {
  {
    absl::MutexLock lock(&mu_);
    if (read_only_.load()) return;
    read_only_reason_ = reason;
    read_only_.store(true);
  }
  FailWaiters();
}

absl::Status DurabilityTracker::read_only_reason() const {
  absl::MutexLock lock(&mu_);
  return read_only_reason_;
}

bool DurabilityTracker::WaitForWork(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto woken = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return woken_ || SyncWantedLocked();
  };
  const bool result = mu_.AwaitWithTimeout(absl::Condition(&woken), timeout);
  woken_ = false;
  return result;
}

void DurabilityTracker::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

}  // namespace rmq
