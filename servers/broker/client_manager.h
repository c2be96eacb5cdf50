#pragma once
// The broker's client tables (RocketMQ's ProducerManager + ConsumerManager;
// remoting-protocol.md §9.1, §10.3-10.4): which connections host which
// producer and consumer groups, each consumer group's settings and
// subscription table, and when each registration was last refreshed.
//
// It sends nothing and closes nothing: every change reports what the caller
// has to do (notify a consumer group, close an expired connection), so the
// tables can be tested without sockets and with an injected time.
//
// Thread-safety: every method may be called from any thread.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "broker/heartbeat_data.h"
#include "remoting/remoting_command.h"

namespace rmq::broker {

// Java's ClientExpiredTimeout: a registration not refreshed by a heartbeat
// for longer than this is dropped (§10.4).
inline constexpr absl::Duration kClientExpiry = absl::Seconds(120);

// One client connection as the tables see it. `id` identifies the connection
// (the transport's connection id); the rest is what GET_*_CONNECTION_LIST
// reports.
struct ClientChannel {
  uint64_t id = 0;
  std::string remote_addr;  // "ip:port"
  remoting::LanguageCode language = remoting::LanguageCode::kJava;
  int32_t version = 0;
  std::string client_id;

  bool operator==(const ClientChannel&) const = default;
};

// A snapshot of one consumer group.
struct ConsumerGroupInfo {
  std::string group_name;
  ConsumeType consume_type = ConsumeType::kPassively;
  MessageModel message_model = MessageModel::kClustering;
  ConsumeFromWhere consume_from_where = ConsumeFromWhere::kLastOffset;
  std::vector<SubscriptionData> subscriptions;  // sorted by topic
  std::vector<ClientChannel> channels;  // sorted by client id, then addr
};

struct HeartbeatResult {
  // Consumer groups that gained this connection or whose topic set changed:
  // every member should get NOTIFY_CONSUMER_IDS_CHANGED. Sorted.
  std::vector<std::string> changed_consumer_groups;
  // Every consumer group of the heartbeat, once each: Java ensures
  // %RETRY%<group> exists on every heartbeat, so a retry topic an operator
  // deleted comes back.
  std::vector<std::string> retry_topic_groups;
};

struct ExpiryResult {
  // Connections silent for longer than the expiry: the caller closes them.
  std::vector<uint64_t> expired_channels;
  // Consumer groups that lost a member (sorted), to be notified.
  std::vector<std::string> changed_consumer_groups;
};

class ClientManager {
 public:
  ClientManager() = default;
  ClientManager(const ClientManager&) = delete;
  ClientManager& operator=(const ClientManager&) = delete;

  // Registers or refreshes every group of `data` for `channel` (§9.1.1 steps
  // 2, 4, 5). The registered client id is `data.client_id`, whatever
  // `channel.client_id` says. A consumer group takes the heartbeat's
  // consumeType, messageModel and consumeFromWhere; its subscription table
  // gains the new topics, loses the topics no longer listed, and replaces an
  // entry only when the new subVersion is larger. As in Java, only a new
  // connection or a changed topic set counts as a change: a replaced entry
  // for the same topic does not change the rebalance, and a client that
  // bumps subVersion on every heartbeat must not cause a rebalance storm.
  HeartbeatResult Heartbeat(const ClientChannel& channel,
                            const HeartbeatData& data, absl::Time now);

  // UNREGISTER_CLIENT: removes the connection from the named groups (an
  // empty name means none). Matched by connection, as Java does; when the
  // connection is not in the group, the registration of `client_id` is
  // removed instead (the client is shutting down either way). Returns the
  // consumer group when it lost a member.
  std::vector<std::string> Unregister(uint64_t channel_id,
                                      const std::string& client_id,
                                      const std::string& producer_group,
                                      const std::string& consumer_group);

  // The connection closed: removes it from every group. Returns the consumer
  // groups that lost a member, sorted.
  std::vector<std::string> ChannelClosed(uint64_t channel_id);

  // The periodic scan (Java: every 10 s). Drops each group registration not
  // refreshed for longer than `expiry`, and reports the connections that
  // sent no heartbeat for longer than `expiry` (forgotten here; the caller
  // closes them). A connection that still heartbeats but stopped listing a
  // group loses that group only.
  ExpiryResult ScanExpired(absl::Time now,
                           absl::Duration expiry = kClientExpiry);

  // ---- Queries ----

  std::optional<ConsumerGroupInfo> FindConsumerGroup(
      const std::string& group) const;
  // The distinct client ids of the group's connections, sorted (what
  // GET_CONSUMER_LIST_BY_GROUP answers). Empty for an unknown group.
  std::vector<std::string> ConsumerIds(const std::string& group) const;
  // Whom to send NOTIFY_CONSUMER_IDS_CHANGED. Sorted as ConsumerGroupInfo.
  std::vector<ClientChannel> ConsumerChannels(const std::string& group) const;
  // Empty for an unknown group: a group with no connection is forgotten.
  std::vector<ClientChannel> ProducerChannels(const std::string& group) const;
  // The heartbeat-registered subscription of `group` to `topic`.
  std::optional<SubscriptionData> FindSubscription(
      const std::string& group, const std::string& topic) const;

 private:
  struct Registration {
    ClientChannel channel;
    absl::Time last_update;
  };
  using Registrations = absl::flat_hash_map<uint64_t, Registration>;
  struct ConsumerGroup {
    ConsumeType consume_type = ConsumeType::kPassively;
    MessageModel message_model = MessageModel::kClustering;
    ConsumeFromWhere consume_from_where = ConsumeFromWhere::kLastOffset;
    std::map<std::string, SubscriptionData> subscriptions;  // by topic
    Registrations connections;
  };
  struct ChannelState {
    absl::Time last_heartbeat;
  };

  // Removes `channel_id` from every group; groups left empty are forgotten.
  std::vector<std::string> RemoveChannelLocked(uint64_t channel_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static std::vector<ClientChannel> SortedChannels(const Registrations& regs);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, ConsumerGroup> consumers_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Registrations> producers_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, ChannelState> channels_ ABSL_GUARDED_BY(mu_);
};

// ---- Bodies (§9.3.6, §9.5.5, §9.5.6, §11.5) ----

// {"clientAddr":"127.0.0.1:54321","clientId":"127.0.0.1@4242",
//  "language":"JAVA","version":409}
void AppendConnectionJson(const ClientChannel& channel, std::string* out);
// ProducerConnection: {"connectionSet":[Connection,...]}
std::string EncodeProducerConnection(
    const std::vector<ClientChannel>& channels);
// ConsumerConnection, keys sorted: {"connectionSet":[...],
// "consumeFromWhere":"...","consumeType":"...","messageModel":"...",
// "subscriptionTable":{"<topic>":SubscriptionData,...}}
std::string EncodeConsumerConnection(const ConsumerGroupInfo& info);
// GetConsumerListByGroupResponseBody: {"consumerIdList":["id",...]}
std::string EncodeConsumerIdList(const std::vector<std::string>& ids);

}  // namespace rmq::broker
