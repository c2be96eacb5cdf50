#include "broker/client_manager.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "remoting/json_header.h"

namespace rmq::broker {
namespace {

using remoting::AppendJsonString;

template <typename Map, typename Pred>
bool EraseIf(Map& map, Pred pred) {
  bool erased = false;
  for (auto it = map.begin(); it != map.end();) {
    if (pred(*it)) {
      map.erase(it++);  // absl's erase(iterator) returns void
      erased = true;
    } else {
      ++it;
    }
  }
  return erased;
}

std::vector<std::string> ToVector(std::set<std::string> names) {
  return std::vector<std::string>(std::make_move_iterator(names.begin()),
                                  std::make_move_iterator(names.end()));
}

}  // namespace

HeartbeatResult ClientManager::Heartbeat(const ClientChannel& from,
                                         const HeartbeatData& data,
                                         absl::Time now) {
  ClientChannel channel = from;
  channel.client_id = data.client_id;
  std::set<std::string> changed;
  std::set<std::string> retry;

  absl::MutexLock lock(&mu_);
  channels_[channel.id].last_heartbeat = now;
  for (const ConsumerData& c : data.consumers) {
    ConsumerGroup& group = consumers_[c.group_name];
    group.consume_type = c.consume_type;
    group.message_model = c.message_model;
    group.consume_from_where = c.consume_from_where;

    auto [reg, joined] = group.connections.try_emplace(channel.id);
    // A known connection may report a new client id (Java logs it as a bug
    // and takes the new one), language or version.
    reg->second.channel = channel;
    reg->second.last_update = now;
    bool group_changed = joined;

    for (const SubscriptionData& sub : c.subscriptions) {
      auto [it, added] = group.subscriptions.try_emplace(sub.topic, sub);
      if (added) {
        group_changed = true;
      } else if (sub.sub_version > it->second.sub_version) {
        it->second = sub;
      }
    }
    // The heartbeat's set is the group's set: topics it no longer lists go
    // (Java assumes every member of a group subscribes alike).
    const bool dropped = EraseIf(group.subscriptions, [&c](const auto& entry) {
      return std::none_of(c.subscriptions.begin(), c.subscriptions.end(),
                          [&entry](const SubscriptionData& s) {
                            return s.topic == entry.first;
                          });
    });
    if (group_changed || dropped) changed.insert(c.group_name);
    retry.insert(c.group_name);
  }
  for (const ProducerData& p : data.producers) {
    Registration& reg = producers_[p.group_name][channel.id];
    reg.channel = channel;
    reg.last_update = now;
  }
  return HeartbeatResult{ToVector(std::move(changed)),
                         ToVector(std::move(retry))};
}

std::vector<std::string> ClientManager::Unregister(
    uint64_t channel_id, const std::string& client_id,
    const std::string& producer_group, const std::string& consumer_group) {
  auto remove = [&](Registrations& regs) {
    if (regs.erase(channel_id) > 0) return true;
    if (client_id.empty()) return false;
    return EraseIf(regs, [&client_id](const auto& entry) {
      return entry.second.channel.client_id == client_id;
    });
  };
  std::vector<std::string> changed;
  absl::MutexLock lock(&mu_);
  if (!producer_group.empty()) {
    auto it = producers_.find(producer_group);
    if (it != producers_.end() && remove(it->second) && it->second.empty()) {
      producers_.erase(it);
    }
  }
  if (!consumer_group.empty()) {
    auto it = consumers_.find(consumer_group);
    if (it != consumers_.end() && remove(it->second.connections)) {
      changed.push_back(consumer_group);
      if (it->second.connections.empty()) consumers_.erase(it);
    }
  }
  return changed;
}

std::vector<std::string> ClientManager::RemoveChannelLocked(
    uint64_t channel_id) {
  std::set<std::string> changed;
  EraseIf(consumers_, [&](auto& entry) {
    if (entry.second.connections.erase(channel_id) > 0) {
      changed.insert(entry.first);
    }
    return entry.second.connections.empty();
  });
  EraseIf(producers_, [&](auto& entry) {
    entry.second.erase(channel_id);
    return entry.second.empty();
  });
  return ToVector(std::move(changed));
}

std::vector<std::string> ClientManager::ChannelClosed(uint64_t channel_id) {
  absl::MutexLock lock(&mu_);
  channels_.erase(channel_id);
  return RemoveChannelLocked(channel_id);
}

ExpiryResult ClientManager::ScanExpired(absl::Time now, absl::Duration expiry) {
  auto stale = [&](absl::Time last) { return now - last > expiry; };
  ExpiryResult result;
  std::set<std::string> changed;

  absl::MutexLock lock(&mu_);
  EraseIf(consumers_, [&](auto& entry) {
    if (EraseIf(entry.second.connections, [&](const auto& reg) {
          return stale(reg.second.last_update);
        })) {
      changed.insert(entry.first);
    }
    return entry.second.connections.empty();
  });
  EraseIf(producers_, [&](auto& entry) {
    EraseIf(entry.second,
            [&](const auto& reg) { return stale(reg.second.last_update); });
    return entry.second.empty();
  });
  EraseIf(channels_, [&](const auto& entry) {
    if (!stale(entry.second.last_heartbeat)) return false;
    result.expired_channels.push_back(entry.first);
    return true;
  });
  std::sort(result.expired_channels.begin(), result.expired_channels.end());
  // A registration is never fresher than its connection's last heartbeat,
  // so the expired connections' registrations are already gone; this only
  // guards that invariant.
  for (uint64_t id : result.expired_channels) {
    for (std::string& group : RemoveChannelLocked(id)) {
      changed.insert(std::move(group));
    }
  }
  result.changed_consumer_groups = ToVector(std::move(changed));
  return result;
}

std::vector<ClientChannel> ClientManager::SortedChannels(
    const Registrations& regs) {
  std::vector<ClientChannel> channels;
  channels.reserve(regs.size());
  for (const auto& [id, reg] : regs) channels.push_back(reg.channel);
  std::sort(channels.begin(), channels.end(),
            [](const ClientChannel& a, const ClientChannel& b) {
              return std::tie(a.client_id, a.remote_addr, a.id) <
                     std::tie(b.client_id, b.remote_addr, b.id);
            });
  return channels;
}

std::optional<ConsumerGroupInfo> ClientManager::FindConsumerGroup(
    const std::string& group) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = consumers_.find(group);
  if (it == consumers_.end()) return std::nullopt;
  const ConsumerGroup& g = it->second;
  ConsumerGroupInfo info;
  info.group_name = group;
  info.consume_type = g.consume_type;
  info.message_model = g.message_model;
  info.consume_from_where = g.consume_from_where;
  for (const auto& [topic, sub] : g.subscriptions) {
    info.subscriptions.push_back(sub);
  }
  info.channels = SortedChannels(g.connections);
  return info;
}

std::vector<std::string> ClientManager::ConsumerIds(
    const std::string& group) const {
  std::set<std::string> ids;
  absl::ReaderMutexLock lock(&mu_);
  auto it = consumers_.find(group);
  if (it == consumers_.end()) return {};
  // Two connections of one client (a reconnect the broker has not noticed
  // yet) must not count twice in the client's queue allocation.
  for (const auto& [id, reg] : it->second.connections) {
    ids.insert(reg.channel.client_id);
  }
  return ToVector(std::move(ids));
}

std::vector<ClientChannel> ClientManager::ConsumerChannels(
    const std::string& group) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = consumers_.find(group);
  if (it == consumers_.end()) return {};
  return SortedChannels(it->second.connections);
}

std::vector<ClientChannel> ClientManager::ProducerChannels(
    const std::string& group) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = producers_.find(group);
  if (it == producers_.end()) return {};
  return SortedChannels(it->second);
}

std::optional<SubscriptionData> ClientManager::FindSubscription(
    const std::string& group, const std::string& topic) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = consumers_.find(group);
  if (it == consumers_.end()) return std::nullopt;
  auto sub = it->second.subscriptions.find(topic);
  if (sub == it->second.subscriptions.end()) return std::nullopt;
  return sub->second;
}

void AppendConnectionJson(const ClientChannel& channel, std::string* out) {
  out->append(R"({"clientAddr":)");
  AppendJsonString(channel.remote_addr, out);
  out->append(R"(,"clientId":)");
  AppendJsonString(channel.client_id, out);
  out->append(R"(,"language":)");
  AppendJsonString(remoting::LanguageName(channel.language), out);
  absl::StrAppend(out, R"(,"version":)", channel.version, "}");
}

namespace {

void AppendConnectionSet(const std::vector<ClientChannel>& channels,
                         std::string* out) {
  out->append(R"({"connectionSet":[)");
  for (size_t i = 0; i < channels.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendConnectionJson(channels[i], out);
  }
  out->push_back(']');
}

}  // namespace

std::string EncodeProducerConnection(
    const std::vector<ClientChannel>& channels) {
  std::string out;
  AppendConnectionSet(channels, &out);
  out.push_back('}');
  return out;
}

std::string EncodeConsumerConnection(const ConsumerGroupInfo& info) {
  std::string out;
  AppendConnectionSet(info.channels, &out);
  out.append(R"(,"consumeFromWhere":)");
  AppendJsonString(ConsumeFromWhereName(info.consume_from_where), &out);
  out.append(R"(,"consumeType":)");
  AppendJsonString(ConsumeTypeName(info.consume_type), &out);
  out.append(R"(,"messageModel":)");
  AppendJsonString(MessageModelName(info.message_model), &out);
  out.append(R"(,"subscriptionTable":{)");
  // Sorted by topic, so the map's keys come out in order too.
  std::vector<const SubscriptionData*> subs;
  for (const SubscriptionData& sub : info.subscriptions) subs.push_back(&sub);
  std::sort(subs.begin(), subs.end(),
            [](const SubscriptionData* a, const SubscriptionData* b) {
              return a->topic < b->topic;
            });
  for (size_t i = 0; i < subs.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(subs[i]->topic, &out);
    out.push_back(':');
    AppendSubscriptionDataJson(*subs[i], &out);
  }
  out.append("}}");
  return out;
}

std::string EncodeConsumerIdList(const std::vector<std::string>& ids) {
  std::string out = R"({"consumerIdList":[)";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(ids[i], &out);
  }
  out.append("]}");
  return out;
}

}  // namespace rmq::broker
