#pragma once
// CONSUMER_SEND_MSG_BACK (36), "consume later" (remoting-protocol.md §9.3.5,
// §10.9; store-format.md §16.2): a consumer returns a message it failed to
// consume; the broker stores a copy in %RETRY%<group> through the delay
// levels (the n-th retry waits level 3+n-1), or in %DLQ%<group> once the
// message has been retried max times or the consumer asked for the DLQ.
//
// Answers at once: the copy is stored with WAIT=false, as Java does, so no
// flush is waited for.
//
// Thread-safety: thread-safe.

#include <atomic>
#include <cstdint>
#include <functional>

#include "broker/broker_config.h"
#include "broker/subscription_group_manager.h"
#include "broker/topic_config_manager.h"
#include "remoting/remoting_command.h"
#include "rmq/logger.h"
#include "rmq/store.h"

namespace rmq::broker {

inline constexpr std::string_view kPropertyRetryTopic = "RETRY_TOPIC";
inline constexpr std::string_view kPropertyOriginMessageId =
    "ORIGIN_MESSAGE_ID";

class SendBackProcessor {
 public:
  // Everything must outlive the processor. `on_topic_created` runs after a
  // %RETRY% or %DLQ% topic was created (the broker re-registers with its
  // nameservers).
  SendBackProcessor(const BrokerConfig& config, MessageStore& store,
                    TopicConfigManager& topics,
                    SubscriptionGroupManager& groups, Logger& logger,
                    std::function<void()> on_topic_created);

  static bool Handles(int32_t code);
  remoting::RemotingCommand Handle(const remoting::RemotingCommand& request);

 private:
  using Command = remoting::RemotingCommand;

  // The topic, created (1 read = write queue count, `perm`) when missing;
  // an error response otherwise.
  absl::StatusOr<TopicConfig> TopicForSendBack(const Command& request,
                                               const std::string& topic,
                                               int32_t queue_nums,
                                               Command* error);

  const BrokerConfig& config_;
  MessageStore& store_;
  TopicConfigManager& topics_;
  SubscriptionGroupManager& groups_;
  Logger& logger_;
  const std::function<void()> on_topic_created_;
  // Java picks the retry queue at random; turning round the queues spreads
  // them as evenly and keeps tests deterministic.
  std::atomic<uint32_t> next_queue_{0};
};

}  // namespace rmq::broker
