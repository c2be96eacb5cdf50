#pragma once
// The broker's administrative and lookup requests (remoting-protocol.md
// §9.3.4, §9.4, §9.5): topic create/list/delete, queue offsets, messages by
// key and by id, runtime info and topic stats, subscription groups. All
// answer at once.
//
// Thread-safety: thread-safe.

#include <functional>
#include <map>
#include <string>

#include "broker/broker_config.h"
#include "broker/broker_stats.h"
#include "broker/subscription_group_manager.h"
#include "broker/topic_config_manager.h"
#include "remoting/remoting_command.h"
#include "rmq/logger.h"
#include "rmq/store.h"

namespace rmq::broker {

// "Java's" version fields the runtime info reports.
inline constexpr char kBrokerVersion[] = "409";
inline constexpr char kBrokerVersionDesc[] = "V4_9_8";

class AdminProcessor {
 public:
  // Everything must outlive the processor. `topics_changed` re-registers
  // with the nameservers (and returns when they answered or timed out);
  // `extra_runtime_info` adds the owner's entries (thread-pool queues, boot
  // time) to GET_BROKER_RUNTIME_INFO.
  AdminProcessor(
      const BrokerConfig& config, MessageStore& store,
      TopicConfigManager& topics, SubscriptionGroupManager& groups,
      const BrokerStats& stats, Logger& logger,
      std::function<void()> topics_changed,
      std::function<std::map<std::string, std::string>()> extra_runtime_info);

  // True for the codes this processor answers.
  static bool Handles(int32_t code);
  remoting::RemotingCommand Handle(const remoting::RemotingCommand& request);

 private:
  using Command = remoting::RemotingCommand;
  Command UpdateAndCreateTopic(const Command& request);
  Command DeleteTopic(const Command& request);
  Command OffsetLookup(const Command& request);
  Command QueryMessage(const Command& request);
  Command ViewMessageById(const Command& request);
  Command RuntimeInfo(const Command& request);
  Command TopicStats(const Command& request);
  Command UpdateSubscriptionGroup(const Command& request);
  Command DeleteSubscriptionGroup(const Command& request);

  const BrokerConfig& config_;
  MessageStore& store_;
  TopicConfigManager& topics_;
  SubscriptionGroupManager& groups_;
  const BrokerStats& stats_;
  Logger& logger_;
  const std::function<void()> topics_changed_;
  const std::function<std::map<std::string, std::string>()> extra_runtime_info_;
};

}  // namespace rmq::broker
