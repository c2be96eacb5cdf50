#include "namesrv/kv_config_manager.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "remoting/json_header.h"

namespace rmq::namesrv {

KvConfigManager::KvConfigManager(FileSystem& fs, std::filesystem::path path)
    : fs_(fs), path_(std::move(path)) {}

absl::Status KvConfigManager::Load() {
  if (!fs_.Exists(path_)) return absl::OkStatus();
  absl::StatusOr<std::string> text = fs_.ReadFile(path_);
  if (!text.ok()) return text.status();
  rapidjson::Document doc;
  doc.Parse(text->data(), text->size());
  if (doc.HasParseError()) {
    return absl::DataLossError(
        absl::StrFormat("%s does not parse at byte %d: %s", path_.string(),
                        doc.GetErrorOffset(),
                        rapidjson::GetParseError_En(doc.GetParseError())));
  }
  std::map<std::string, std::map<std::string, std::string>> table;
  auto config =
      doc.IsObject() ? doc.FindMember("configTable") : doc.MemberEnd();
  if (doc.IsObject() && config != doc.MemberEnd() && config->value.IsObject()) {
    for (const auto& ns : config->value.GetObject()) {
      if (!ns.value.IsObject()) continue;
      for (const auto& entry : ns.value.GetObject()) {
        if (!entry.value.IsString()) continue;
        table[ns.name.GetString()][entry.name.GetString()] =
            entry.value.GetString();
      }
    }
  } else if (!doc.IsObject()) {
    return absl::DataLossError(
        absl::StrCat(path_.string(), " is not a JSON object"));
  }
  absl::MutexLock lock(&mu_);
  table_ = std::move(table);
  return absl::OkStatus();
}

absl::Status KvConfigManager::PersistLocked() {
  std::string out = R"({"configTable":{)";
  bool first_ns = true;
  for (const auto& [ns, entries] : table_) {
    if (!first_ns) out.push_back(',');
    first_ns = false;
    remoting::AppendJsonString(ns, &out);
    out.append(":{");
    bool first = true;
    for (const auto& [key, value] : entries) {
      if (!first) out.push_back(',');
      first = false;
      remoting::AppendJsonString(key, &out);
      out.push_back(':');
      remoting::AppendJsonString(value, &out);
    }
    out.push_back('}');
  }
  out.append("}}");
  if (absl::Status s = fs_.CreateDirs(path_.parent_path()); !s.ok()) return s;
  return WriteFileAtomically(fs_, path_, out);
}

absl::Status KvConfigManager::Put(const std::string& ns, const std::string& key,
                                  const std::string& value) {
  absl::MutexLock lock(&mu_);
  table_[ns][key] = value;
  return PersistLocked();
}

std::optional<std::string> KvConfigManager::Get(const std::string& ns,
                                                const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto n = table_.find(ns);
  if (n == table_.end()) return std::nullopt;
  auto k = n->second.find(key);
  if (k == n->second.end()) return std::nullopt;
  return k->second;
}

absl::Status KvConfigManager::Delete(const std::string& ns,
                                     const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto n = table_.find(ns);
  if (n == table_.end() || n->second.erase(key) == 0) return absl::OkStatus();
  if (n->second.empty()) table_.erase(n);
  return PersistLocked();
}

std::optional<std::map<std::string, std::string>> KvConfigManager::List(
    const std::string& ns) const {
  absl::MutexLock lock(&mu_);
  auto n = table_.find(ns);
  if (n == table_.end() || n->second.empty()) return std::nullopt;
  return n->second;
}

}  // namespace rmq::namesrv
