#pragma once
// SEND_MESSAGE (10), SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320)
// (remoting-protocol.md §9.2): checks the topic and queue, creates topics
// from TBW102 when allowed, builds the stored message and appends it; the
// answer comes through `respond` once the store's flush policy is met
// (SYNC_FLUSH: after the flush), so no thread waits for the disk.
//
// Where RocketMQ 4.9.8 answers SYSTEM_ERROR for an illegal topic name (which
// makes the Java producer retry a send that can never succeed), we answer
// MESSAGE_ILLEGAL, as for an oversized message.
//
// Thread-safety: thread-safe.

#include <atomic>
#include <functional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "broker/broker_config.h"
#include "broker/send_message_header.h"
#include "broker/subscription_group_manager.h"
#include "broker/topic_config_manager.h"
#include "remoting/remoting_command.h"
#include "rmq/logger.h"
#include "rmq/store.h"

namespace rmq::broker {

using Respond = absl::AnyInvocable<void(remoting::RemotingCommand) &&>;

class SendMessageProcessor {
 public:
  // Everything must outlive the processor. `topic_created` runs after a send
  // created a topic (the broker re-registers with its nameservers).
  SendMessageProcessor(const BrokerConfig& config, MessageStore& store,
                       TopicConfigManager& topics,
                       SubscriptionGroupManager& groups, Logger& logger,
                       std::function<void()> topic_created);

  // `remote_addr` is the producer's "ip:port" (the stored born host).
  // `respond` is called exactly once, maybe on a store thread.
  void Handle(const remoting::RemotingCommand& request,
              const std::string& remote_addr, Respond respond);

 private:
  using Command = remoting::RemotingCommand;
  struct Target {
    TopicConfig topic;
    int32_t queue_id = 0;
  };

  // The topic (created if allowed) and queue the message goes to, or the
  // error response.
  absl::StatusOr<Target> ResolveTarget(const Command& request,
                                       SendMessageHeader& header,
                                       Command* error);
  // %RETRY% topics past their max reconsume times go to %DLQ%<group>.
  bool RedirectToDeadLetter(const Command& request, SendMessageHeader& header,
                            Target& target, Command* error);
  MessageToStore BuildMessage(const SendMessageHeader& header,
                              const Target& target,
                              const HostAddress& born_host) const;
  Command Stored(const Command& request, const std::vector<PutResult>& puts,
                 int32_t queue_id) const;
  void SendOne(const Command& request, MessageToStore message, int32_t queue_id,
               Respond respond);
  void SendBatch(const Command& request, const SendMessageHeader& header,
                 const Target& target, const HostAddress& born_host,
                 Respond respond);

  const BrokerConfig& config_;
  MessageStore& store_;
  TopicConfigManager& topics_;
  SubscriptionGroupManager& groups_;
  Logger& logger_;
  const std::function<void()> topic_created_;
  std::atomic<uint32_t> next_queue_{0};  // for queueId < 0
};

// How a store error is answered: the response code and its remark.
std::pair<int32_t, std::string> SendErrorResponse(const absl::Status& status);

}  // namespace rmq::broker
