#include "broker/heartbeat_data.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "base/java_hash.h"
#include "support/status_matchers.h"

namespace rmq::broker {
namespace {

namespace fs = std::filesystem;
using rmq::testing::StatusIs;

// The heartbeat bodies of protocol-vectors.md §6, as the spec gives them.
constexpr std::string_view kJavaBody =
    R"({"clientID":"127.0.0.1@4242#1700000000000","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","consumeType":"CONSUME_PASSIVELY","groupName":"please_rename_unique_group_name_4","messageModel":"CLUSTERING","subscriptionDataSet":[{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1700000000000,"tagsSet":[],"topic":"TopicTest"}],"unitMode":false}],"producerDataSet":[{"groupName":"CLIENT_INNER_PRODUCER"}]})";
constexpr std::string_view kCppBody =
    R"({"clientID":"…","consumerDataSet":[{"consumeFromWhere":4,"consumeType":1,"groupName":"g","messageModel":1,"subscriptionDataSet":[{"subString":"*","subVersion":"1700000000000","topic":"T"}]}],"producerDataSet":[]})";
constexpr std::string_view kAliOnsBody =
    R"({"clientID":"192.0.2.2@20672","consumerDataSet":[{"groupName":"GID_probe","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","subscriptionDataSet":[{"topic":"TopicTest","subString":"*","classFilterMode":false,"tagsSet":[],"codeSet":[],"subVersion":1795539060354}],"unitMode":false}],"producerDataSet":[]})";
// The spec gives only the Go fragments
// `"messageModel":"Clustering","consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET"`
// and `"expressionType":"TAG"`; the rest follows the Go client's structs
// (member order, nanosecond subVersion, consumeType as a string).
constexpr std::string_view kGoBody =
    R"({"clientID":"192.0.2.3@31337#1700000000000000000","producerDataSet":[{"groupName":"go_producer"}],"consumerDataSet":[{"groupName":"go_group","consumeType":"CONSUME_PASSIVELY","messageModel":"Clustering","consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","subscriptionDataSet":[{"classFilterMode":false,"topic":"TopicTest","subString":"TagA || TagB","tagsSet":["TagA","TagB"],"codeSet":[2598919,2598920],"subVersion":1700000000000000000,"expressionType":"TAG"}],"unitMode":false}]})";

std::string ReadSpec(const char* name) {
  std::ifstream in(fs::path(RMQ_SHARED_DIR) / "spec" / name, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

// The first ```json block after `heading`.
std::string JsonBlockAfter(const std::string& spec, std::string_view heading) {
  size_t at = spec.find(heading);
  REQUIRE(at != std::string::npos);
  at = spec.find("```json\n", at);
  REQUIRE(at != std::string::npos);
  at += 8;
  const size_t end = spec.find("\n```", at);
  REQUIRE(end != std::string::npos);
  return spec.substr(at, end - at);
}

std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out.append(part);
  return out;
}

HeartbeatData MustDecode(std::string_view body) {
  absl::StatusOr<HeartbeatData> data = DecodeHeartbeatData(body);
  INFO(data.status().ToString());
  REQUIRE(data.ok());
  return *data;
}

TEST_CASE("the bodies in this test are the ones protocol-vectors §6 gives",
          "[heartbeat]") {
  const std::string spec = ReadSpec("protocol-vectors.md");
  CHECK(JsonBlockAfter(spec, "## 6. Heartbeat body") == kJavaBody);
  CHECK(spec.find(Cat({"* C++: `", kCppBody, "`"})) != std::string::npos);
  CHECK(spec.find(Cat({"* ali-ons: `", kAliOnsBody, "`"})) !=
        std::string::npos);
  CHECK(
      kGoBody.find(
          R"("messageModel":"Clustering","consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET",)") !=
      std::string_view::npos);
  CHECK(kGoBody.find(R"("expressionType":"TAG")") != std::string_view::npos);
}

TEST_CASE("Java 4.9.8 heartbeat decodes", "[heartbeat]") {
  const HeartbeatData data = MustDecode(kJavaBody);
  CHECK(data.client_id == "127.0.0.1@4242#1700000000000");
  REQUIRE(data.producers.size() == 1);
  CHECK(data.producers[0].group_name == "CLIENT_INNER_PRODUCER");
  REQUIRE(data.consumers.size() == 1);
  const ConsumerData& c = data.consumers[0];
  CHECK(c.group_name == "please_rename_unique_group_name_4");
  CHECK(c.consume_type == ConsumeType::kPassively);
  CHECK(c.message_model == MessageModel::kClustering);
  CHECK(c.consume_from_where == ConsumeFromWhere::kFirstOffset);
  CHECK_FALSE(c.unit_mode);
  REQUIRE(c.subscriptions.size() == 1);
  const SubscriptionData& s = c.subscriptions[0];
  CHECK(s.topic == "TopicTest");
  CHECK(s.sub_string == "*");
  CHECK(s.sub_version == 1700000000000);
  CHECK(s.expression_type == "TAG");
  CHECK(s.tags_set.empty());
  CHECK(s.code_set.empty());
  CHECK_FALSE(s.class_filter_mode);
}

TEST_CASE("Java heartbeat re-encodes to the same bytes", "[heartbeat]") {
  CHECK(EncodeHeartbeatData(MustDecode(kJavaBody)) == kJavaBody);
}

TEST_CASE("the §11.3 example (pretty-printed) decodes like §6", "[heartbeat]") {
  const std::string body = JsonBlockAfter(ReadSpec("remoting-protocol.md"),
                                          "### 11.3 HeartbeatData");
  CHECK(MustDecode(body) == MustDecode(kJavaBody));
}

TEST_CASE("C++ heartbeat: integer enums, string subVersion, keys omitted",
          "[heartbeat]") {
  const HeartbeatData data = MustDecode(kCppBody);
  CHECK(data.client_id == "…");
  CHECK(data.producers.empty());
  REQUIRE(data.consumers.size() == 1);
  const ConsumerData& c = data.consumers[0];
  CHECK(c.group_name == "g");
  CHECK(c.consume_from_where == ConsumeFromWhere::kFirstOffset);  // 4
  CHECK(c.consume_type == ConsumeType::kPassively);               // 1
  CHECK(c.message_model == MessageModel::kClustering);            // 1
  CHECK_FALSE(c.unit_mode);
  REQUIRE(c.subscriptions.size() == 1);
  const SubscriptionData& s = c.subscriptions[0];
  CHECK(s.topic == "T");
  CHECK(s.sub_string == "*");
  CHECK(s.sub_version == 1700000000000);
  CHECK(s.expression_type == "TAG");
  CHECK(s.tags_set.empty());
  CHECK(s.code_set.empty());
  CHECK_FALSE(s.class_filter_mode);
}

TEST_CASE("Go heartbeat: mixed-case messageModel", "[heartbeat]") {
  const HeartbeatData data = MustDecode(kGoBody);
  CHECK(data.client_id == "192.0.2.3@31337#1700000000000000000");
  REQUIRE(data.producers.size() == 1);
  CHECK(data.producers[0].group_name == "go_producer");
  REQUIRE(data.consumers.size() == 1);
  const ConsumerData& c = data.consumers[0];
  CHECK(c.group_name == "go_group");
  CHECK(c.message_model == MessageModel::kClustering);
  CHECK(c.consume_from_where == ConsumeFromWhere::kFirstOffset);
  CHECK(c.consume_type == ConsumeType::kPassively);
  REQUIRE(c.subscriptions.size() == 1);
  const SubscriptionData& s = c.subscriptions[0];
  CHECK(s.sub_string == "TagA || TagB");
  CHECK(s.tags_set == std::vector<std::string>{"TagA", "TagB"});
  CHECK(s.code_set == std::vector<int32_t>{2598919, 2598920});
  CHECK(s.sub_version == 1700000000000000000);

  std::string broadcasting(kGoBody);
  broadcasting.replace(broadcasting.find("Clustering"), 10, "BroadCasting");
  CHECK(MustDecode(broadcasting).consumers[0].message_model ==
        MessageModel::kBroadcasting);

  std::string empty_type(kGoBody);
  empty_type.replace(empty_type.find(R"("expressionType":"TAG")"), 22,
                     R"("expressionType":"")");
  CHECK(MustDecode(empty_type).consumers[0].subscriptions[0].expression_type ==
        "TAG");
}

TEST_CASE("ali-ons heartbeat: no expressionType", "[heartbeat]") {
  const HeartbeatData data = MustDecode(kAliOnsBody);
  CHECK(data.client_id == "192.0.2.2@20672");
  CHECK(data.producers.empty());
  REQUIRE(data.consumers.size() == 1);
  const ConsumerData& c = data.consumers[0];
  CHECK(c.group_name == "GID_probe");
  CHECK(c.consume_type == ConsumeType::kPassively);
  CHECK(c.message_model == MessageModel::kClustering);
  CHECK(c.consume_from_where == ConsumeFromWhere::kLastOffset);
  REQUIRE(c.subscriptions.size() == 1);
  const SubscriptionData& s = c.subscriptions[0];
  CHECK(s.topic == "TopicTest");
  CHECK(s.sub_string == "*");
  CHECK(s.sub_version == 1795539060354);
  CHECK(s.expression_type == "TAG");
  CHECK(s.tags_set.empty());
  CHECK(s.code_set.empty());
}

std::string OneSubscription(std::string_view subscription) {
  return Cat(
      {R"({"clientID":"c","consumerDataSet":[{"groupName":"g","subscriptionDataSet":[)",
       subscription, "]}]}"});
}

SubscriptionData DecodeOneSubscription(std::string_view subscription) {
  const HeartbeatData data = MustDecode(OneSubscription(subscription));
  REQUIRE(data.consumers.size() == 1);
  REQUIRE(data.consumers[0].subscriptions.size() == 1);
  return data.consumers[0].subscriptions[0];
}

TEST_CASE("codeSet is recomputed from tagsSet when omitted", "[heartbeat]") {
  const SubscriptionData s = DecodeOneSubscription(
      R"({"topic":"T","subString":"TagA || é","tagsSet":["TagA","é"]})");
  CHECK(s.tags_set == std::vector<std::string>{"TagA", "é"});
  // Java String.hashCode: "TagA" -> 2598919 (§12.6), "é" -> 233 (UTF-16).
  CHECK(s.code_set == std::vector<int32_t>{2598919, 233});
  CHECK(s.code_set[0] == JavaStringHash("TagA"));

  // A client's own codeSet is kept as sent.
  CHECK(
      DecodeOneSubscription(
          R"({"topic":"T","subString":"TagA","tagsSet":["TagA"],"codeSet":[7]})")
          .code_set == std::vector<int32_t>{7});
  // Codes as strings of digits are accepted too.
  CHECK(
      DecodeOneSubscription(
          R"({"topic":"T","subString":"TagA","tagsSet":["TagA"],"codeSet":["2598919"]})")
          .code_set == std::vector<int32_t>{2598919});
}

TEST_CASE("tags are derived from subString when both sets are empty",
          "[heartbeat]") {
  SubscriptionData s =
      DecodeOneSubscription(R"({"topic":"T","subString":"TagA || TagB"})");
  CHECK(s.tags_set == std::vector<std::string>{"TagA", "TagB"});
  CHECK(s.code_set == std::vector<int32_t>{2598919, 2598920});

  // Split on ||, Java-trim, drop empty tags, a repeated tag counts once.
  s = DecodeOneSubscription(
      R"({"topic":"T","subString":" TagA||TagA || \t||TagC ","tagsSet":[],"codeSet":[]})");
  CHECK(s.tags_set == std::vector<std::string>{"TagA", "TagC"});
  CHECK(s.code_set ==
        std::vector<int32_t>{JavaStringHash("TagA"), JavaStringHash("TagC")});

  // "*" and an empty expression subscribe to everything: no sets.
  s = DecodeOneSubscription(R"({"topic":"T","subString":"*"})");
  CHECK(s.tags_set.empty());
  CHECK(s.code_set.empty());
  s = DecodeOneSubscription(R"({"topic":"T"})");
  CHECK(s.sub_string == "*");
  CHECK(s.tags_set.empty());

  // An SQL92 expression is not a tag list.
  s = DecodeOneSubscription(
      R"({"topic":"T","subString":"a > 1 || b < 2","expressionType":"SQL92"})");
  CHECK(s.expression_type == "SQL92");
  CHECK(s.sub_string == "a > 1 || b < 2");
  CHECK(s.tags_set.empty());
  CHECK(s.code_set.empty());
}

TEST_CASE("missing keys take defaults", "[heartbeat]") {
  HeartbeatData data = MustDecode(R"({"clientID":"c"})");
  CHECK(data.client_id == "c");
  CHECK(data.producers.empty());
  CHECK(data.consumers.empty());

  data = MustDecode(
      R"({"clientID":"c","producerDataSet":null,"consumerDataSet":[{"groupName":"g","consumeType":null}],"unknown":{"x":[1]}})");
  REQUIRE(data.consumers.size() == 1);
  const ConsumerData& c = data.consumers[0];
  CHECK(c.consume_type == ConsumeType::kPassively);
  CHECK(c.message_model == MessageModel::kClustering);
  CHECK(c.consume_from_where == ConsumeFromWhere::kLastOffset);
  CHECK(c.subscriptions.empty());
  CHECK_FALSE(c.unit_mode);

  const SubscriptionData s = DecodeOneSubscription(R"({"topic":"T"})");
  CHECK(s.sub_version == 0);
  CHECK(s.expression_type == "TAG");
  CHECK_FALSE(s.class_filter_mode);
}

TEST_CASE("enum names match in any case and ordinals as numbers or text",
          "[heartbeat]") {
  auto consumer = [](std::string_view members) {
    return MustDecode(
               Cat({R"({"clientID":"c","consumerDataSet":[{"groupName":"g",)",
                    members, "}]}"}))
        .consumers[0];
  };
  CHECK(consumer(R"("consumeType":"consume_actively")").consume_type ==
        ConsumeType::kActively);
  CHECK(consumer(R"("consumeType":0)").consume_type == ConsumeType::kActively);
  CHECK(consumer(R"("messageModel":"0")").message_model ==
        MessageModel::kBroadcasting);
  CHECK(consumer(R"("consumeFromWhere":5)").consume_from_where ==
        ConsumeFromWhere::kTimestamp);
  CHECK(
      consumer(
          R"("consumeFromWhere":"Consume_From_Last_Offset_And_From_Min_When_Boot_First")")
          .consume_from_where ==
      ConsumeFromWhere::kLastOffsetAndFromMinWhenBootFirst);
  CHECK(consumer(R"("unitMode":true)").unit_mode);
}

TEST_CASE("malformed heartbeat bodies are refused with a reason",
          "[heartbeat]") {
  struct Case {
    std::string_view body;
    std::vector<std::string_view> says;
  };
  const std::vector<Case> cases = {
      {"", {"empty"}},
      {"{not json", {"does not parse"}},
      {"[1,2]", {"not an object"}},
      {R"({"producerDataSet":[]})", {"clientID", "missing"}},
      {R"({"clientID":7})", {"clientID", "not a string"}},
      {R"({"clientID":"c","consumerDataSet":{}})",
       {"consumerDataSet", "not an array"}},
      {R"({"clientID":"c","producerDataSet":[{}]})",
       {"producerDataSet[0]", "groupName", "missing"}},
      {R"({"clientID":"c","producerDataSet":["p"]})",
       {"producerDataSet[0]", "not an object"}},
      {R"({"clientID":"c","consumerDataSet":[{"groupName":"g"},{"consumeType":1}]})",
       {"consumerDataSet[1]", "groupName"}},
      {R"({"clientID":"c","consumerDataSet":[{"groupName":"g","messageModel":"SIDEWAYS"}]})",
       {"consumerDataSet[0]", "messageModel", "SIDEWAYS", "MessageModel"}},
      {R"({"clientID":"c","consumerDataSet":[{"groupName":"g","consumeFromWhere":9}]})",
       {"consumeFromWhere", "9"}},
      {R"({"clientID":"c","consumerDataSet":[{"groupName":"g","consumeType":true}]})",
       {"consumeType"}},
      {R"({"clientID":"c","consumerDataSet":[{"groupName":"g","unitMode":"maybe"}]})",
       {"unitMode", "boolean"}},
      {R"({"clientID":"c","consumerDataSet":[{"groupName":"g","subscriptionDataSet":[{"subString":"*"}]}]})",
       {"consumerDataSet[0].subscriptionDataSet[0]", "topic", "missing"}},
      {R"({"clientID":"c","consumerDataSet":[{"groupName":"g","subscriptionDataSet":[{"topic":"T","subVersion":"abc"}]}]})",
       {"subscriptionDataSet[0]", "subVersion", "not an integer"}},
      {R"({"clientID":"c","consumerDataSet":[{"groupName":"g","subscriptionDataSet":[{"topic":"T","tagsSet":[1]}]}]})",
       {"tagsSet", "[0]", "not a string"}},
      {R"({"clientID":"c","consumerDataSet":[{"groupName":"g","subscriptionDataSet":[{"topic":"T","codeSet":["x"]}]}]})",
       {"codeSet", "not a 32-bit integer"}},
      {R"({"clientID":"c","consumerDataSet":[{"groupName":"g","subscriptionDataSet":[{"topic":"T","codeSet":[4294967296]}]}]})",
       {"codeSet"}},
      {R"({"clientID":"c","consumerDataSet":[{"groupName":"g","subscriptionDataSet":"T"}]})",
       {"subscriptionDataSet", "not an array"}},
  };
  for (const Case& c : cases) {
    INFO(c.body);
    const absl::StatusOr<HeartbeatData> data = DecodeHeartbeatData(c.body);
    CHECK_THAT(data.status(), StatusIs(absl::StatusCode::kInvalidArgument));
    const std::string message(data.status().message());
    INFO(message);
    CHECK(message.rfind("heartbeat body: ", 0) == 0);
    for (std::string_view word : c.says) {
      CHECK(message.find(word) != std::string::npos);
    }
  }
}

TEST_CASE("SubscriptionData JSON is fastjson's", "[heartbeat]") {
  SubscriptionData s;
  s.topic = "Topic\"Q";
  s.sub_string = "TagA || TagB";
  s.tags_set = {"TagA", "TagB"};
  s.code_set = {2598919, 2598920};
  s.sub_version = 1700000000000;
  std::string out;
  AppendSubscriptionDataJson(s, &out);
  CHECK(
      out ==
      R"({"classFilterMode":false,"codeSet":[2598919,2598920],"expressionType":"TAG","subString":"TagA || TagB","subVersion":1700000000000,"tagsSet":["TagA","TagB"],"topic":"Topic\"Q"})");
}

}  // namespace
}  // namespace rmq::broker
