#pragma once
// Long polling (remoting-protocol.md §10.6): a pull that finds nothing new
// is parked for its queue until a matching message arrives or its deadline
// passes, then retried once. Arrivals come from the store's
// on_message_arrived hook, so a waiting consumer hears of a message within
// microseconds of its append (RocketMQ checks on its 1 ms reput tick and
// sweeps every 5 s); deadlines are met by a thread that sleeps until the
// earliest one, not by a periodic sweep.
//
// Thread-safety: thread-safe. Owns one thread (Start/Stop). Retries run on
// the executor given to the constructor, never on the appending thread.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rmq/store.h"

namespace rmq::broker {

class PullRequestHoldService {
 public:
  using Retry = absl::AnyInvocable<void() &&>;
  // Runs a retry somewhere other than the caller's thread; false when it
  // could not (the retry is then run inline).
  using Dispatch = std::function<bool(Retry&)>;

  explicit PullRequestHoldService(Dispatch dispatch);
  ~PullRequestHoldService();  // Stop()
  PullRequestHoldService(const PullRequestHoldService&) = delete;
  PullRequestHoldService& operator=(const PullRequestHoldService&) = delete;

  void Start();
  // Retries every parked pull now (they answer "no new message"), then
  // joins the thread. Idempotent.
  void Stop();

  // Parks a pull of `topic`/`queue_id` waiting past `offset`: `retry` runs
  // once, when a message matching `filter` arrives at an offset >= `offset`,
  // or at `deadline`.
  void Park(std::string topic, int32_t queue_id, int64_t offset,
            TagFilter filter, absl::Time deadline, Retry retry);
  // The store appended a message (the queue's next offset is now
  // `next_offset`).
  void NotifyMessageArriving(std::string_view topic, int32_t queue_id,
                             int64_t next_offset, int64_t tags_code);
  // Wakes the pulls parked behind `next_offset` whatever their filter: the
  // caller parks a pull, then re-reads the queue's end, so a message that
  // arrived in between is not missed.
  void WakeBehind(std::string_view topic, int32_t queue_id,
                  int64_t next_offset);

  size_t parked() const { return parked_.load(std::memory_order_relaxed); }

 private:
  struct Parked {
    int64_t offset;
    TagFilter filter;
    absl::Time deadline;
    Retry retry;
  };
  void Wake(std::string_view topic, int32_t queue_id, int64_t next_offset,
            const int64_t* tags_code);
  void Run();
  void RunRetries(std::vector<Retry> retries);

  const Dispatch dispatch_;
  std::atomic<size_t> parked_{0};  // lets arrivals skip the lock when idle
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::vector<Parked>> waiting_
      ABSL_GUARDED_BY(mu_);  // by "topic@queueId"
  absl::Time earliest_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace rmq::broker
