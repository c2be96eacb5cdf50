#pragma once
// The nameserver's state (RocketMQ 4.9.8's RouteInfoManager,
// remoting-protocol.md §10.1): which brokers exist, in which cluster, at
// which addresses, and which topics each master serves. Routes for clients
// are built from it on demand.
//
// Time is passed in (`now`), never read here, so expiry is tested without
// sleeping. Connections are identified by an opaque id the server picks.
//
// Thread-safety: thread-safe (one reader-writer lock, as in RocketMQ).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rmq::namesrv {

inline constexpr int32_t kPermRead = 4;
inline constexpr int32_t kPermWrite = 2;
inline constexpr int64_t kMasterId = 0;

struct DataVersion {
  int64_t timestamp = 0;
  int64_t counter = 0;
  friend bool operator==(const DataVersion&, const DataVersion&) = default;
};

struct QueueData {
  std::string broker_name;
  int32_t read_queue_nums = 0;
  int32_t write_queue_nums = 0;
  int32_t perm = 0;
  int32_t topic_sys_flag = 0;
  friend bool operator==(const QueueData&, const QueueData&) = default;
};

struct BrokerData {
  std::string cluster;
  std::string broker_name;
  std::map<int64_t, std::string> broker_addrs;  // brokerId -> ip:port
  friend bool operator==(const BrokerData&, const BrokerData&) = default;
};

struct TopicRouteData {
  std::vector<QueueData> queue_datas;    // sorted by broker name
  std::vector<BrokerData> broker_datas;  // sorted by broker name
  std::optional<std::string> order_topic_conf;
};

struct ClusterInfo {
  std::map<std::string, BrokerData> broker_addr_table;
  std::map<std::string, std::set<std::string>> cluster_addr_table;
};

// One topic as a registering broker describes it.
struct TopicQueueConfig {
  std::string topic;
  int32_t read_queue_nums = 0;
  int32_t write_queue_nums = 0;
  int32_t perm = 0;
  int32_t topic_sys_flag = 0;
};

struct BrokerRegistration {
  std::string cluster;
  std::string broker_name;
  std::string broker_addr;
  std::string ha_server_addr;
  int64_t broker_id = kMasterId;
  DataVersion data_version;
  std::vector<TopicQueueConfig> topics;
};

struct RegisterResult {
  // For a slave whose master is registered: the master's addresses.
  std::string master_addr;
  std::string ha_server_addr;
};

class RouteInfoManager {
 public:
  // REGISTER_BROKER: topics of a master are upserted, never removed (a
  // registration may carry only some of them, §10.1 step 3).
  RegisterResult RegisterBroker(const BrokerRegistration& registration,
                                uint64_t connection, absl::Time now);
  // UNREGISTER_BROKER.
  void UnregisterBroker(const std::string& cluster,
                        const std::string& broker_name,
                        const std::string& broker_addr, int64_t broker_id);
  // QUERY_DATA_VERSION: whether `version` differs from the registered one;
  // refreshes the broker's last-seen time either way.
  bool DataVersionChanged(const std::string& broker_addr,
                          const DataVersion& version, absl::Time now);

  // GET_ROUTEINFO_BY_TOPIC; nullopt = TOPIC_NOT_EXIST.
  std::optional<TopicRouteData> Route(const std::string& topic) const;
  ClusterInfo Cluster() const;
  std::vector<std::string> AllTopics() const;
  std::vector<std::string> TopicsByCluster(const std::string& cluster) const;

  // DELETE_TOPIC_IN_NAMESRV: the topic's queue data, everywhere.
  void DeleteTopic(const std::string& topic);

  // WIPE_WRITE_PERM_OF_BROKER / ADD_WRITE_PERM_OF_BROKER: how many topics
  // were touched.
  int WipeWritePerm(const std::string& broker_name);
  int AddWritePerm(const std::string& broker_name);

  // Removes brokers not heard from since `now - expiry`, as if they had
  // unregistered; returns their addresses.
  std::vector<std::string> RemoveSilentBrokers(absl::Time now,
                                               absl::Duration expiry);
  // A connection closed: removes the brokers registered over it; returns
  // their addresses.
  std::vector<std::string> RemoveBrokersOf(uint64_t connection);

 private:
  struct BrokerLive {
    absl::Time last_update;
    DataVersion data_version;
    uint64_t connection = 0;
    std::string ha_server_addr;
  };

  // Drops `broker_addr` wherever it is registered (expiry, closed
  // connection): RocketMQ's onChannelDestroy.
  void RemoveAddressLocked(const std::string& broker_addr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A broker name lost its last address: out of its cluster and every topic.
  void ForgetBrokerNameLocked(const std::string& broker_name,
                              const std::string& cluster)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int ChangeWritePermLocked(const std::string& broker_name, bool writable)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  // topic -> broker name -> queue data
  std::map<std::string, std::map<std::string, QueueData>> topic_queues_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, BrokerData> brokers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::set<std::string>> clusters_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, BrokerLive> live_ ABSL_GUARDED_BY(mu_);  // by address
};

}  // namespace rmq::namesrv
