#pragma once
// One topic's broker-side configuration (RocketMQ's TopicConfig), the
// DataVersion that stamps every config table, permission bits, and the
// topic-name rules (remoting-protocol.md §8.1-§8.3, §11.6; store-format.md
// §17.1).
//
// The JSON codec writes exactly what fastjson writes for these beans: keys in
// alphabetical order, no whitespace (the wire form; config_file.h turns it
// into the pretty file form). Decoding ignores unknown keys (5.x adds
// "attributes"), and a missing key keeps the Java bean's default.

#include <rapidjson/fwd.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rmq::broker {

// ---- Permission bits (PermName, §8.1) ----

inline constexpr int32_t kPermPriority = 8;
inline constexpr int32_t kPermRead = 4;
inline constexpr int32_t kPermWrite = 2;
inline constexpr int32_t kPermInherit = 1;

inline bool IsReadable(int32_t perm) { return (perm & kPermRead) != 0; }
inline bool IsWriteable(int32_t perm) { return (perm & kPermWrite) != 0; }
// Inherit: the topic may serve as the template of an auto-created topic.
inline bool IsInherited(int32_t perm) { return (perm & kPermInherit) != 0; }
inline bool IsPriority(int32_t perm) { return (perm & kPermPriority) != 0; }

// PermName.perm2String: "RW-" for 6, "RWX" for 7 (X = inherit).
std::string PermToString(int32_t perm);

// ---- Names (§8.2) ----

inline constexpr size_t kTopicMaxLength = 127;
// RocketMQ's TopicValidator pattern, quoted in error messages.
inline constexpr std::string_view kNamePattern = "^[%|a-zA-Z0-9_-]+$";

// System topics every 4.9.8 broker knows (TopicValidator).
inline constexpr std::string_view kAutoCreateTopicKey = "TBW102";
inline constexpr std::string_view kScheduleTopic = "SCHEDULE_TOPIC_XXXX";
inline constexpr std::string_view kBenchmarkTopic = "BenchmarkTest";
inline constexpr std::string_view kTransHalfTopic = "RMQ_SYS_TRANS_HALF_TOPIC";
inline constexpr std::string_view kTransOpHalfTopic =
    "RMQ_SYS_TRANS_OP_HALF_TOPIC";
inline constexpr std::string_view kTransCheckMaxTimeTopic =
    "TRANS_CHECK_MAX_TIME_TOPIC";
inline constexpr std::string_view kTraceTopic = "RMQ_SYS_TRACE_TOPIC";
inline constexpr std::string_view kSelfTestTopic = "SELF_TEST_TOPIC";
inline constexpr std::string_view kOffsetMovedEvent = "OFFSET_MOVED_EVENT";
inline constexpr std::string_view kSystemTopicPrefix = "rmq_sys_";
// "<clusterName>_REPLY_TOPIC" (MixAll.REPLY_TOPIC_POSTFIX).
inline constexpr std::string_view kReplyTopicSuffix = "_REPLY_TOPIC";
inline constexpr int32_t kScheduleTopicQueueNums = 18;

// True when every character is in [%|a-zA-Z0-9_-] and `name` is not empty
// (TopicValidator.isTopicOrGroupIllegal, negated). Shared by topic and group
// names.
bool IsLegalName(std::string_view name);

// TopicValidator.validateTopic: not blank, legal characters, at most 127
// characters. InvalidArgument naming the topic and the rule it breaks.
absl::Status ValidateTopicName(std::string_view topic);

// The fixed part of TopicValidator.isSystemTopic: the system topics above and
// anything starting with "rmq_sys_". A broker also reserves its cluster name,
// its broker name and "<cluster>_REPLY_TOPIC"
// (TopicConfigManager::IsSystemTopic adds those).
bool IsSystemTopic(std::string_view topic);

// Topics a client may not send to (the broker answers NO_PERMISSION).
bool IsNotAllowedSendTopic(std::string_view topic);

// ---- TopicConfig (§11.6, §17.1) ----

inline constexpr std::string_view kSingleTag = "SINGLE_TAG";
inline constexpr std::string_view kMultiTag = "MULTI_TAG";

struct TopicConfig {
  std::string topic_name;
  int32_t read_queue_nums = 16;
  int32_t write_queue_nums = 16;
  int32_t perm = kPermRead | kPermWrite;
  std::string topic_filter_type = std::string(kSingleTag);
  int32_t topic_sys_flag = 0;
  bool order = false;

  bool operator==(const TopicConfig&) const = default;
};

// Appends `config` as fastjson's compact JSON:
// {"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG",
//  "topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}
void AppendTopicConfigJson(const TopicConfig& config, std::string* out);
std::string EncodeTopicConfig(const TopicConfig& config);

// Fills `out` from a parsed JSON object; keys missing from `object` keep the
// value `out` already has. InvalidArgument naming the field on a wrong type
// or an unknown topicFilterType.
absl::Status DecodeTopicConfig(const rapidjson::Value& object,
                               TopicConfig* out);
// Parses one TopicConfig object (fastjson text, bare integer keys allowed).
absl::StatusOr<TopicConfig> DecodeTopicConfig(std::string_view json);

// ---- DataVersion ----

// Stamps a config table: `counter` increments on every change and
// `timestamp` (ms since the epoch) is the time of the last change. Brokers
// and nameservers compare versions to skip re-sending unchanged tables.
struct DataVersion {
  int64_t timestamp = 0;
  int64_t counter = 0;

  bool operator==(const DataVersion&) const = default;
};

// {"counter":N,"timestamp":T}
void AppendDataVersionJson(const DataVersion& version, std::string* out);
absl::Status DecodeDataVersion(const rapidjson::Value& object,
                               DataVersion* out);

// TopicConfigSerializeWrapper, compact:
// {"dataVersion":{...},"topicConfigTable":{"<name>":{...},...}}
// `configs` are written in the order given, keyed by their topic_name.
std::string EncodeTopicConfigWrapper(const DataVersion& version,
                                     const std::vector<TopicConfig>& configs);

}  // namespace rmq::broker
