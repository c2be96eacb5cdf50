#pragma once
// The broker's topic table, persisted as <storePathRootDir>/config/topics.json
// (RocketMQ's TopicConfigManager; store-format.md §17.1,
// remoting-protocol.md §8.4 and §11.6).
//
// The file is the TopicConfigSerializeWrapper in fastjson's pretty form, so a
// RocketMQ 4.9.8 broker reads ours and we read its. Unknown keys (5.x
// "attributes") are ignored on load and therefore not written back.
//
// Thread-safety: every method may be called from any thread. Readers (Find,
// All, Encode*) never wait for disk I/O: a change is applied to a copy of
// the table, written durably, and only then published. So a change is
// visible exactly when it is durable, and a failed write changes nothing.
// Changes are serialized with each other.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "broker/topic_config.h"
#include "rmq/clock.h"

namespace rmq::broker {

// The BrokerConfig settings the topic table depends on (Java defaults).
struct TopicConfigManagerOptions {
  std::filesystem::path config_dir;  // <storePathRootDir>/config
  std::string broker_name;
  std::string cluster_name = "DefaultCluster";
  int32_t default_topic_queue_nums = 8;  // TBW102's queue counts
  bool auto_create_topic_enable = true;  // registers TBW102 with PERM_INHERIT
  int32_t broker_permission = kPermRead | kPermWrite;
  bool cluster_topic_enable = true;  // cluster-name topic readable/writable
  bool broker_topic_enable = true;   // broker-name topic readable/writable
  bool trace_topic_enable = false;
  std::string msg_trace_topic_name = std::string(kTraceTopic);
  std::shared_ptr<Clock> clock;  // null: the system clock
};

class TopicConfigManager {
 public:
  // Holds the system topics of §8.4 until Load() adds the file's topics.
  explicit TopicConfigManager(TopicConfigManagerOptions options);
  TopicConfigManager(const TopicConfigManager&) = delete;
  TopicConfigManager& operator=(const TopicConfigManager&) = delete;

  // Resets the table to the system topics, then adds every topic of
  // topics.json (its entries win, as Java's putAll does) and takes its
  // dataVersion. A missing file means system topics only; a corrupt one
  // falls back to topics.json.bak; corrupt with no usable backup is DataLoss
  // naming the file and the fault (see LoadConfigFile).
  absl::Status Load();

  std::optional<TopicConfig> Find(std::string_view topic) const;

  // Creates or replaces a topic: validates the name (§8.2 characters and
  // length; reserved names are the caller's business, see
  // ValidateTopicForAdmin) and the queue counts, bumps the DataVersion and
  // writes topics.json.
  absl::Status UpdateOrCreate(TopicConfig config);

  // RocketMQ's createTopicInSendMessageMethod: returns `topic` if it exists;
  // otherwise creates it from `default_topic` (TBW102 as clients send it),
  // which must exist and carry PERM_INHERIT (TBW102 counts as not
  // inheritable when auto_create_topic_enable is off, as in Java). The new
  // topic gets min(queue_nums, default's write queues) read and write
  // queues, the default's perm without PERM_INHERIT and its filter type.
  // NotFound when the default topic is missing, FailedPrecondition when it
  // may not be inherited.
  absl::StatusOr<TopicConfig> CreateForSend(std::string_view topic,
                                            std::string_view default_topic,
                                            int32_t queue_nums,
                                            int32_t topic_sys_flag = 0);

  // RocketMQ's createTopicInSendMessageBackMethod, for %RETRY%, %DLQ% and
  // transaction topics: returns `topic` if it exists, else creates it with
  // the given queue count (read = write), perm and sysFlag.
  absl::StatusOr<TopicConfig> CreateForSendBack(std::string_view topic,
                                                int32_t queue_nums,
                                                int32_t perm,
                                                int32_t topic_sys_flag = 0);

  // Removes a topic, bumps the DataVersion, writes topics.json. NotFound
  // when there is no such topic (nothing is written).
  absl::Status Delete(std::string_view topic);

  // Every topic, sorted by name.
  std::vector<TopicConfig> All() const;
  DataVersion data_version() const;

  // TopicConfigSerializeWrapper, compact, topics sorted by name: the body of
  // GET_ALL_TOPIC_CONFIG.
  std::string EncodeWrapper() const;
  // What REGISTER_BROKER carries: EncodeWrapper(), except that a broker
  // whose permission is not both readable and writable reports every topic
  // as new TopicConfig(name, read, write, brokerPermission) -- Java's
  // registerBrokerAll, which also resets the other fields to defaults.
  std::string EncodeWrapperForRegistration() const;

  // TopicValidator.isSystemTopic plus this broker's reserved names: cluster
  // name, broker name, "<cluster>_REPLY_TOPIC", and the trace topic when
  // trace_topic_enable.
  bool IsSystemTopic(std::string_view topic) const;
  // What UPDATE_AND_CREATE_TOPIC checks before UpdateOrCreate: a valid name
  // that is not a system topic.
  absl::Status ValidateTopicForAdmin(std::string_view topic) const;

  // brokerPermission can change at run time (UPDATE_BROKER_CONFIG).
  void set_broker_permission(int32_t perm);
  int32_t broker_permission() const;

  const std::filesystem::path& file_path() const { return file_path_; }

 private:
  using Table = absl::flat_hash_map<std::string, TopicConfig>;

  Table SystemTopics() const;
  // Applies `change` to a copy of the table, bumps the version, writes the
  // file and publishes the copy; on a write error nothing changes.
  absl::Status Commit(absl::FunctionRef<void(Table&)> change)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  absl::Status DecodeFile(std::string_view text, Table* table,
                          DataVersion* version) const;
  std::vector<TopicConfig> SortedLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const TopicConfigManagerOptions options_;
  const std::filesystem::path file_path_;
  const std::shared_ptr<Clock> clock_;

  // Serializes changes (and the file write) without blocking readers.
  mutable absl::Mutex write_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  Table table_ ABSL_GUARDED_BY(mu_);
  DataVersion version_ ABSL_GUARDED_BY(mu_);
  int32_t broker_permission_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rmq::broker
