#pragma once
// The broker's client-registration requests (remoting-protocol.md §9.1,
// §9.3.6, §9.5.5, §9.5.6): HEART_BEAT (34), UNREGISTER_CLIENT (35),
// GET_CONSUMER_LIST_BY_GROUP (38), GET_CONSUMER_CONNECTION_LIST (203) and
// GET_PRODUCER_CONNECTION_LIST (204). One request in, its response out; the
// broker sends NOTIFY_CONSUMER_IDS_CHANGED through a hook, so nothing here
// touches a socket.
//
// Thread-safety: thread-safe (the managers are); the hooks may be called
// from any thread that calls in.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "broker/client_manager.h"
#include "broker/subscription_group_manager.h"
#include "broker/topic_config.h"
#include "broker/topic_config_manager.h"
#include "remoting/remoting_command.h"
#include "rmq/logger.h"

namespace rmq::broker {

struct ClientProcessorOptions {
  // BrokerConfig.autoCreateSubscriptionGroup: a heartbeat from an unknown
  // consumer group creates its subscription-group config.
  bool auto_create_subscription_group = true;
  // Send NOTIFY_CONSUMER_IDS_CHANGED (oneway, header consumerGroup = group,
  // no body) to each of `channels`. Called after a membership change for
  // groups whose notifyConsumerIdsChangedEnable is on, never with an empty
  // list. Unset: nobody is told.
  std::function<void(const std::string& group,
                     const std::vector<ClientChannel>& channels)>
      on_consumer_ids_changed;
  // A heartbeat created %RETRY%<group>: register it with the nameservers
  // now, because clients look up its route right after the heartbeat.
  std::function<void(const TopicConfig& topic)> on_topic_created;
  std::shared_ptr<Logger> logger;  // null: no logging
};

class ClientProcessor {
 public:
  // The managers must outlive the processor.
  ClientProcessor(ClientManager& clients, SubscriptionGroupManager& groups,
                  TopicConfigManager& topics,
                  ClientProcessorOptions options = {});

  // The response to `request` (one of the five codes; any other code gets
  // REQUEST_CODE_NOT_SUPPORTED), received on `channel` at `now`. Only the
  // id and remote address of `channel` are used: the language and version
  // come from the request and the client id from its body or header, as
  // Java records them. A oneway request still gets a response, which the
  // caller drops.
  remoting::RemotingCommand Handle(const remoting::RemotingCommand& request,
                                   const ClientChannel& channel,
                                   absl::Time now);

  // The connection closed: forget it and notify the consumer groups it
  // left.
  void ChannelClosed(uint64_t channel_id);

  // The periodic scan (every 10 s): forgets silent registrations, notifies
  // the groups that lost members, and returns the connections the caller
  // must close.
  std::vector<uint64_t> ScanExpired(absl::Time now,
                                    absl::Duration expiry = kClientExpiry);

 private:
  using Command = remoting::RemotingCommand;
  Command HeartBeat(const Command& request, const ClientChannel& channel,
                    absl::Time now);
  Command UnregisterClient(const Command& request,
                           const ClientChannel& channel);
  Command ConsumerListByGroup(const Command& request);
  Command ConsumerConnectionList(const Command& request);
  Command ProducerConnectionList(const Command& request);

  // %RETRY%<group> with the group's retryQueueNums, perm RW, created when
  // missing.
  void EnsureRetryTopic(const SubscriptionGroupConfig& config, bool unit_mode);
  // Sends the notification to every member left in each of `groups`.
  void NotifyChanged(const std::vector<std::string>& groups);
  void Log(LogLevel level, const std::string& message) const;

  ClientManager& clients_;
  SubscriptionGroupManager& groups_;
  TopicConfigManager& topics_;
  const ClientProcessorOptions options_;
};

}  // namespace rmq::broker
