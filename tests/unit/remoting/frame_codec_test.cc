// The frame codec against shared/spec/protocol-vectors.md: every vector
// decodes to the fields the spec lists, and our encoder reproduces the Java
// encoder's bytes exactly (extFields in the order the spec shows).

#include <catch2/catch.hpp>
#include <string>

#include "remoting/frame.h"
#include "remoting/json_header.h"
#include "support/protocol_vectors.h"
#include "support/vectors.h"

namespace rmq::remoting {
namespace {

using testing::FromHex;
namespace pv = testing::pv;

constexpr std::string_view kProperties =
    "TAGS\001TagA\002WAIT\001true\002UNIQ_KEY\001"
    "7F00000110921B6D358605F5E1000000";

RemotingCommand Decoded(std::string_view hex) {
  absl::StatusOr<RemotingCommand> command = DecodeFrame(FromHex(hex));
  INFO(command.status().ToString());
  REQUIRE(command.ok());
  return *std::move(command);
}

std::string Encoded(const RemotingCommand& command) {
  absl::StatusOr<std::string> frame = EncodeFrame(command);
  INFO(frame.status().ToString());
  REQUIRE(frame.ok());
  return *std::move(frame);
}

RemotingCommand RouteRequest(SerializeType type) {
  RemotingCommand c = RemotingCommand::Request(105);
  c.opaque = 1;
  c.ext_fields.Set("topic", "TopicTest");
  c.serialize_type = type;
  return c;
}

RemotingCommand SendV2Request(SerializeType type) {
  RemotingCommand c = RemotingCommand::Request(310);
  c.opaque = 2;
  c.serialize_type = type;
  const std::pair<std::string_view, std::string_view> fields[] = {
      {"a", "please_rename_unique_group_name"},
      {"b", "TopicTest"},
      {"c", "TBW102"},
      {"d", "4"},
      {"e", "0"},
      {"f", "0"},
      {"g", "1700000000000"},
      {"h", "0"},
      {"i", kProperties},
      {"j", "0"},
      {"k", "false"},
      {"m", "false"},
      {"n", "broker-a"}};
  for (const auto& [k, v] : fields) c.ext_fields.Set(k, v);
  c.body = "Hello RocketMQ";
  return c;
}

TEST_CASE("GET_ROUTEINFO_BY_TOPIC request, JSON and binary (§1, §2)") {
  for (auto [hex, type] :
       {std::pair{pv::kRouteRequestJson, SerializeType::kJson},
        std::pair{pv::kRouteRequestBinary, SerializeType::kRocketMq}}) {
    const RemotingCommand c = Decoded(hex);
    CHECK(c.code == 105);
    CHECK(c.language == LanguageCode::kJava);
    CHECK(c.version == 409);
    CHECK(c.opaque == 1);
    CHECK(c.flag == 0);
    CHECK_FALSE(c.is_response());
    CHECK_FALSE(c.remark.has_value());
    CHECK(c.ext_fields.size() == 1);
    REQUIRE(c.ext_fields.Find("topic") != nullptr);
    CHECK(*c.ext_fields.Find("topic") == "TopicTest");
    CHECK(c.body.empty());
    CHECK(c.serialize_type == type);
    CHECK(Encoded(RouteRequest(type)) == FromHex(hex));
  }
}

TEST_CASE("SEND_MESSAGE_V2 request, JSON and binary (§3.1, §3.2)") {
  for (auto [hex, type] :
       {std::pair{pv::kSendV2RequestJson, SerializeType::kJson},
        std::pair{pv::kSendV2RequestBinary, SerializeType::kRocketMq}}) {
    const RemotingCommand c = Decoded(hex);
    const RemotingCommand expected = SendV2Request(type);
    CHECK(c.code == 310);
    CHECK(c.opaque == 2);
    CHECK(c.ext_fields == expected.ext_fields);
    CHECK(*c.ext_fields.Find("i") == kProperties);  // separators unescaped
    CHECK(c.body == "Hello RocketMQ");
    CHECK(c == expected);
    CHECK(Encoded(expected) == FromHex(hex));
  }
}

TEST_CASE("SEND_MESSAGE_V2 response, JSON and binary (§4.1, §4.2)") {
  const RemotingCommand request = SendV2Request(SerializeType::kJson);
  RemotingCommand json = RemotingCommand::ResponseTo(request, 0);
  // Java's HashMap order in §4.1; the broker's declaration order in §4.2.
  json.ext_fields.Set("queueId", "0");
  json.ext_fields.Set("TRACE_ON", "true");
  json.ext_fields.Set("MSG_REGION", "DefaultRegion");
  json.ext_fields.Set("msgId", "7F00000100002A9F0000000000000000");
  json.ext_fields.Set("queueOffset", "0");
  CHECK(json.is_response());
  CHECK(json.opaque == 2);
  CHECK(Encoded(json) == FromHex(pv::kSendV2ResponseJson));
  CHECK(Decoded(pv::kSendV2ResponseJson) == json);

  RemotingCommand binary =
      RemotingCommand::ResponseTo(SendV2Request(SerializeType::kRocketMq), 0);
  CHECK(binary.serialize_type == SerializeType::kRocketMq);
  binary.ext_fields.Set("msgId", "7F00000100002A9F0000000000000000");
  binary.ext_fields.Set("queueId", "0");
  binary.ext_fields.Set("queueOffset", "0");
  binary.ext_fields.Set("TRACE_ON", "true");
  binary.ext_fields.Set("MSG_REGION", "DefaultRegion");
  CHECK(Encoded(binary) == FromHex(pv::kSendV2ResponseBinary));
  CHECK(Decoded(pv::kSendV2ResponseBinary) == binary);
}

TEST_CASE(
    "route response with a body and a TOPIC_NOT_EXIST remark (§4.3, §4.4)") {
  const RemotingCommand request = RouteRequest(SerializeType::kJson);
  RemotingCommand route = RemotingCommand::ResponseTo(request, 0);
  route.body =
      R"({"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]})";
  CHECK(Encoded(route) == FromHex(pv::kRouteResponseJson));
  CHECK(Decoded(pv::kRouteResponseJson) == route);

  const RemotingCommand missing = RemotingCommand::ResponseTo(
      request, 17,
      "No topic route info in name server for the topic: TopicTest");
  CHECK(Encoded(missing) == FromHex(pv::kTopicNotExistJson));
  CHECK(Decoded(pv::kTopicNotExistJson) == missing);
}

TEST_CASE("PULL_MESSAGE request and response (§5.2, §5.3)") {
  const RemotingCommand pull = Decoded(pv::kPullRequestJson);
  CHECK(pull.code == 11);
  CHECK(pull.opaque == 3);
  CHECK(pull.ext_fields.size() == 11);
  CHECK(*pull.ext_fields.Find("subVersion") == "1700000000000");
  CHECK(*pull.ext_fields.Find("consumerGroup") ==
        "please_rename_unique_group_name_4");
  CHECK(Encoded(pull) == FromHex(pv::kPullRequestJson));

  const RemotingCommand found = Decoded(pv::kPullResponseJson);
  CHECK(found.is_response());
  CHECK(found.remark == "FOUND");
  CHECK(*found.ext_fields.Find("nextBeginOffset") == "1");
  CHECK(found.body.size() == 188);  // the stored record of §5.1
  CHECK(Encoded(found) == FromHex(pv::kPullResponseJson));
}

TEST_CASE(
    "ali-ons frames: numbers and booleans in extFields become text (§7)") {
  const RemotingCommand route = Decoded(pv::kAliOnsRouteRequest);
  CHECK(route.code == 105);
  CHECK(route.version == 121);
  CHECK(*route.ext_fields.Find("topic") == "TopicTest");

  const RemotingCommand send = Decoded(pv::kAliOnsSendV2Request);
  CHECK(send.code == 310);
  CHECK(send.opaque == 2);
  CHECK(*send.ext_fields.Find("d") == "4");
  CHECK(*send.ext_fields.Find("g") == "1700000000000");
  CHECK(*send.ext_fields.Find("k") == "false");
  CHECK(*send.ext_fields.Find("i") == "TAGS\001TagA\002");
  CHECK(send.body == "Hello RocketMQ");
}

TEST_CASE("JSON header input leniency (§5.3)") {
  RemotingCommand c;
  SECTION("missing keys take defaults, null remark and extFields are absent") {
    REQUIRE(
        DecodeJsonHeader(R"({"code":34,"remark":null,"extFields":null})", &c)
            .ok());
    CHECK(c.code == 34);
    CHECK(c.flag == 0);
    CHECK(c.version == 0);
    CHECK(c.opaque == 0);
    CHECK(c.language == LanguageCode::kJava);
    CHECK_FALSE(c.remark.has_value());
    CHECK(c.ext_fields.empty());
  }
  SECTION("numbers as strings, unknown keys and languages, null values") {
    REQUIRE(
        DecodeJsonHeader(
            R"({"opaque":"7","code":"310","language":"KOTLIN","x":[1],)"
            R"("extFields":{"a":null,"b":-1,"c":true,"big":18446744073709551615}})",
            &c)
            .ok());
    CHECK(c.code == 310);
    CHECK(c.opaque == 7);
    CHECK(c.language == LanguageCode::kOther);
    CHECK(c.ext_fields.Find("a") == nullptr);
    CHECK(*c.ext_fields.Find("b") == "-1");
    CHECK(*c.ext_fields.Find("c") == "true");
    CHECK(*c.ext_fields.Find("big") == "18446744073709551615");
  }
  SECTION("malformed headers are refused, saying why") {
    for (std::string_view bad :
         {R"({"code":)", R"([1,2])", R"({"code":"abc"})",
          R"({"code":4294967296})", R"({"extFields":[1]})",
          R"({"extFields":{"a":{"b":1}}})", R"({"remark":{}})"}) {
      INFO(bad);
      absl::Status s = DecodeJsonHeader(bad, &c);
      CHECK(s.code() == absl::StatusCode::kInvalidArgument);
      CHECK_THAT(std::string(s.message()), Catch::Contains("JSON header"));
    }
  }
}

TEST_CASE("JSON strings are escaped as fastjson escapes them") {
  std::string out;
  AppendJsonString("a\"b\\c/\b\f\n\r\t\x01\x1f\u00e9\u2028\u2029", &out);
  CHECK(out ==
        "\"a\\\"b\\\\c/\\b\\f\\n\\r\\t\\u0001\\u001F\u00e9\\u2028\\u2029\"");
  RemotingCommand c;
  c.remark = std::string("x\0y", 3);
  c.ext_fields.Set("k", "\u00e9\u2028");
  RemotingCommand back;
  std::string json;
  EncodeJsonHeader(c, &json);
  REQUIRE(DecodeJsonHeader(json, &back).ok());
  CHECK(back.remark == c.remark);
  CHECK(back.ext_fields == c.ext_fields);
}

TEST_CASE("malformed frames are refused with a reason, never read past") {
  const std::string good = FromHex(pv::kRouteRequestBinary);
  SECTION("length prefix") {
    CHECK(DecodeFrameLength(std::string("\0\0\0\3", 4)).status().code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK_THAT(
        std::string(
            DecodeFrameLength(std::string("\x01\0\0\0", 4)).status().message()),
        Catch::Contains("exceeds"));
    CHECK(*DecodeFrameLength(std::string("\0\0\0\4", 4)) == 4);
    CHECK(
        DecodeFrameLength(std::string("\0\0\x10\0", 4), 4096).status().code() ==
        absl::StatusCode::kInvalidArgument);
  }
  SECTION("serialize type, header length, truncated binary headers") {
    std::string bad_type = good;
    bad_type[4] = 7;
    CHECK_THAT(std::string(DecodeFrame(bad_type).status().message()),
               Catch::Contains("serialize type 7"));
    std::string long_header = good;
    long_header[7] = static_cast<char>(0xFF);
    CHECK_THAT(std::string(DecodeFrame(long_header).status().message()),
               Catch::Contains("header length"));
    // Every shorter header length cuts the binary header somewhere.
    for (int h = 0; h < 41; ++h) {
      std::string cut = good;
      cut[7] = static_cast<char>(h);
      INFO("header length " << h);
      CHECK_FALSE(DecodeFrame(cut).ok());
    }
    std::string big_remark = good;
    big_remark[21] = 0x7F;  // remark length 0x7F000000
    CHECK_FALSE(DecodeFrame(big_remark).ok());
  }
  SECTION("the length prefix must match the bytes") {
    CHECK_FALSE(DecodeFrame(good.substr(0, good.size() - 1)).ok());
    CHECK_FALSE(DecodeFrame(good + "x").ok());
  }
}

TEST_CASE("encoding refuses frames past the maximum") {
  RemotingCommand c = RemotingCommand::Request(10);
  c.body.assign(1000, 'x');
  CHECK(EncodeFrame(c, 1000).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(EncodeFrame(c, 2000).ok());
  absl::StatusOr<std::string> head = EncodeFrameHead(c, 5000, 2000);
  CHECK_FALSE(head.ok());
}

}  // namespace
}  // namespace rmq::remoting
