#include "consumequeue/unit_dispatcher.h"

#include <bit>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/thread_name.h"

namespace rmq {

UnitDispatcher::UnitDispatcher(
    UnitDispatcherOptions options, ConsumeQueueTable& queues,
    absl::AnyInvocable<void(absl::Status)> on_failure)
    : queues_(queues),
      on_failure_(std::move(on_failure)),
      ring_(std::bit_ceil(std::max<size_t>(options.capacity, 2))),
      mask_(ring_.size() - 1),
      last_timestamp_(options.last_timestamp),
      pinned_(std::max<size_t>(options.pinned_queues, 1)) {}

UnitDispatcher::~UnitDispatcher() { Stop(); }

void UnitDispatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  Drain(staged_);  // the appender is gone: everything pushed is published
}

void UnitDispatcher::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void UnitDispatcher::Drain(uint64_t until) {
  FastMutexLock lock(&drain_mu_);
  const uint64_t tail = tail_.load(std::memory_order_relaxed);
  if (tail >= until) return;  // another thread wrote them meanwhile
  WriteRange(tail, until);
  // One fence for the pass, then the dirty list: a locked exchange per unit
  // was a third of this thread's samples at 10,000 queues.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  for (uint64_t i = tail; i < until; ++i) {
    queues_.MarkDirtyAfterFence(*ring_[i & mask_].queue);
  }
  if (!failed_.load(std::memory_order_relaxed)) {
    last_timestamp_.store(ring_[(until - 1) & mask_].store_timestamp,
                          std::memory_order_release);
  }
  tail_.store(until, std::memory_order_release);
}

void UnitDispatcher::WriteRange(uint64_t from, uint64_t until) {
  // At 10,000 queues each unit's queue and file page are cold: the queue's
  // dispatcher line is fetched kAhead units ahead, its cursor's line half
  // as far (reading cursor_ needs the first).
  constexpr uint64_t kAhead = 16;
  for (uint64_t i = from; i < until; ++i) {
    if (i + kAhead < until) {
      ring_[(i + kAhead) & mask_].queue->PrefetchForDispatch();
    }
    if (i + kAhead / 2 < until) {
      ring_[(i + kAhead / 2) & mask_].queue->PrefetchCursor();
    }
    Write(ring_[i & mask_]);
  }
}

void UnitDispatcher::Write(const Item& item) {
  if (failed_.load(std::memory_order_relaxed)) return;
  ConsumeQueue& queue = *item.queue;
  pinned_.Keep(queue);
  absl::Status written = queue.PutUnit(item.queue_offset, item.unit);
  if (!written.ok()) {
    // PrepareUnits made room: this is a bug or a vanished file. The record
    // is in the log; recovery will index it. Later units are skipped: the
    // store stops taking writes.
    failed_.store(true, std::memory_order_release);
    on_failure_(Annotate(
        written, absl::StrCat("consume queue ", queue.topic(), "/",
                              queue.queue_id(), " unit ", item.queue_offset)));
  }
}

void UnitDispatcher::Run(std::stop_token stop) {
  NameThisThread("ReputMessage");
  while (!stop.stop_requested()) {
    Drain(head_.load(std::memory_order_acquire));
    absl::MutexLock lock(&mu_);
    auto stopping = [this]()
                        ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    // Polls every 1 ms, as RocketMQ's reput service does: readers catch up
    // themselves, and a full ring is drained by the appender.
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping),
                             absl::Milliseconds(1))) {
      return;
    }
  }
}

}  // namespace rmq
