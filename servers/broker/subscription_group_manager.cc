#include "broker/subscription_group_manager.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "broker/config_file.h"
#include "remoting/json_header.h"

namespace rmq::broker {
namespace {

absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

const char* Bool(bool b) { return b ? "true" : "false"; }

template <typename Table>
std::vector<SubscriptionGroupConfig> Sorted(const Table& table) {
  std::vector<SubscriptionGroupConfig> configs;
  configs.reserve(table.size());
  for (const auto& [name, config] : table) configs.push_back(config);
  std::sort(
      configs.begin(), configs.end(),
      [](const SubscriptionGroupConfig& a, const SubscriptionGroupConfig& b) {
        return a.group_name < b.group_name;
      });
  return configs;
}

std::string EncodeTable(const DataVersion& version,
                        const std::vector<SubscriptionGroupConfig>& groups) {
  std::string out = "{\"dataVersion\":";
  AppendDataVersionJson(version, &out);
  out.append(",\"subscriptionGroupTable\":{");
  for (const SubscriptionGroupConfig& group : groups) {
    if (out.back() != '{') out.push_back(',');
    remoting::AppendJsonString(group.group_name, &out);
    out.push_back(':');
    AppendSubscriptionGroupConfigJson(group, &out);
  }
  out.append("}}");
  return out;
}

// Decodes the whole file into `table` (on top of what it holds) and
// `version`; both are untouched on error.
absl::Status DecodeFile(
    std::string_view text,
    absl::flat_hash_map<std::string, SubscriptionGroupConfig>* table,
    DataVersion* version) {
  rapidjson::Document doc;
  if (absl::Status s = ParseFastjson(text, &doc); !s.ok()) return s;
  DataVersion loaded_version = *version;
  absl::StatusOr<const rapidjson::Value*> dv =
      JsonObjectMember(doc, "dataVersion");
  if (!dv.ok()) return dv.status();
  if (*dv != nullptr) {
    if (absl::Status s = DecodeDataVersion(**dv, &loaded_version); !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<const rapidjson::Value*> groups =
      JsonObjectMember(doc, "subscriptionGroupTable");
  if (!groups.ok()) return groups.status();
  std::vector<SubscriptionGroupConfig> loaded;
  if (*groups != nullptr) {
    for (const auto& member : (*groups)->GetObject()) {
      const std::string name(member.name.GetString(),
                             member.name.GetStringLength());
      SubscriptionGroupConfig config;
      if (absl::Status s = DecodeSubscriptionGroupConfig(member.value, &config);
          !s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "\"subscriptionGroupTable\".\"", name, "\": ", s.message()));
      }
      config.group_name = name;  // Java looks groups up by the map key
      loaded.push_back(std::move(config));
    }
  }
  for (SubscriptionGroupConfig& config : loaded) {
    std::string name = config.group_name;
    table->insert_or_assign(std::move(name), std::move(config));
  }
  *version = loaded_version;
  return absl::OkStatus();
}

}  // namespace

bool IsSysConsumerGroup(std::string_view group) {
  return group.substr(0, kSysConsumerGroupPrefix.size()) ==
         kSysConsumerGroupPrefix;
}

absl::Status ValidateGroupName(std::string_view group) {
  if (group.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos) {
    return absl::InvalidArgumentError("the consumer group name is blank");
  }
  constexpr size_t kShown = 64;
  const std::string shown =
      absl::StrCat("\"", absl::CHexEscape(AsAbsl(group.substr(0, kShown))),
                   group.size() > kShown ? "...\"" : "\"");
  if (!IsLegalName(group)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "consumer group ", shown,
        " contains illegal characters; allowed: ", AsAbsl(kNamePattern)));
  }
  if (group.size() > kGroupMaxLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("consumer group ", shown, " is ", group.size(),
                     " characters long; the maximum is ", kGroupMaxLength));
  }
  return absl::OkStatus();
}

void AppendSubscriptionGroupConfigJson(const SubscriptionGroupConfig& config,
                                       std::string* out) {
  out->push_back('{');
  AppendJsonKey("brokerId", out);
  absl::StrAppend(out, config.broker_id);
  AppendJsonKey("consumeBroadcastEnable", out);
  out->append(Bool(config.consume_broadcast_enable));
  AppendJsonKey("consumeEnable", out);
  out->append(Bool(config.consume_enable));
  AppendJsonKey("consumeFromMinEnable", out);
  out->append(Bool(config.consume_from_min_enable));
  AppendJsonKey("groupName", out);
  remoting::AppendJsonString(config.group_name, out);
  AppendJsonKey("notifyConsumerIdsChangedEnable", out);
  out->append(Bool(config.notify_consumer_ids_changed_enable));
  AppendJsonKey("retryMaxTimes", out);
  absl::StrAppend(out, config.retry_max_times);
  AppendJsonKey("retryQueueNums", out);
  absl::StrAppend(out, config.retry_queue_nums);
  AppendJsonKey("whichBrokerWhenConsumeSlowly", out);
  absl::StrAppend(out, config.which_broker_when_consume_slowly);
  out->push_back('}');
}

absl::Status DecodeSubscriptionGroupConfig(const rapidjson::Value& object,
                                           SubscriptionGroupConfig* out) {
  if (!object.IsObject()) {
    return absl::InvalidArgumentError(
        "a SubscriptionGroupConfig is not a JSON object");
  }
  SubscriptionGroupConfig c = *out;
  for (absl::Status s : {
           ReadJsonString(object, "groupName", &c.group_name),
           ReadJsonBool(object, "consumeEnable", &c.consume_enable),
           ReadJsonBool(object, "consumeFromMinEnable",
                        &c.consume_from_min_enable),
           ReadJsonBool(object, "consumeBroadcastEnable",
                        &c.consume_broadcast_enable),
           ReadJsonInt32(object, "retryQueueNums", &c.retry_queue_nums),
           ReadJsonInt32(object, "retryMaxTimes", &c.retry_max_times),
           ReadJsonInt64(object, "brokerId", &c.broker_id),
           ReadJsonInt64(object, "whichBrokerWhenConsumeSlowly",
                         &c.which_broker_when_consume_slowly),
           ReadJsonBool(object, "notifyConsumerIdsChangedEnable",
                        &c.notify_consumer_ids_changed_enable),
       }) {
    if (!s.ok()) return s;
  }
  *out = std::move(c);
  return absl::OkStatus();
}

SubscriptionGroupManager::SubscriptionGroupManager(
    std::filesystem::path config_dir, std::shared_ptr<Clock> clock)
    : file_path_(config_dir / "subscriptionGroup.json"),
      clock_(clock != nullptr ? std::move(clock) : SystemClock()),
      table_(BuiltInGroups()),
      version_{clock_->NowMs(), 0} {}

SubscriptionGroupManager::Table SubscriptionGroupManager::BuiltInGroups() {
  // store-format.md §17.2's list. Java 4.x also pre-creates
  // CID_RMQ_SYS_TRANS; here it is created on first use instead, as every
  // CID_RMQ_SYS_ group is (FindOrAutoCreate).
  static constexpr std::array<std::string_view, 7> kBuiltIn = {
      kToolsConsumerGroup, kFiltersrvConsumerGroup, kSelfTestConsumerGroup,
      kOnsHttpProxyGroup,  kOnsApiPullGroup,        kOnsApiPermissionGroup,
      kOnsApiOwnerGroup};
  Table table;
  for (std::string_view name : kBuiltIn) {
    SubscriptionGroupConfig config;
    config.group_name = std::string(name);
    table.insert_or_assign(std::string(name), std::move(config));
  }
  return table;
}

absl::Status SubscriptionGroupManager::Load() {
  absl::MutexLock write_lock(&write_mu_);
  Table table = BuiltInGroups();
  DataVersion version{clock_->NowMs(), 0};
  absl::StatusOr<ConfigSource> source =
      LoadConfigFile(file_path_, [&](std::string_view text) {
        return DecodeFile(text, &table, &version);
      });
  if (!source.ok()) return source.status();
  absl::WriterMutexLock lock(&mu_);
  table_ = std::move(table);
  version_ = version;
  return absl::OkStatus();
}

absl::Status SubscriptionGroupManager::Commit(
    absl::FunctionRef<void(Table&)> change) {
  Table table;
  DataVersion version;
  {
    absl::ReaderMutexLock lock(&mu_);
    table = table_;
    version = version_;
  }
  change(table);
  version.timestamp = clock_->NowMs();
  ++version.counter;
  const std::string json = FastjsonPretty(EncodeTable(version, Sorted(table)));
  if (absl::Status s = WriteConfigFile(file_path_, json); !s.ok()) return s;
  absl::WriterMutexLock lock(&mu_);
  table_.swap(table);
  version_ = version;
  return absl::OkStatus();
}

std::optional<SubscriptionGroupConfig> SubscriptionGroupManager::Find(
    std::string_view group) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = table_.find(AsAbsl(group));
  if (it == table_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<SubscriptionGroupConfig>
SubscriptionGroupManager::FindOrAutoCreate(std::string_view group,
                                           bool auto_create_enabled) {
  if (std::optional<SubscriptionGroupConfig> found = Find(group)) {
    return *found;
  }
  if (!auto_create_enabled && !IsSysConsumerGroup(group)) {
    return absl::NotFoundError(absl::StrCat(
        "subscription group ", AsAbsl(group),
        " does not exist and autoCreateSubscriptionGroup is false"));
  }
  if (absl::Status s = ValidateGroupName(group); !s.ok()) return s;
  absl::MutexLock write_lock(&write_mu_);
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = table_.find(AsAbsl(group)); it != table_.end()) {
      return it->second;
    }
  }
  SubscriptionGroupConfig config;
  config.group_name = std::string(group);
  if (absl::Status s = Commit([&config](Table& table) {
        table.insert_or_assign(config.group_name, config);
      });
      !s.ok()) {
    return s;
  }
  return config;
}

absl::Status SubscriptionGroupManager::UpdateOrCreate(
    SubscriptionGroupConfig config) {
  if (absl::Status s = ValidateGroupName(config.group_name); !s.ok()) return s;
  absl::MutexLock write_lock(&write_mu_);
  return Commit([&config](Table& table) {
    std::string name = config.group_name;
    table.insert_or_assign(std::move(name), std::move(config));
  });
}

absl::Status SubscriptionGroupManager::Delete(std::string_view group) {
  absl::MutexLock write_lock(&write_mu_);
  {
    absl::ReaderMutexLock lock(&mu_);
    if (!table_.contains(AsAbsl(group))) {
      return absl::NotFoundError(absl::StrCat(
          "subscription group ", AsAbsl(group), " does not exist"));
    }
  }
  return Commit([group](Table& table) { table.erase(AsAbsl(group)); });
}

std::vector<SubscriptionGroupConfig> SubscriptionGroupManager::All() const {
  absl::ReaderMutexLock lock(&mu_);
  return Sorted(table_);
}

DataVersion SubscriptionGroupManager::data_version() const {
  absl::ReaderMutexLock lock(&mu_);
  return version_;
}

std::string SubscriptionGroupManager::Encode() const {
  absl::ReaderMutexLock lock(&mu_);
  return EncodeTable(version_, Sorted(table_));
}

}  // namespace rmq::broker
