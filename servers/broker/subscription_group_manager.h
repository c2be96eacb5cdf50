#pragma once
// Consumer-group settings, persisted as
// <storePathRootDir>/config/subscriptionGroup.json (RocketMQ's
// SubscriptionGroupManager; store-format.md §17.2).
//
// The file is {"dataVersion":{...},"subscriptionGroupTable":{...}} in
// fastjson's pretty form, readable by RocketMQ 4.9.8; we read its files and
// ignore the keys 5.x adds (forbiddenTable, groupRetryPolicy, attributes...),
// which are therefore not written back.
//
// Thread-safety: as TopicConfigManager -- any thread; readers never wait for
// disk I/O; a change becomes visible once it is durable, and a failed write
// changes nothing.

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

// Group names (MixAll, §8.2).
inline constexpr size_t kGroupMaxLength = 255;
inline constexpr std::string_view kToolsConsumerGroup = "TOOLS_CONSUMER";
inline constexpr std::string_view kFiltersrvConsumerGroup =
    "FILTERSRV_CONSUMER";
inline constexpr std::string_view kSelfTestConsumerGroup = "SELF_TEST_C_GROUP";
inline constexpr std::string_view kOnsHttpProxyGroup = "CID_ONS-HTTP-PROXY";
inline constexpr std::string_view kOnsApiPullGroup = "CID_ONSAPI_PULL";
inline constexpr std::string_view kOnsApiPermissionGroup =
    "CID_ONSAPI_PERMISSION";
inline constexpr std::string_view kOnsApiOwnerGroup = "CID_ONSAPI_OWNER";
inline constexpr std::string_view kSysTransGroup = "CID_RMQ_SYS_TRANS";
// Groups with this prefix are created on first use even when
// autoCreateSubscriptionGroup is off (MixAll.isSysConsumerGroup).
inline constexpr std::string_view kSysConsumerGroupPrefix = "CID_RMQ_SYS_";

bool IsSysConsumerGroup(std::string_view group);

// Not blank, characters of [%|a-zA-Z0-9_-], at most 255 characters.
// InvalidArgument naming the group and the rule it breaks.
absl::Status ValidateGroupName(std::string_view group);

struct SubscriptionGroupConfig {
  std::string group_name;
  bool consume_enable = true;
  bool consume_from_min_enable = true;
  bool consume_broadcast_enable = true;
  int32_t retry_queue_nums = 1;
  int32_t retry_max_times = 16;
  int64_t broker_id = 0;  // MixAll.MASTER_ID
  int64_t which_broker_when_consume_slowly = 1;
  bool notify_consumer_ids_changed_enable = true;

  bool operator==(const SubscriptionGroupConfig&) const = default;
};

// fastjson's compact form, keys sorted:
// {"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,
//  "consumeFromMinEnable":true,"groupName":"g",
//  "notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,
//  "retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1}
void AppendSubscriptionGroupConfigJson(const SubscriptionGroupConfig& config,
                                       std::string* out);
// Keys missing from `object` keep the value `out` already has.
absl::Status DecodeSubscriptionGroupConfig(const rapidjson::Value& object,
                                           SubscriptionGroupConfig* out);

class SubscriptionGroupManager {
 public:
  // `config_dir` is <storePathRootDir>/config; `clock` null means the system
  // clock. Holds the built-in groups until Load().
  explicit SubscriptionGroupManager(std::filesystem::path config_dir,
                                    std::shared_ptr<Clock> clock = nullptr);
  SubscriptionGroupManager(const SubscriptionGroupManager&) = delete;
  SubscriptionGroupManager& operator=(const SubscriptionGroupManager&) = delete;

  // Built-in groups, then every group of subscriptionGroup.json (the file
  // wins), and its dataVersion. Missing file: built-ins only; corrupt: falls
  // back to .bak; corrupt without a usable backup: DataLoss naming the file.
  absl::Status Load();

  std::optional<SubscriptionGroupConfig> Find(std::string_view group) const;

  // findSubscriptionGroupConfig: the group if it exists; otherwise, when
  // `auto_create_enabled` (autoCreateSubscriptionGroup) or the group is a
  // CID_RMQ_SYS_ group, creates it with defaults and persists it. NotFound
  // when it does not exist and may not be created (the broker answers
  // SUBSCRIPTION_GROUP_NOT_EXIST); InvalidArgument for an illegal name.
  absl::StatusOr<SubscriptionGroupConfig> FindOrAutoCreate(
      std::string_view group, bool auto_create_enabled);

  // Creates or replaces a group (validated name), bumps the DataVersion and
  // writes the file.
  absl::Status UpdateOrCreate(SubscriptionGroupConfig config);

  // NotFound when there is no such group (nothing is written).
  absl::Status Delete(std::string_view group);

  // Every group, sorted by name.
  std::vector<SubscriptionGroupConfig> All() const;
  DataVersion data_version() const;

  // {"dataVersion":{...},"subscriptionGroupTable":{...}} compact, groups
  // sorted: the body of GET_ALL_SUBSCRIPTIONGROUP_CONFIG.
  std::string Encode() const;

  const std::filesystem::path& file_path() const { return file_path_; }

 private:
  using Table = absl::flat_hash_map<std::string, SubscriptionGroupConfig>;

  static Table BuiltInGroups();
  absl::Status Commit(absl::FunctionRef<void(Table&)> change)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  const std::filesystem::path file_path_;
  const std::shared_ptr<Clock> clock_;

  mutable absl::Mutex write_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  Table table_ ABSL_GUARDED_BY(mu_);
  DataVersion version_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rmq::broker
