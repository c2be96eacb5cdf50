#include "broker/client_processor.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "broker/heartbeat_data.h"
#include "remoting/codes.h"

namespace rmq::broker {
namespace {

using remoting::RemotingCommand;
namespace code = remoting::request;
namespace rc = remoting::response;

// MixAll.RETRY_GROUP_TOPIC_PREFIX (to be moved next to the topic names).
constexpr std::string_view kRetryGroupTopicPrefix = "%RETRY%";
// TopicSysFlag.buildSysFlag(false, true): the unit-subscription bit.
constexpr int32_t kTopicSysFlagUnitSub = 2;

absl::string_view Sv(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// A required custom-header field (§4): Java rejects the request with
// SYSTEM_ERROR naming the field when it is missing.
std::optional<RemotingCommand> Require(const RemotingCommand& request,
                                       std::string_view name,
                                       std::string* value) {
  const std::string* found = request.ext_fields.Find(name);
  if (found == nullptr) {
    return RemotingCommand::ResponseTo(
        request, rc::kSystemError,
        absl::StrCat("the custom field <", Sv(name), "> is null"));
  }
  *value = *found;
  return std::nullopt;
}

std::string Optional(const RemotingCommand& request, std::string_view name) {
  const std::string* found = request.ext_fields.Find(name);
  return found != nullptr ? *found : std::string();
}

}  // namespace

ClientProcessor::ClientProcessor(ClientManager& clients,
                                 SubscriptionGroupManager& groups,
                                 TopicConfigManager& topics,
                                 ClientProcessorOptions options)
    : clients_(clients),
      groups_(groups),
      topics_(topics),
      options_(std::move(options)) {}

RemotingCommand ClientProcessor::Handle(const RemotingCommand& request,
                                        const ClientChannel& channel,
                                        absl::Time now) {
  switch (request.code) {
    case code::kHeartBeat:
      return HeartBeat(request, channel, now);
    case code::kUnregisterClient:
      return UnregisterClient(request, channel);
    case code::kGetConsumerListByGroup:
      return ConsumerListByGroup(request);
    case code::kGetConsumerConnectionList:
      return ConsumerConnectionList(request);
    case code::kGetProducerConnectionList:
      return ProducerConnectionList(request);
    default:
      return RemotingCommand::ResponseTo(
          request, rc::kRequestCodeNotSupported,
          absl::StrCat(" request type ", request.code, " not supported"));
  }
}

RemotingCommand ClientProcessor::HeartBeat(const RemotingCommand& request,
                                           const ClientChannel& channel,
                                           absl::Time now) {
  absl::StatusOr<HeartbeatData> data = DecodeHeartbeatData(request.body);
  if (!data.ok()) {
    Log(LogLevel::kWarn, absl::StrCat("HEART_BEAT from ", channel.remote_addr,
                                      " refused: ", data.status().message()));
    return RemotingCommand::ResponseTo(request, rc::kSystemError,
                                       std::string(data.status().message()));
  }
  ClientChannel from = channel;
  from.language = request.language;
  from.version = request.version;
  from.client_id = data->client_id;

  for (const ConsumerData& consumer : data->consumers) {
    // Java registers the consumer even when the group config may not be
    // created (autoCreateSubscriptionGroup off): pulls are refused later,
    // with SUBSCRIPTION_GROUP_NOT_EXIST.
    absl::StatusOr<SubscriptionGroupConfig> config = groups_.FindOrAutoCreate(
        consumer.group_name, options_.auto_create_subscription_group);
    if (config.ok()) {
      EnsureRetryTopic(*config, consumer.unit_mode);
    } else {
      Log(LogLevel::kWarn,
          absl::StrCat("HEART_BEAT from ", from.client_id, " (",
                       from.remote_addr, "): consumer group ",
                       consumer.group_name, ": ", config.status().message()));
    }
  }
  const HeartbeatResult result = clients_.Heartbeat(from, *data, now);
  for (const std::string& group : result.changed_consumer_groups) {
    Log(LogLevel::kInfo,
        absl::StrCat("consumer group ", group, " changed by heartbeat of ",
                     from.client_id, " ", from.remote_addr));
  }
  NotifyChanged(result.changed_consumer_groups);
  return RemotingCommand::ResponseTo(request, rc::kSuccess);
}

RemotingCommand ClientProcessor::UnregisterClient(
    const RemotingCommand& request, const ClientChannel& channel) {
  std::string client_id;
  if (auto error = Require(request, "clientID", &client_id)) return *error;
  const std::string producer_group = Optional(request, "producerGroup");
  const std::string consumer_group = Optional(request, "consumerGroup");
  const std::vector<std::string> changed = clients_.Unregister(
      channel.id, client_id, producer_group, consumer_group);
  for (const std::string& group : changed) {
    Log(LogLevel::kInfo,
        absl::StrCat("client ", client_id, " ", channel.remote_addr,
                     " unregistered from consumer group ", group));
  }
  NotifyChanged(changed);
  return RemotingCommand::ResponseTo(request, rc::kSuccess);
}

RemotingCommand ClientProcessor::ConsumerListByGroup(
    const RemotingCommand& request) {
  std::string group;
  if (auto error = Require(request, "consumerGroup", &group)) return *error;
  const std::vector<std::string> ids = clients_.ConsumerIds(group);
  if (ids.empty()) {
    return RemotingCommand::ResponseTo(
        request, rc::kSystemError,
        absl::StrCat("no consumer for this group, ", group));
  }
  RemotingCommand response = RemotingCommand::ResponseTo(request, rc::kSuccess);
  response.body = EncodeConsumerIdList(ids);
  return response;
}

RemotingCommand ClientProcessor::ConsumerConnectionList(
    const RemotingCommand& request) {
  std::string group;
  if (auto error = Require(request, "consumerGroup", &group)) return *error;
  const std::optional<ConsumerGroupInfo> info =
      clients_.FindConsumerGroup(group);
  if (!info.has_value()) {
    return RemotingCommand::ResponseTo(
        request, rc::kConsumerNotOnline,
        absl::StrCat("the consumer group[", group, "] not online"));
  }
  RemotingCommand response = RemotingCommand::ResponseTo(request, rc::kSuccess);
  response.body = EncodeConsumerConnection(*info);
  return response;
}

RemotingCommand ClientProcessor::ProducerConnectionList(
    const RemotingCommand& request) {
  std::string group;
  if (auto error = Require(request, "producerGroup", &group)) return *error;
  const std::vector<ClientChannel> channels = clients_.ProducerChannels(group);
  if (channels.empty()) {
    return RemotingCommand::ResponseTo(
        request, rc::kSystemError,
        absl::StrCat("the producer group[", group, "] not exist"));
  }
  RemotingCommand response = RemotingCommand::ResponseTo(request, rc::kSuccess);
  response.body = EncodeProducerConnection(channels);
  return response;
}

void ClientProcessor::ChannelClosed(uint64_t channel_id) {
  NotifyChanged(clients_.ChannelClosed(channel_id));
}

std::vector<uint64_t> ClientProcessor::ScanExpired(absl::Time now,
                                                   absl::Duration expiry) {
  ExpiryResult result = clients_.ScanExpired(now, expiry);
  for (uint64_t id : result.expired_channels) {
    Log(LogLevel::kWarn,
        absl::StrCat("client connection ", id, " sent no heartbeat for ",
                     absl::FormatDuration(expiry), ": closing it"));
  }
  NotifyChanged(result.changed_consumer_groups);
  return std::move(result.expired_channels);
}

void ClientProcessor::EnsureRetryTopic(const SubscriptionGroupConfig& config,
                                       bool unit_mode) {
  const std::string topic =
      absl::StrCat(Sv(kRetryGroupTopicPrefix), config.group_name);
  // The common case (every heartbeat of a known group) is a read that never
  // waits for disk I/O.
  if (topics_.Find(topic).has_value()) return;
  absl::StatusOr<TopicConfig> created = topics_.CreateForSendBack(
      topic, config.retry_queue_nums, kPermRead | kPermWrite,
      unit_mode ? kTopicSysFlagUnitSub : 0);
  if (!created.ok()) {
    // As in Java the heartbeat still succeeds; the consumer's retry route
    // lookup will fail until the topic can be created.
    Log(LogLevel::kError, absl::StrCat("creating ", topic, " failed: ",
                                       created.status().message()));
    return;
  }
  Log(LogLevel::kInfo, absl::StrCat("created retry topic ", topic));
  if (options_.on_topic_created) options_.on_topic_created(*created);
}

void ClientProcessor::NotifyChanged(const std::vector<std::string>& groups) {
  if (!options_.on_consumer_ids_changed) return;
  for (const std::string& group : groups) {
    // Find, not FindOrAutoCreate: a notification must not create a group.
    const std::optional<SubscriptionGroupConfig> config = groups_.Find(group);
    if (config.has_value() && !config->notify_consumer_ids_changed_enable) {
      continue;
    }
    const std::vector<ClientChannel> channels =
        clients_.ConsumerChannels(group);
    if (!channels.empty()) options_.on_consumer_ids_changed(group, channels);
  }
}

void ClientProcessor::Log(LogLevel level, const std::string& message) const {
  if (options_.logger != nullptr) options_.logger->Log(level, message);
}

}  // namespace rmq::broker
