#include "broker/topic_config_manager.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "broker/config_file.h"

namespace rmq::broker {
namespace {

absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

TopicConfig MakeTopic(std::string_view name, int32_t queue_nums, int32_t perm) {
  TopicConfig config;
  config.topic_name = std::string(name);
  config.read_queue_nums = queue_nums;
  config.write_queue_nums = queue_nums;
  config.perm = perm;
  return config;
}

template <typename Table>
std::vector<TopicConfig> Sorted(const Table& table) {
  std::vector<TopicConfig> configs;
  configs.reserve(table.size());
  for (const auto& [name, config] : table) configs.push_back(config);
  std::sort(configs.begin(), configs.end(),
            [](const TopicConfig& a, const TopicConfig& b) {
              return a.topic_name < b.topic_name;
            });
  return configs;
}

}  // namespace

TopicConfigManager::TopicConfigManager(TopicConfigManagerOptions options)
    : options_(std::move(options)),
      file_path_(options_.config_dir / "topics.json"),
      clock_(options_.clock != nullptr ? options_.clock : SystemClock()),
      table_(SystemTopics()),
      version_{clock_->NowMs(), 0},
      broker_permission_(options_.broker_permission) {}

TopicConfigManager::Table TopicConfigManager::SystemTopics() const {
  // The order and values of Java 4.9.8's TopicConfigManager constructor.
  constexpr int32_t kRW = kPermRead | kPermWrite;
  Table table;
  auto add = [&table](TopicConfig config) {
    if (config.topic_name.empty()) return;  // no broker name configured
    std::string name = config.topic_name;
    table.insert_or_assign(std::move(name), std::move(config));
  };
  add(MakeTopic(kSelfTestTopic, 1, kRW));
  if (options_.auto_create_topic_enable) {
    add(MakeTopic(kAutoCreateTopicKey, options_.default_topic_queue_nums,
                  kPermInherit | kRW));
  }
  add(MakeTopic(kBenchmarkTopic, 1024, kRW));
  add(MakeTopic(options_.cluster_name, 16,
                kPermInherit | (options_.cluster_topic_enable ? kRW : 0)));
  add(MakeTopic(options_.broker_name, 1,
                kPermInherit | (options_.broker_topic_enable ? kRW : 0)));
  add(MakeTopic(kOffsetMovedEvent, 1, kRW));
  add(MakeTopic(kScheduleTopic, kScheduleTopicQueueNums, kRW));
  if (options_.trace_topic_enable) {
    add(MakeTopic(options_.msg_trace_topic_name, 1, kRW));
  }
  add(MakeTopic(absl::StrCat(options_.cluster_name, AsAbsl(kReplyTopicSuffix)),
                1, kRW));
  return table;
}

absl::Status TopicConfigManager::DecodeFile(std::string_view text, Table* table,
                                            DataVersion* version) const {
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
  absl::StatusOr<const rapidjson::Value*> topics =
      JsonObjectMember(doc, "topicConfigTable");
  if (!topics.ok()) return topics.status();
  std::vector<TopicConfig> loaded;
  if (*topics != nullptr) {
    for (const auto& member : (*topics)->GetObject()) {
      const std::string name(member.name.GetString(),
                             member.name.GetStringLength());
      TopicConfig config;
      if (absl::Status s = DecodeTopicConfig(member.value, &config); !s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"topicConfigTable\".\"", name, "\": ", s.message()));
      }
      // Java looks topics up by the map key, so the key is the name.
      config.topic_name = name;
      loaded.push_back(std::move(config));
    }
  }
  for (TopicConfig& config : loaded) {
    std::string name = config.topic_name;
    table->insert_or_assign(std::move(name), std::move(config));
  }
  *version = loaded_version;
  return absl::OkStatus();
}

absl::Status TopicConfigManager::Load() {
  absl::MutexLock write_lock(&write_mu_);
  Table table = SystemTopics();
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

absl::Status TopicConfigManager::Commit(
    absl::FunctionRef<void(Table&)> change) {
  Table table;
  DataVersion version;
  {
    absl::ReaderMutexLock lock(&mu_);
    table = table_;
    version = version_;
  }
  change(table);
  // DataVersion.nextVersion().
  version.timestamp = clock_->NowMs();
  ++version.counter;
  const std::string json =
      FastjsonPretty(EncodeTopicConfigWrapper(version, Sorted(table)));
  if (absl::Status s = WriteConfigFile(file_path_, json); !s.ok()) return s;
  absl::WriterMutexLock lock(&mu_);
  table_.swap(table);
  version_ = version;
  return absl::OkStatus();
}

std::optional<TopicConfig> TopicConfigManager::Find(
    std::string_view topic) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = table_.find(AsAbsl(topic));
  if (it == table_.end()) return std::nullopt;
  return it->second;
}

absl::Status TopicConfigManager::UpdateOrCreate(TopicConfig config) {
  if (absl::Status s = ValidateTopicName(config.topic_name); !s.ok()) return s;
  if (config.read_queue_nums < 0 || config.write_queue_nums < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "topic ", config.topic_name, ": queue counts must not be negative (",
        config.read_queue_nums, " read, ", config.write_queue_nums, " write)"));
  }
  if (config.topic_filter_type != kSingleTag &&
      config.topic_filter_type != kMultiTag) {
    return absl::InvalidArgumentError(absl::StrCat(
        "topic ", config.topic_name, ": topicFilterType ",
        config.topic_filter_type, " is neither SINGLE_TAG nor MULTI_TAG"));
  }
  absl::MutexLock write_lock(&write_mu_);
  return Commit([&config](Table& table) {
    std::string name = config.topic_name;
    table.insert_or_assign(std::move(name), std::move(config));
  });
}

absl::StatusOr<TopicConfig> TopicConfigManager::CreateForSend(
    std::string_view topic, std::string_view default_topic, int32_t queue_nums,
    int32_t topic_sys_flag) {
  if (std::optional<TopicConfig> found = Find(topic)) return *found;
  if (absl::Status s = ValidateTopicName(topic); !s.ok()) return s;

  absl::MutexLock write_lock(&write_mu_);
  std::optional<TopicConfig> template_config;
  {
    absl::ReaderMutexLock lock(&mu_);
    // Another sender may have created it while we waited.
    if (auto it = table_.find(AsAbsl(topic)); it != table_.end()) {
      return it->second;
    }
    if (auto it = table_.find(AsAbsl(default_topic)); it != table_.end()) {
      template_config = it->second;
    }
  }
  if (!template_config.has_value()) {
    return absl::NotFoundError(absl::StrCat(
        "cannot create topic ", AsAbsl(topic), ": the default topic ",
        AsAbsl(default_topic), " does not exist on this broker"));
  }
  int32_t perm = template_config->perm;
  if (default_topic == kAutoCreateTopicKey &&
      !options_.auto_create_topic_enable) {
    // Java resets TBW102 to RW here, so a TBW102 left in topics.json by an
    // earlier run cannot be used once auto-creation is switched off.
    perm = kPermRead | kPermWrite;
  }
  if (!IsInherited(perm)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot create topic ", AsAbsl(topic), ": the default topic ",
        AsAbsl(default_topic), " has perm ", perm, " (", PermToString(perm),
        ") without PERM_INHERIT",
        default_topic == kAutoCreateTopicKey ? "; autoCreateTopicEnable is off"
                                             : ""));
  }
  const int32_t queues =
      std::max(0, std::min(queue_nums, template_config->write_queue_nums));
  TopicConfig config = MakeTopic(topic, queues, perm & ~kPermInherit);
  config.topic_sys_flag = topic_sys_flag;
  config.topic_filter_type = template_config->topic_filter_type;
  if (absl::Status s = Commit([&config](Table& table) {
        table.insert_or_assign(config.topic_name, config);
      });
      !s.ok()) {
    return s;
  }
  return config;
}

absl::StatusOr<TopicConfig> TopicConfigManager::CreateForSendBack(
    std::string_view topic, int32_t queue_nums, int32_t perm,
    int32_t topic_sys_flag) {
  if (std::optional<TopicConfig> found = Find(topic)) return *found;
  if (absl::Status s = ValidateTopicName(topic); !s.ok()) return s;
  absl::MutexLock write_lock(&write_mu_);
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = table_.find(AsAbsl(topic)); it != table_.end()) {
      return it->second;
    }
  }
  TopicConfig config = MakeTopic(topic, std::max(0, queue_nums), perm);
  config.topic_sys_flag = topic_sys_flag;
  if (absl::Status s = Commit([&config](Table& table) {
        table.insert_or_assign(config.topic_name, config);
      });
      !s.ok()) {
    return s;
  }
  return config;
}

absl::Status TopicConfigManager::Delete(std::string_view topic) {
  absl::MutexLock write_lock(&write_mu_);
  {
    absl::ReaderMutexLock lock(&mu_);
    if (!table_.contains(AsAbsl(topic))) {
      return absl::NotFoundError(
          absl::StrCat("topic ", AsAbsl(topic), " does not exist"));
    }
  }
  return Commit([topic](Table& table) { table.erase(AsAbsl(topic)); });
}

std::vector<TopicConfig> TopicConfigManager::SortedLocked() const {
  return Sorted(table_);
}

std::vector<TopicConfig> TopicConfigManager::All() const {
  absl::ReaderMutexLock lock(&mu_);
  return SortedLocked();
}

DataVersion TopicConfigManager::data_version() const {
  absl::ReaderMutexLock lock(&mu_);
  return version_;
}

std::string TopicConfigManager::EncodeWrapper() const {
  absl::ReaderMutexLock lock(&mu_);
  return EncodeTopicConfigWrapper(version_, SortedLocked());
}

std::string TopicConfigManager::EncodeWrapperForRegistration() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<TopicConfig> configs = SortedLocked();
  const int32_t perm = broker_permission_;
  if (!IsReadable(perm) || !IsWriteable(perm)) {
    for (TopicConfig& config : configs) {
      TopicConfig plain = MakeTopic(config.topic_name, 0, perm);
      plain.read_queue_nums = config.read_queue_nums;
      plain.write_queue_nums = config.write_queue_nums;
      config = std::move(plain);
    }
  }
  return EncodeTopicConfigWrapper(version_, configs);
}

bool TopicConfigManager::IsSystemTopic(std::string_view topic) const {
  if (broker::IsSystemTopic(topic)) return true;
  if (topic == options_.cluster_name || topic == options_.broker_name) {
    return true;
  }
  if (options_.trace_topic_enable && topic == options_.msg_trace_topic_name) {
    return true;
  }
  return topic.size() ==
             options_.cluster_name.size() + kReplyTopicSuffix.size() &&
         topic.substr(0, options_.cluster_name.size()) ==
             options_.cluster_name &&
         topic.substr(options_.cluster_name.size()) == kReplyTopicSuffix;
}

absl::Status TopicConfigManager::ValidateTopicForAdmin(
    std::string_view topic) const {
  if (absl::Status s = ValidateTopicName(topic); !s.ok()) return s;
  if (IsSystemTopic(topic)) {
    return absl::InvalidArgumentError(
        absl::StrCat("topic ", AsAbsl(topic),
                     " is a system topic and cannot be created or updated"));
  }
  return absl::OkStatus();
}

void TopicConfigManager::set_broker_permission(int32_t perm) {
  absl::WriterMutexLock lock(&mu_);
  broker_permission_ = perm;
}

int32_t TopicConfigManager::broker_permission() const {
  absl::ReaderMutexLock lock(&mu_);
  return broker_permission_;
}

}  // namespace rmq::broker
