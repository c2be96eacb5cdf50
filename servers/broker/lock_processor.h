#pragma once
// LOCK_BATCH_MQ (41) and UNLOCK_BATCH_MQ (42): orderly consumers lock the
// queues they consume (remoting-protocol.md §9.3.7; bodies §11.4). Both
// answer at once from the RebalanceLockManager.
//
// Thread-safety: thread-safe (the lock manager is).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "broker/rebalance_lock_manager.h"
#include "remoting/remoting_command.h"

namespace rmq::broker {

// LockBatchRequestBody and UnlockBatchRequestBody share this shape:
// {"clientId":c,"consumerGroup":g,"mqSet":[MessageQueue...]}. Java's
// unlock body adds "onlyThisBroker", which the broker ignores.
struct LockBatchRequestBody {
  std::string consumer_group;
  std::string client_id;
  std::vector<MessageQueue> mq_set;

  bool operator==(const LockBatchRequestBody&) const = default;
};

// Lenient as clients need: any key order, unknown keys ignored, queueId as a
// number or a string of digits. InvalidArgument saying what is wrong (e.g.
// `mqSet[1]: "queueId" is not an integer`) when the body is empty or not
// JSON, consumerGroup or clientId is missing or empty, mqSet is missing or
// not an array, or an element is not a usable MessageQueue.
absl::StatusOr<LockBatchRequestBody> DecodeLockBatchRequestBody(
    std::string_view json);

// The request body as Java's fastjson writes it (keys sorted): what rmq's own
// tools send.
std::string EncodeLockBatchRequestBody(const LockBatchRequestBody& body);

// {"lockOKMQSet":[MessageQueue...]}, MessageQueue keys sorted as fastjson
// writes them.
std::string EncodeLockBatchResponseBody(std::span<const MessageQueue> mqs);

class LockProcessor {
 public:
  // `locks` must outlive the processor.
  explicit LockProcessor(RebalanceLockManager& locks);
  LockProcessor(const LockProcessor&) = delete;
  LockProcessor& operator=(const LockProcessor&) = delete;

  // True for the codes this processor answers.
  static bool Handles(int32_t code);
  // `now` stamps and ages the locks (the broker passes absl::Now()).
  remoting::RemotingCommand Handle(const remoting::RemotingCommand& request,
                                   absl::Time now);

 private:
  RebalanceLockManager& locks_;
};

}  // namespace rmq::broker
