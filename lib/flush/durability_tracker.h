#pragma once
// The commit log's three watermarks and the writers waiting on them:
//   flushed <= committed <= written
// written: appended; committed: readable in the file; flushed: synced. In the
// mmap write path committed == written. The invariant is checked on every
// update (a violation is a bug and aborts). The flushed watermark only moves
// after a successful sync; after a failed one the store turns read-only and
// stays so until reopened (retrying fsync after EIO is unsafe on Linux: the
// failed pages may already be marked clean).
//
// Waiters (SYNC_FLUSH puts) complete when flushed reaches their end offset, or
// with timed_out at their deadline. Two kinds:
//  * blocking (WaitFlushed, a thread in Put): the thread sleeps on mu_ with a
//    condition. The flusher only stores the new flushed offset under mu_; the
//    mutex then wakes one satisfied waiter, and each woken waiter wakes the
//    next when it releases mu_. The flusher pays one wake-up per sync rather
//    than one per waiter, and is back in the next sync while the waiters wake
//    each other: with 64 waiters on 2 CPUs, waking them all from the flusher
//    kept it off the disk for ~0.45 ms per sync (docs/benchmarks.md).
//  * callbacks (AddWaiter, PutAsync): run by the flusher after the sync.
//    Appends are serialized, so they arrive in offset order and live in a
//    deque.
//
// Thread-safety: thread-safe. Completion callbacks run outside the lock.

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rmq {

class DurabilityTracker {
 public:
  using Done = absl::AnyInvocable<void(bool timed_out) &&>;

  DurabilityTracker() = default;
  DurabilityTracker(const DurabilityTracker&) = delete;
  DurabilityTracker& operator=(const DurabilityTracker&) = delete;

  // Sets all three (after recovery) and the last store time.
  void Reset(int64_t offset, int64_t store_timestamp);

  int64_t written() const { return written_.load(std::memory_order_acquire); }
  int64_t committed() const {
    return committed_.load(std::memory_order_acquire);
  }
  int64_t flushed() const { return flushed_.load(std::memory_order_acquire); }
  // Store time of the last appended message; read it BEFORE written() to get
  // a timestamp no newer than the data up to written().
  int64_t last_store_timestamp() const {
    return last_store_timestamp_.load(std::memory_order_acquire);
  }
  // Store time of a message no newer than the data up to committed(), when
  // read BEFORE committed() (the checkpoint's physicMsgTimestamp source).
  int64_t committed_store_timestamp() const {
    return committed_store_timestamp_.load(std::memory_order_acquire);
  }

  // Appender (under the append lock).
  void Appended(int64_t end, int64_t store_timestamp, bool also_committed);
  // Committer: everything below `end` is in the files; `store_timestamp` was
  // read (last_store_timestamp) before `end` was (written).
  void Committed(int64_t end, int64_t store_timestamp);
  // Flusher, after a successful sync of everything below `end`.
  void Flushed(int64_t end);

  // Registers a writer waiting for `end` to be flushed by `deadline`.
  void AddWaiter(int64_t end, absl::Time deadline, Done done);
  // Blocks until `end` is flushed, or `deadline` passes, or the waiters are
  // failed (read-only store, FailWaiters). Returns true (timed out) unless
  // `end` was flushed.
  [[nodiscard]] bool WaitFlushed(int64_t end, absl::Time deadline);
  // Earliest callback waiter deadline (InfiniteFuture when none); blocking
  // waiters enforce their own.
  absl::Time NextDeadline() const;
  // Completes waiters past their deadline with timed_out.
  void ExpireWaiters(absl::Time now);
  // Completes every waiter with timed_out (shutdown, failed sync).
  void FailWaiters();

  // Read-only after a failed sync or another unrecoverable write error.
  void MarkReadOnly(const absl::Status& reason);
  bool read_only() const { return read_only_.load(); }
  absl::Status read_only_reason() const;

  // Blocks until something happens worth a flusher's attention: a waiter
  // needs data that is committed but not flushed yet, `timeout` passes, or
  // Wake() is called. Returns true if woken.
  bool WaitForWork(absl::Duration timeout);
  void Wake();

 private:
  void CompleteUpTo(int64_t end);
  // A waiter wants something the flusher can sync now.
  bool SyncWantedLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  std::atomic<int64_t> written_{0};
  std::atomic<int64_t> committed_{0};
  std::atomic<int64_t> flushed_{0};
  std::atomic<int64_t> last_store_timestamp_{0};
  std::atomic<int64_t> committed_store_timestamp_{0};
  std::atomic<bool> read_only_{false};

  struct Waiter {
    int64_t end;
    absl::Time deadline;
    Done done;
  };
  mutable absl::Mutex mu_;
  std::deque<Waiter> waiters_ ABSL_GUARDED_BY(mu_);
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  // The highest end offset any waiter (either kind) has asked for.
  int64_t wanted_ ABSL_GUARDED_BY(mu_) = 0;
  // Bumped by FailWaiters: blocking waiters registered before give up.
  uint64_t fail_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status read_only_reason_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rmq
