#pragma once
// Orderly-consumption locks (remoting-protocol.md §9.3.7): which client of a
// consumer group may consume each MessageQueue. RocketMQ's
// RebalanceLockManager, with the clock passed in so expiry is testable.
//
// Rules (Java 4.9.8): per group and MessageQueue at most one entry, owned by
// one clientId. An entry expires when more than `lock_max_live_time` (60 s,
// rocketmq.broker.rebalance.lockMaxLiveTime) has passed since its last
// successful lock or refresh; exactly 60 s later it is still held, as in
// Java's `now - lastUpdateTimestamp > maxLiveTime`. Entries live in memory
// only: after a broker restart every client simply locks again.

#include <rapidjson/document.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rmq::broker {

// A queue of a topic on one broker (Java's common.message.MessageQueue).
// Identity is all three fields (§11.7).
struct MessageQueue {
  std::string topic;
  std::string broker_name;
  int32_t queue_id = 0;

  friend bool operator==(const MessageQueue&, const MessageQueue&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const MessageQueue& mq) {
    return H::combine(std::move(h), mq.topic, mq.broker_name, mq.queue_id);
  }
};

// Appends {"brokerName":..,"queueId":..,"topic":..}: fastjson's sorted keys.
void AppendMessageQueueJson(const MessageQueue& mq, std::string* out);

// Reads one MessageQueue object in any key order, ignoring unknown keys;
// queueId may be a number or a string of digits. InvalidArgument naming the
// member when the value is not an object, "topic" or "brokerName" is missing
// or empty, or "queueId" is missing, not an integer or negative.
absl::StatusOr<MessageQueue> DecodeMessageQueue(const rapidjson::Value& value);

// Thread-safe. Memory: one entry per locked (group, queue); unlocked entries
// and emptied groups are removed, expired ones stay until taken over or
// unlocked (bounded by groups x queues, as in Java).
class RebalanceLockManager {
 public:
  static constexpr absl::Duration kDefaultLockMaxLiveTime = absl::Seconds(60);

  explicit RebalanceLockManager(
      absl::Duration lock_max_live_time = kDefaultLockMaxLiveTime);
  RebalanceLockManager(const RebalanceLockManager&) = delete;
  RebalanceLockManager& operator=(const RebalanceLockManager&) = delete;

  // Locks every queue of `mqs` that is free, already owned by `client_id`
  // (refreshed) or expired (ownership moves), stamping it with `now`.
  // Returns the queues `client_id` now holds, in first-seen order, each once.
  std::vector<MessageQueue> TryLockBatch(std::string_view group,
                                         std::span<const MessageQueue> mqs,
                                         std::string_view client_id,
                                         absl::Time now);

  // Removes the entries of `mqs` owned by `client_id` (expired or not);
  // entries of other clients are left alone.
  void UnlockBatch(std::string_view group, std::span<const MessageQueue> mqs,
                   std::string_view client_id);

  // True when `client_id` holds an unexpired lock on `mq`. A pure query:
  // unlike TryLockBatch it does not refresh the entry.
  bool IsLocked(std::string_view group, const MessageQueue& mq,
                std::string_view client_id, absl::Time now) const;

  absl::Duration lock_max_live_time() const { return lock_max_live_time_; }

 private:
  struct LockEntry {
    std::string client_id;
    absl::Time last_update;
  };
  using GroupLocks = absl::flat_hash_map<MessageQueue, LockEntry>;

  bool Expired(const LockEntry& entry, absl::Time now) const {
    return now - entry.last_update > lock_max_live_time_;
  }

  const absl::Duration lock_max_live_time_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, GroupLocks> groups_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rmq::broker
