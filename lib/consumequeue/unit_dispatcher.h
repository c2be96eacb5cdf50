#pragma once
// Writes consume-queue units off the put path (the queue half of RocketMQ's
// ReputMessageService). The appender, under its lock, makes room in the
// queue (ConsumeQueue::PrepareUnits), appends the record, and pushes the unit
// here; a thread writes pushed units every millisecond, in push order.
//
// Read-your-writes: a reader calls CatchUp, which writes on the caller's
// thread every unit pushed before the call (as IndexBuilder::CatchUp does for
// keys), so a message is readable as soon as its Put returned. Nothing on the
// put path wakes a thread: a futex wake per put cost 10% of the CPU at 10,000
// queues (IndexBuilder's note). A full ring is drained by the appender
// itself.
//
// Thread-safety: Push/Publish by one thread at a time (the append lock); the
// rest from any thread. Whoever drains holds drain_mu_, so each queue's
// dispatcher side (PutUnit, its pin) has one writer at a time. Owns one
// thread, stopped by Stop or the destructor after a last drain.

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "base/fast_mutex.h"
#include "consumequeue/consume_queue_table.h"
#include "consumequeue/pinned_queues.h"
#include "rmq/consumequeue/cq_unit.h"

namespace rmq {

struct UnitDispatcherOptions {
  size_t capacity = size_t{1} << 16;  // units in flight, a power of two
  size_t pinned_queues = 16384;       // PinnedQueues capacity
  int64_t last_timestamp = 0;         // what recovery dispatched up to
};

class UnitDispatcher {
 public:
  struct Item {
    ConsumeQueue* queue;
    int64_t queue_offset;
    CqUnit unit;
    int64_t store_timestamp;  // the record's, for the logics checkpoint
  };

  // `on_failure` is called (once, from a draining thread) when a unit cannot
  // be written: the store stops taking writes, and recovery re-dispatches
  // from the log. `queues` must outlive the dispatcher.
  UnitDispatcher(UnitDispatcherOptions options, ConsumeQueueTable& queues,
                 absl::AnyInvocable<void(absl::Status)> on_failure);
  ~UnitDispatcher();
  UnitDispatcher(const UnitDispatcher&) = delete;
  UnitDispatcher& operator=(const UnitDispatcher&) = delete;

  void Start();
  // Stops the thread and writes what is left. Idempotent; CatchUp still
  // works afterwards.
  void Stop();

  // Appender only: queues `item`, visible to readers after Publish. Drains
  // the ring on this thread when it is full.
  void Push(const Item& item) {
    const uint64_t next = staged_;
    if (next - tail_.load(std::memory_order_acquire) >= ring_.size()) {
      // Its own units, published or not, are visible to the appender: it
      // writes them here rather than wait for another thread.
      Drain(next);
    }
    ring_[next & mask_] = item;
    staged_ = next + 1;
  }
  void Publish() { head_.store(staged_, std::memory_order_release); }

  // Writes every unit published before the call, unless another thread is
  // already writing them (then waits for it). Cheap when there is nothing
  // to write: two atomic loads.
  void CatchUp() {
    const uint64_t head = head_.load(std::memory_order_acquire);
    if (tail_.load(std::memory_order_acquire) < head) Drain(head);
  }

  // Store time of the last unit written: every unit of a record stored at
  // or before it is in its queue and on the dirty list. Stops advancing
  // after a failure, so the checkpoint never claims a unit that is missing.
  int64_t last_timestamp() const {
    return last_timestamp_.load(std::memory_order_acquire);
  }
  bool failed() const { return failed_.load(std::memory_order_acquire); }

 private:
  // Writes the units below `until` not yet written.
  void Drain(uint64_t until);
  // Writes ring entries [from, until), prefetching ahead.
  void WriteRange(uint64_t from, uint64_t until)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(drain_mu_);
  void Write(const Item& item) ABSL_EXCLUSIVE_LOCKS_REQUIRED(drain_mu_);
  void Run(std::stop_token stop);

  ConsumeQueueTable& queues_;
  absl::AnyInvocable<void(absl::Status)> on_failure_;
  std::vector<Item> ring_;
  const uint64_t mask_;
  // Appender only: pushed, not yet published. On a line of its own: beside
  // mask_, which the draining thread reads for every unit it writes, each
  // put's store to it took that line back from the other CPU (perf, 1M puts
  // over 10,000 queues: 37-41 of the writer's samples on the load after it
  // in two runs, against 4-7 at one queue and 3 with the line apart; the
  // phase's throughput moved within this VM's noise).
  alignas(64) uint64_t staged_ = 0;
  alignas(64) std::atomic<uint64_t> head_{0};  // published
  alignas(64) std::atomic<uint64_t> tail_{0};  // written
  std::atomic<int64_t> last_timestamp_;
  std::atomic<bool> failed_{false};

  FastMutex drain_mu_;
  PinnedQueues pinned_ ABSL_GUARDED_BY(drain_mu_);

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::jthread thread_;
};

}  // namespace rmq
