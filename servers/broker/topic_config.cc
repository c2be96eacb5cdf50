#include "broker/topic_config.h"

#include <rapidjson/document.h>

#include <array>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "broker/config_file.h"
#include "remoting/json_header.h"

namespace rmq::broker {
namespace {

absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// A name as it appears in an error message: escaped, and cut short so a
// megabyte of garbage does not become a megabyte of log line.
std::string Quoted(std::string_view name) {
  constexpr size_t kShown = 64;
  std::string shown = absl::CHexEscape(AsAbsl(name.substr(0, kShown)));
  return absl::StrCat("\"", shown, name.size() > kShown ? "...\"" : "\"");
}

const char* Bool(bool b) { return b ? "true" : "false"; }

}  // namespace

std::string PermToString(int32_t perm) {
  std::string s = "---";
  if (IsReadable(perm)) s[0] = 'R';
  if (IsWriteable(perm)) s[1] = 'W';
  if (IsInherited(perm)) s[2] = 'X';
  return s;
}

bool IsLegalName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '%' || c == '|' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

absl::Status ValidateTopicName(std::string_view topic) {
  // Java's order: blank, characters, length.
  if (topic.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos) {
    return absl::InvalidArgumentError("the topic name is blank");
  }
  if (!IsLegalName(topic)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "topic ", Quoted(topic),
        " contains illegal characters; allowed: ", AsAbsl(kNamePattern)));
  }
  if (topic.size() > kTopicMaxLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("topic ", Quoted(topic), " is ", topic.size(),
                     " characters long; the maximum is ", kTopicMaxLength));
  }
  return absl::OkStatus();
}

bool IsSystemTopic(std::string_view topic) {
  static constexpr std::array<std::string_view, 9> kSystemTopics = {
      kAutoCreateTopicKey,     kScheduleTopic, kBenchmarkTopic,
      kTransHalfTopic,         kTraceTopic,    kTransOpHalfTopic,
      kTransCheckMaxTimeTopic, kSelfTestTopic, kOffsetMovedEvent};
  for (std::string_view t : kSystemTopics) {
    if (topic == t) return true;
  }
  return topic.substr(0, kSystemTopicPrefix.size()) == kSystemTopicPrefix;
}

bool IsNotAllowedSendTopic(std::string_view topic) {
  static constexpr std::array<std::string_view, 6> kNotAllowed = {
      kScheduleTopic,          kTransHalfTopic, kTransOpHalfTopic,
      kTransCheckMaxTimeTopic, kSelfTestTopic,  kOffsetMovedEvent};
  for (std::string_view t : kNotAllowed) {
    if (topic == t) return true;
  }
  return false;
}

void AppendTopicConfigJson(const TopicConfig& config, std::string* out) {
  // fastjson: getters in alphabetical order, no whitespace.
  out->push_back('{');
  AppendJsonKey("order", out);
  out->append(Bool(config.order));
  AppendJsonKey("perm", out);
  absl::StrAppend(out, config.perm);
  AppendJsonKey("readQueueNums", out);
  absl::StrAppend(out, config.read_queue_nums);
  AppendJsonKey("topicFilterType", out);
  remoting::AppendJsonString(config.topic_filter_type, out);
  AppendJsonKey("topicName", out);
  remoting::AppendJsonString(config.topic_name, out);
  AppendJsonKey("topicSysFlag", out);
  absl::StrAppend(out, config.topic_sys_flag);
  AppendJsonKey("writeQueueNums", out);
  absl::StrAppend(out, config.write_queue_nums);
  out->push_back('}');
}

std::string EncodeTopicConfig(const TopicConfig& config) {
  std::string out;
  AppendTopicConfigJson(config, &out);
  return out;
}

absl::Status DecodeTopicConfig(const rapidjson::Value& object,
                               TopicConfig* out) {
  if (!object.IsObject()) {
    return absl::InvalidArgumentError("a TopicConfig is not a JSON object");
  }
  TopicConfig c = *out;
  for (absl::Status s : {
           ReadJsonString(object, "topicName", &c.topic_name),
           ReadJsonInt32(object, "readQueueNums", &c.read_queue_nums),
           ReadJsonInt32(object, "writeQueueNums", &c.write_queue_nums),
           ReadJsonInt32(object, "perm", &c.perm),
           ReadJsonString(object, "topicFilterType", &c.topic_filter_type),
           ReadJsonInt32(object, "topicSysFlag", &c.topic_sys_flag),
           ReadJsonBool(object, "order", &c.order),
       }) {
    if (!s.ok()) return s;
  }
  if (c.topic_filter_type != kSingleTag && c.topic_filter_type != kMultiTag) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"topicFilterType\" is ", Quoted(c.topic_filter_type),
                     "; expected SINGLE_TAG or MULTI_TAG"));
  }
  *out = std::move(c);
  return absl::OkStatus();
}

absl::StatusOr<TopicConfig> DecodeTopicConfig(std::string_view json) {
  rapidjson::Document doc;
  if (absl::Status s = ParseFastjson(json, &doc); !s.ok()) return s;
  TopicConfig config;
  if (absl::Status s = DecodeTopicConfig(doc, &config); !s.ok()) return s;
  return config;
}

void AppendDataVersionJson(const DataVersion& version, std::string* out) {
  absl::StrAppend(out, "{\"counter\":", version.counter,
                  ",\"timestamp\":", version.timestamp, "}");
}

absl::Status DecodeDataVersion(const rapidjson::Value& object,
                               DataVersion* out) {
  if (!object.IsObject()) {
    return absl::InvalidArgumentError("\"dataVersion\" is not an object");
  }
  DataVersion v = *out;
  if (absl::Status s = ReadJsonInt64(object, "counter", &v.counter); !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadJsonInt64(object, "timestamp", &v.timestamp);
      !s.ok()) {
    return s;
  }
  *out = v;
  return absl::OkStatus();
}

std::string EncodeTopicConfigWrapper(const DataVersion& version,
                                     const std::vector<TopicConfig>& configs) {
  std::string out = "{\"dataVersion\":";
  AppendDataVersionJson(version, &out);
  out.append(",\"topicConfigTable\":{");
  for (const TopicConfig& config : configs) {
    if (out.back() != '{') out.push_back(',');
    remoting::AppendJsonString(config.topic_name, &out);
    out.push_back(':');
    AppendTopicConfigJson(config, &out);
  }
  out.append("}}");
  return out;
}

}  // namespace rmq::broker
