#pragma once
// HeartbeatData, the body of HEART_BEAT (remoting-protocol.md §9.1.1, §11.3):
// which producer and consumer groups one client instance hosts, and each
// consumer group's subscriptions.
//
// Decoding is as lenient as the real clients need (§11.3): enums by name in
// any letter case or by ordinal (C++), subVersion as a number or a string of
// digits (C++), missing keys take defaults (C++ and ali-ons omit several),
// codeSet recomputed when omitted, tags derived from subString when both
// sets are empty. Encoding writes what fastjson writes: keys sorted, no
// whitespace, enums by name.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace rmq::broker {

// Ordinals are the Java enums' (the C++ client sends them as integers).
enum class ConsumeType : uint8_t { kActively = 0, kPassively = 1 };
enum class MessageModel : uint8_t { kBroadcasting = 0, kClustering = 1 };
enum class ConsumeFromWhere : uint8_t {
  kLastOffset = 0,
  kLastOffsetAndFromMinWhenBootFirst = 1,
  kMinOffset = 2,
  kMaxOffset = 3,
  kFirstOffset = 4,
  kTimestamp = 5,
};

// The Java names: "CONSUME_PASSIVELY", "CLUSTERING", "CONSUME_FROM_..."
std::string_view ConsumeTypeName(ConsumeType type);
std::string_view MessageModelName(MessageModel model);
std::string_view ConsumeFromWhereName(ConsumeFromWhere where);

// SubscriptionData.SUB_ALL and the expression types.
inline constexpr std::string_view kSubAll = "*";
inline constexpr std::string_view kExpressionTypeTag = "TAG";
inline constexpr std::string_view kExpressionTypeSql92 = "SQL92";

struct SubscriptionData {
  std::string topic;
  std::string sub_string;
  std::vector<std::string> tags_set;
  // Java String.hashCode() of each tag: what the consume-queue filter
  // compares against a message's tag code.
  std::vector<int32_t> code_set;
  // Time the client built the subscription; a registered entry is replaced
  // only by a larger one.
  int64_t sub_version = 0;
  std::string expression_type = std::string(kExpressionTypeTag);
  bool class_filter_mode = false;

  bool operator==(const SubscriptionData&) const = default;
};

struct ConsumerData {
  std::string group_name;
  // Defaults are what a Java push consumer uses.
  ConsumeType consume_type = ConsumeType::kPassively;
  MessageModel message_model = MessageModel::kClustering;
  ConsumeFromWhere consume_from_where = ConsumeFromWhere::kLastOffset;
  std::vector<SubscriptionData> subscriptions;
  bool unit_mode = false;

  bool operator==(const ConsumerData&) const = default;
};

struct ProducerData {
  std::string group_name;

  bool operator==(const ProducerData&) const = default;
};

struct HeartbeatData {
  std::string client_id;
  std::vector<ProducerData> producers;
  std::vector<ConsumerData> consumers;

  bool operator==(const HeartbeatData&) const = default;
};

// Parses a HEART_BEAT body. InvalidArgument naming the offending member
// (e.g. `consumerDataSet[0].messageModel: "SIDEWAYS" is not a
// MessageModel`) when the body is not JSON, clientID, a groupName or a
// topic is missing, or a member has an unusable type or value.
absl::StatusOr<HeartbeatData> DecodeHeartbeatData(std::string_view json);

// Java's FilterAPI.buildSubscriptionData for a TAG expression: "*" or empty
// means every tag (no sets); otherwise split on "||", trim, keep non-empty
// tags once each, code = Java String.hashCode() (§9.3.1 step 2).
void DeriveTagsFromSubString(std::string_view sub_string,
                             std::vector<std::string>* tags,
                             std::vector<int32_t>* codes);

// {"classFilterMode":false,"codeSet":[],"expressionType":"TAG",
//  "subString":"*","subVersion":1700000000000,"tagsSet":[],"topic":"T"}
void AppendSubscriptionDataJson(const SubscriptionData& data, std::string* out);
// The body as a Java 4.9.8 client sends it (§11.3): what rmq's own tools
// send, and the round trip the tests check against the Java bytes.
std::string EncodeHeartbeatData(const HeartbeatData& data);

}  // namespace rmq::broker
