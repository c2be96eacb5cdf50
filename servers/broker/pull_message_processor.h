#pragma once
// PULL_MESSAGE (11) (remoting-protocol.md §9.3.1): permission and
// subscription checks, the read through the consume queue with the tag
// filter, RocketMQ's status mapping (FOUND / PULL_NOT_FOUND /
// PULL_RETRY_IMMEDIATELY / PULL_OFFSET_MOVED), long polling through
// PullRequestHoldService, and the commit-offset bit. The found records are
// handed back as views into the mapped commit log (with their pins), so the
// transport writes them without copying.
//
// Thread-safety: thread-safe.

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "broker/broker_config.h"
#include "broker/client_manager.h"
#include "broker/pull_request_hold_service.h"
#include "broker/subscription_group_manager.h"
#include "broker/topic_config_manager.h"
#include "remoting/remoting_command.h"
#include "rmq/logger.h"
#include "rmq/store.h"

namespace rmq::broker {

// A pull's answer: the response and, for FOUND, the stored records to send
// after its header, kept mapped by `keepalive`.
struct PullReply {
  remoting::RemotingCommand response;
  std::vector<std::span<const std::byte>> body;
  std::shared_ptr<const void> keepalive;
};
using PullRespond = absl::AnyInvocable<void(PullReply) &&>;

class PullMessageProcessor {
 public:
  // Everything must outlive the processor. `commit_offset(group, topic,
  // queue, offset)` stores a consumer offset (the commit bit).
  PullMessageProcessor(const BrokerConfig& config, MessageStore& store,
                       TopicConfigManager& topics,
                       SubscriptionGroupManager& groups,
                       const ClientManager& clients,
                       PullRequestHoldService& hold,
                       std::function<void(const std::string&,
                                          const std::string&, int32_t, int64_t)>
                           commit_offset);

  // `remote_addr` names the consumer in error remarks. `respond` runs once,
  // now or when a held pull is answered (on another thread).
  void Handle(const remoting::RemotingCommand& request,
              const std::string& remote_addr, PullRespond respond);

 private:
  struct Pull;  // the decoded request (pull_message_processor.cc)
  void Execute(std::shared_ptr<const Pull> pull, bool first,
               PullRespond respond);

  const BrokerConfig& config_;
  MessageStore& store_;
  TopicConfigManager& topics_;
  SubscriptionGroupManager& groups_;
  const ClientManager& clients_;
  PullRequestHoldService& hold_;
  const std::function<void(const std::string&, const std::string&, int32_t,
                           int64_t)>
      commit_offset_;
};

}  // namespace rmq::broker
