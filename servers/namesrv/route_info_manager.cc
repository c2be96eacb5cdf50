#include "namesrv/route_info_manager.h"

#include <iterator>

namespace rmq::namesrv {

RegisterResult RouteInfoManager::RegisterBroker(const BrokerRegistration& r,
                                                uint64_t connection,
                                                absl::Time now) {
  absl::MutexLock lock(&mu_);
  clusters_[r.cluster].insert(r.broker_name);

  auto [it, created] = brokers_.try_emplace(r.broker_name);
  BrokerData& broker = it->second;
  bool first = created;
  broker.cluster = r.cluster;
  broker.broker_name = r.broker_name;
  // A slave that became master keeps its address under a new id: drop the
  // old id mapped to the same address (§10.1 step 2).
  for (auto a = broker.broker_addrs.begin(); a != broker.broker_addrs.end();) {
    if (a->second == r.broker_addr && a->first != r.broker_id) {
      a = broker.broker_addrs.erase(a);
    } else {
      ++a;
    }
  }
  auto [addr, new_id] =
      broker.broker_addrs.insert_or_assign(r.broker_id, r.broker_addr);
  (void)addr;
  first = first || new_id;

  if (r.broker_id == kMasterId) {
    auto live = live_.find(r.broker_addr);
    const bool changed =
        live == live_.end() || !(live->second.data_version == r.data_version);
    if (first || changed) {
      for (const TopicQueueConfig& t : r.topics) {
        topic_queues_[t.topic][r.broker_name] =
            QueueData{.broker_name = r.broker_name,
                      .read_queue_nums = t.read_queue_nums,
                      .write_queue_nums = t.write_queue_nums,
                      .perm = t.perm,
                      .topic_sys_flag = t.topic_sys_flag};
      }
    }
  }
  live_[r.broker_addr] = BrokerLive{.last_update = now,
                                    .data_version = r.data_version,
                                    .connection = connection,
                                    .ha_server_addr = r.ha_server_addr};

  RegisterResult result;
  if (r.broker_id != kMasterId) {
    auto master = broker.broker_addrs.find(kMasterId);
    if (master != broker.broker_addrs.end()) {
      auto master_live = live_.find(master->second);
      if (master_live != live_.end()) {
        result.master_addr = master->second;
        result.ha_server_addr = master_live->second.ha_server_addr;
      }
    }
  }
  return result;
}

void RouteInfoManager::UnregisterBroker(const std::string& cluster,
                                        const std::string& broker_name,
                                        const std::string& broker_addr,
                                        int64_t broker_id) {
  absl::MutexLock lock(&mu_);
  live_.erase(broker_addr);
  auto it = brokers_.find(broker_name);
  if (it == brokers_.end()) return;
  it->second.broker_addrs.erase(broker_id);
  if (it->second.broker_addrs.empty()) {
    brokers_.erase(it);
    ForgetBrokerNameLocked(broker_name, cluster);
  }
}

bool RouteInfoManager::DataVersionChanged(const std::string& broker_addr,
                                          const DataVersion& version,
                                          absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(broker_addr);
  if (it == live_.end()) return true;
  it->second.last_update = now;
  return !(it->second.data_version == version);
}

void RouteInfoManager::ForgetBrokerNameLocked(const std::string& broker_name,
                                              const std::string& cluster) {
  if (auto c = clusters_.find(cluster); c != clusters_.end()) {
    c->second.erase(broker_name);
    if (c->second.empty()) clusters_.erase(c);
  }
  for (auto t = topic_queues_.begin(); t != topic_queues_.end();) {
    t->second.erase(broker_name);
    t = t->second.empty() ? topic_queues_.erase(t) : std::next(t);
  }
}

void RouteInfoManager::RemoveAddressLocked(const std::string& broker_addr) {
  live_.erase(broker_addr);
  for (auto b = brokers_.begin(); b != brokers_.end();) {
    BrokerData& broker = b->second;
    std::erase_if(broker.broker_addrs, [&](const auto& entry) {
      return entry.second == broker_addr;
    });
    if (!broker.broker_addrs.empty()) {
      ++b;
      continue;
    }
    const std::string name = broker.broker_name;
    const std::string cluster = broker.cluster;
    b = brokers_.erase(b);
    ForgetBrokerNameLocked(name, cluster);
  }
}

std::optional<TopicRouteData> RouteInfoManager::Route(
    const std::string& topic) const {
  absl::ReaderMutexLock lock(&mu_);
  auto t = topic_queues_.find(topic);
  if (t == topic_queues_.end()) return std::nullopt;
  TopicRouteData route;
  for (const auto& [name, queue] : t->second) {
    route.queue_datas.push_back(queue);
    if (auto b = brokers_.find(name); b != brokers_.end()) {
      route.broker_datas.push_back(b->second);
    }
  }
  if (route.queue_datas.empty() || route.broker_datas.empty()) {
    return std::nullopt;
  }
  return route;
}

ClusterInfo RouteInfoManager::Cluster() const {
  absl::ReaderMutexLock lock(&mu_);
  return ClusterInfo{.broker_addr_table = brokers_,
                     .cluster_addr_table = clusters_};
}

std::vector<std::string> RouteInfoManager::AllTopics() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::string> topics;
  for (const auto& [topic, queues] : topic_queues_) topics.push_back(topic);
  return topics;
}

std::vector<std::string> RouteInfoManager::TopicsByCluster(
    const std::string& cluster) const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::string> topics;
  auto c = clusters_.find(cluster);
  if (c == clusters_.end()) return topics;
  for (const auto& [topic, queues] : topic_queues_) {
    for (const auto& [name, queue] : queues) {
      if (c->second.contains(name)) {
        topics.push_back(topic);
        break;
      }
    }
  }
  return topics;
}

void RouteInfoManager::DeleteTopic(const std::string& topic) {
  absl::MutexLock lock(&mu_);
  topic_queues_.erase(topic);
}

int RouteInfoManager::ChangeWritePermLocked(const std::string& broker_name,
                                            bool writable) {
  int touched = 0;
  for (auto& [topic, queues] : topic_queues_) {
    auto q = queues.find(broker_name);
    if (q == queues.end()) continue;
    q->second.perm =
        writable ? (kPermRead | kPermWrite) : (q->second.perm & ~kPermWrite);
    ++touched;
  }
  return touched;
}

int RouteInfoManager::WipeWritePerm(const std::string& broker_name) {
  absl::MutexLock lock(&mu_);
  return ChangeWritePermLocked(broker_name, false);
}

int RouteInfoManager::AddWritePerm(const std::string& broker_name) {
  absl::MutexLock lock(&mu_);
  return ChangeWritePermLocked(broker_name, true);
}

std::vector<std::string> RouteInfoManager::RemoveSilentBrokers(
    absl::Time now, absl::Duration expiry) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> silent;
  for (const auto& [addr, live] : live_) {
    if (now - live.last_update > expiry) silent.push_back(addr);
  }
  for (const std::string& addr : silent) RemoveAddressLocked(addr);
  return silent;
}

std::vector<std::string> RouteInfoManager::RemoveBrokersOf(
    uint64_t connection) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> gone;
  for (const auto& [addr, live] : live_) {
    if (live.connection == connection) gone.push_back(addr);
  }
  for (const std::string& addr : gone) RemoveAddressLocked(addr);
  return gone;
}

}  // namespace rmq::namesrv
