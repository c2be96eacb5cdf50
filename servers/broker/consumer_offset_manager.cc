#include "broker/consumer_offset_manager.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "broker/config_file.h"
#include "remoting/json_header.h"

namespace rmq::broker {
namespace {

// Java splits "topic@group" at "@"; neither name may contain one (§8.2).
constexpr char kSeparator = '@';

struct SplitKey {
  std::string_view topic;
  std::string_view group;
};

// A key without '@' (hand-edited file) has neither part: it is kept and
// written back, but matches no query.
std::optional<SplitKey> Split(std::string_view key) {
  const size_t at = key.find(kSeparator);
  if (at == std::string_view::npos) return std::nullopt;
  return SplitKey{key.substr(0, at), key.substr(at + 1)};
}

bool ParseQueueId(std::string_view text, int32_t* out) {
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

ConsumerOffsetManager::ConsumerOffsetManager(std::filesystem::path config_dir)
    : file_path_(std::move(config_dir) / std::string(kConsumerOffsetFileName)) {
}

std::string ConsumerOffsetManager::Key(std::string_view topic,
                                       std::string_view group) {
  std::string key;
  key.reserve(topic.size() + 1 + group.size());
  key.append(topic);
  key.push_back(kSeparator);
  key.append(group);
  return key;
}

absl::Status ConsumerOffsetManager::Decode(std::string_view text,
                                           Table* table) {
  rapidjson::Document doc;
  if (absl::Status s = ParseFastjson(text, &doc); !s.ok()) return s;
  absl::StatusOr<const rapidjson::Value*> offsets =
      JsonObjectMember(doc, "offsetTable");
  if (!offsets.ok()) return offsets.status();
  Table decoded;
  if (*offsets == nullptr) {  // Java's bean default: an empty table
    *table = std::move(decoded);
    return absl::OkStatus();
  }
  for (const auto& entry : (*offsets)->GetObject()) {
    const std::string key(entry.name.GetString(), entry.name.GetStringLength());
    if (!entry.value.IsObject()) {
      return absl::InvalidArgumentError(
          absl::StrCat("offsetTable.\"", key, "\" is not an object"));
    }
    QueueOffsets& queues = decoded[key];
    for (const auto& q : entry.value.GetObject()) {
      const std::string id(q.name.GetString(), q.name.GetStringLength());
      int32_t queue = 0;
      if (!ParseQueueId(id, &queue)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "offsetTable.\"", key, "\": queue id \"", id, "\" is not an int"));
      }
      if (!q.value.IsInt64()) {
        return absl::InvalidArgumentError(
            absl::StrCat("offsetTable.\"", key, "\".", id, " is not a long"));
      }
      queues[queue] = q.value.GetInt64();
    }
  }
  *table = std::move(decoded);
  return absl::OkStatus();
}

absl::Status ConsumerOffsetManager::Load() {
  Table loaded;
  absl::StatusOr<ConfigSource> source = LoadConfigFile(
      file_path_, [&](std::string_view text) { return Decode(text, &loaded); });
  if (!source.ok()) return source.status();
  absl::MutexLock lock(&mu_);
  table_ = std::move(loaded);
  ++version_;
  persisted_version_ = version_;
  return absl::OkStatus();
}

void ConsumerOffsetManager::Commit(std::string_view group,
                                   std::string_view topic, int32_t queue,
                                   int64_t offset) {
  if (offset < 0) return;
  std::string key = Key(topic, group);
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = table_[std::move(key)].try_emplace(queue, offset);
  if (inserted) {
    ++version_;
  } else if (it->second != offset) {
    it->second = offset;
    ++version_;
  }
}

int64_t ConsumerOffsetManager::Query(std::string_view group,
                                     std::string_view topic,
                                     int32_t queue) const {
  const std::string key = Key(topic, group);
  absl::MutexLock lock(&mu_);
  auto it = table_.find(key);
  if (it == table_.end()) return -1;
  auto q = it->second.find(queue);
  return q == it->second.end() ? -1 : q->second;
}

QueueOffsets ConsumerOffsetManager::OffsetsOf(std::string_view group,
                                              std::string_view topic) const {
  const std::string key = Key(topic, group);
  absl::MutexLock lock(&mu_);
  auto it = table_.find(key);
  return it == table_.end() ? QueueOffsets() : it->second;
}

std::vector<std::string> ConsumerOffsetManager::GroupsOf(
    std::string_view topic) const {
  std::vector<std::string> groups;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, queues] : table_) {
      std::optional<SplitKey> parts = Split(key);
      if (parts && parts->topic == topic) groups.emplace_back(parts->group);
    }
  }
  std::sort(groups.begin(), groups.end());
  return groups;
}

std::vector<std::string> ConsumerOffsetManager::TopicsOf(
    std::string_view group) const {
  std::vector<std::string> topics;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, queues] : table_) {
      std::optional<SplitKey> parts = Split(key);
      if (parts && parts->group == group) topics.emplace_back(parts->topic);
    }
  }
  std::sort(topics.begin(), topics.end());
  return topics;
}

bool ConsumerOffsetManager::RemoveGroupTopic(std::string_view group,
                                             std::string_view topic) {
  const std::string key = Key(topic, group);
  absl::MutexLock lock(&mu_);
  if (table_.erase(key) == 0) return false;
  ++version_;
  return true;
}

bool ConsumerOffsetManager::RemoveGroup(std::string_view group) {
  absl::MutexLock lock(&mu_);
  const size_t removed = absl::erase_if(table_, [&](const auto& entry) {
    std::optional<SplitKey> parts = Split(entry.first);
    return parts && parts->group == group;
  });
  if (removed == 0) return false;
  ++version_;
  return true;
}

std::string ConsumerOffsetManager::EncodeTable(const Table& table,
                                               bool pretty) {
  std::vector<const Table::value_type*> entries;
  entries.reserve(table.size());
  for (const auto& entry : table) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });

  // fastjson's pretty printer: a string-keyed map puts each entry on its own
  // line; an Integer-keyed map writes its entries on one line; both break
  // the line before a non-empty map's closing brace (MapSerializer.write).
  const char* const nl_outer = pretty ? "\n\t\t" : "";
  std::string out = pretty ? "{\n\t\"offsetTable\":{" : "{\"offsetTable\":{";
  bool first = true;
  for (const auto* entry : entries) {
    if (!first) out.push_back(',');
    first = false;
    out.append(nl_outer);
    remoting::AppendJsonString(entry->first, &out);
    out.append(":{");
    bool first_queue = true;
    for (const auto& [queue, offset] : entry->second) {
      if (!first_queue) out.push_back(',');
      first_queue = false;
      absl::StrAppend(&out, queue, ":", offset);
    }
    if (!entry->second.empty()) out.append(nl_outer);
    out.push_back('}');
  }
  if (pretty && !entries.empty()) out.append("\n\t");
  out.append(pretty ? "}\n}" : "}}");
  return out;
}

std::string ConsumerOffsetManager::Encode() const {
  absl::MutexLock lock(&mu_);
  return EncodeTable(table_, /*pretty=*/true);
}

std::string ConsumerOffsetManager::EncodeCompact() const {
  absl::MutexLock lock(&mu_);
  return EncodeTable(table_, /*pretty=*/false);
}

absl::Status ConsumerOffsetManager::Write(const Table& table,
                                          uint64_t version) {
  if (absl::Status s = WriteConfigFile(file_path_, EncodeTable(table, true));
      !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&mu_);
  persisted_version_ = std::max(persisted_version_, version);
  return absl::OkStatus();
}

absl::Status ConsumerOffsetManager::Persist() {
  absl::MutexLock write_lock(&write_mu_);
  Table snapshot;
  uint64_t version = 0;
  {
    absl::MutexLock lock(&mu_);
    snapshot = table_;
    version = version_;
  }
  return Write(snapshot, version);
}

absl::StatusOr<bool> ConsumerOffsetManager::PersistIfChanged() {
  absl::MutexLock write_lock(&write_mu_);
  Table snapshot;
  uint64_t version = 0;
  {
    absl::MutexLock lock(&mu_);
    if (version_ == persisted_version_) return false;
    snapshot = table_;
    version = version_;
  }
  if (absl::Status s = Write(snapshot, version); !s.ok()) return s;
  return true;
}

}  // namespace rmq::broker
