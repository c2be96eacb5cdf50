#include "rmq/message.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "support/status_matchers.h"
#include "support/vectors.h"

namespace rmq {
namespace {

namespace tv = testing::tv;
using testing::StatusIs;

// TV-16 writes \x01 as '^' and \x02 as '|'; so do these cases.
using testing::tv::Props;

struct ParseCase {
  std::string_view input;
  std::vector<MessageProperties::Entry> expected;
};

const std::vector<ParseCase>& Tv16Cases() {
  static const std::vector<ParseCase> cases = {
      {"a^b", {{"a", "b"}}},
      {"KEYS^k1|", {{"KEYS", "k1"}}},
      {"^x|k^v", {{"k", "v"}}},
      {"ab", {}},
      {"a^", {}},
      {"||TAGS^T||", {{"TAGS", "T"}}},
      {"x^|y^z", {{"y", "z"}}},
      {"k^^v", {{"k", "\x01v"}}},
  };
  return cases;
}

TEST_CASE("TV-16: properties parse as RocketMQ's string2messageProperties",
          "[unit][message]") {
  for (const ParseCase& c : Tv16Cases()) {
    INFO("input " << c.input);
    CHECK(MessageProperties::Parse(Props(c.input)).entries() == c.expected);
  }
}

TEST_CASE("later duplicate properties win", "[unit][message]") {
  const std::string text = Props("a^1|b^2|a^3");
  const MessageProperties parsed = MessageProperties::Parse(text);
  REQUIRE(parsed.Find("a") != nullptr);
  CHECK(*parsed.Find("a") == "3");
  CHECK(parsed.entries().size() == 2);
  std::string_view value;
  REQUIRE(FindProperty(text, "a", &value));
  CHECK(value == "3");
}

TEST_CASE("FindProperty agrees with Parse on the TV-16 inputs",
          "[unit][message]") {
  for (const ParseCase& c : Tv16Cases()) {
    const std::string text = Props(c.input);
    const MessageProperties parsed = MessageProperties::Parse(text);
    for (std::string_view name :
         {"a", "b", "k", "v", "x", "y", "ab", "KEYS", "TAGS", "T", ""}) {
      INFO("input " << c.input << ", name " << name);
      std::string_view value = "untouched";
      const bool found = FindProperty(text, name, &value);
      const std::string* expected = parsed.Find(name);
      REQUIRE(found == (expected != nullptr));
      if (found) {
        CHECK(value == *expected);
      } else {
        CHECK(value == "untouched");
      }
    }
  }
}

TEST_CASE("FindProperties agrees with Parse for several names at once",
          "[unit][message]") {
  constexpr std::string_view kNames[] = {"a", "KEYS", "missing", "b", ""};
  for (const ParseCase& c : Tv16Cases()) {
    const std::string text = Props(c.input);
    const MessageProperties parsed = MessageProperties::Parse(text);
    std::string_view values[std::size(kNames)];
    const uint32_t found = FindProperties(text, kNames, values);
    for (size_t i = 0; i < std::size(kNames); ++i) {
      INFO("input " << c.input << ", name " << kNames[i]);
      const std::string* expected = parsed.Find(kNames[i]);
      REQUIRE(((found >> i) & 1) == (expected != nullptr ? 1u : 0u));
      if (expected != nullptr) CHECK(values[i] == *expected);
    }
  }
}

TEST_CASE("FindProperty finds every property of vector B", "[unit][message]") {
  const MessageProperties parsed = MessageProperties::Parse(tv::kPropertiesB);
  REQUIRE(parsed.entries().size() == 4);
  for (const auto& [name, value] : parsed.entries()) {
    std::string_view found;
    REQUIRE(FindProperty(tv::kPropertiesB, name, &found));
    CHECK(found == value);
  }
  std::string_view uniq;
  REQUIRE(FindProperty(tv::kPropertiesB, kPropertyUniqKey, &uniq));
  CHECK(uniq == tv::kUniqKey);
  std::string_view wait;
  CHECK_FALSE(FindProperty(tv::kPropertiesB, kPropertyWait, &wait));
  CHECK_FALSE(FindProperty(tv::kPropertiesB, "KEY", &wait));  // no prefixes
}

TEST_CASE("properties serialize without a trailing separator",
          "[unit][message]") {
  const MessageProperties props = {{"KEYS", "k1"}, {"TAGS", "TagA"}};
  CHECK(props.Serialize() == tv::kPropertiesA);
  CHECK(MessageProperties().Serialize().empty());
  CHECK(MessageProperties({{"a", "b"}}).Serialize() == Props("a^b"));
  CHECK(MessageProperties::Parse(props.Serialize()) == props);
}

TEST_CASE("Set replaces in place, Erase removes, Find reports absence",
          "[unit][message]") {
  MessageProperties props = {{"KEYS", "k1"}, {"TAGS", "TagA"}};
  props.Set("KEYS", "k2");
  props.Set(kPropertyWait, "true");
  CHECK(props.Serialize() == Props("KEYS^k2|TAGS^TagA|WAIT^true"));
  CHECK(props.Erase(kPropertyWait));
  CHECK_FALSE(props.Erase(kPropertyWait));
  CHECK(props.Find(kPropertyWait) == nullptr);
  REQUIRE(props.Find(kPropertyTags) != nullptr);
  CHECK(*props.Find(kPropertyTags) == "TagA");
  CHECK_FALSE(props.empty());
  CHECK(MessageProperties().empty());
}

TEST_CASE("IPv4 host addresses parse and format as ip:port",
          "[unit][message]") {
  const auto host = HostAddress::Parse("192.168.0.1:10911");
  REQUIRE_OK(host);
  CHECK(*host == HostAddress::V4(192, 168, 0, 1, 10911));
  CHECK_FALSE(host->v6);
  CHECK(host->encoded_length() == 8);
  CHECK(host->ToString() == "192.168.0.1:10911");
  CHECK(HostAddress::V4(0, 0, 0, 0, 0).ToString() == "0.0.0.0:0");
  CHECK(HostAddress::V4(255, 255, 255, 255, 65535).ToString() ==
        "255.255.255.255:65535");
}

TEST_CASE("IPv6 host addresses parse and format as [ip]:port",
          "[unit][message]") {
  const auto host = HostAddress::Parse("[2001:db8::1]:10911");
  REQUIRE_OK(host);
  CHECK(*host == tv::StoreHostV6());
  CHECK(host->encoded_length() == 20);
  CHECK(host->ToString() == "[2001:db8::1]:10911");

  const auto expanded = HostAddress::Parse("[2001:0DB8:0:0:0:0:0:10]:54321");
  REQUIRE_OK(expanded);
  CHECK(*expanded == tv::BornHostV6());
  CHECK(expanded->ToString() == "[2001:db8::10]:54321");

  const auto loopback = HostAddress::Parse("[::1]:0");
  REQUIRE_OK(loopback);
  CHECK(loopback->ToString() == "[::1]:0");
}

TEST_CASE("malformed host addresses are InvalidArgument", "[unit][message]") {
  for (std::string_view bad : {
           "",
           "192.168.0.1",         // no port
           "192.168.0.1:",        // empty port
           "192.168.0.1:65536",   // port out of range
           "192.168.0.1:-1",      // negative port
           "192.168.0.1:80x",     // trailing junk
           "192.168.0:80",        // three octets
           "256.1.1.1:80",        // octet out of range
           "broker-a:10911",      // names are not resolved
           "2001:db8::1:10911",   // IPv6 without brackets
           "[2001:db8::1]",       // no port
           "[2001:db8::1:10911",  // no closing bracket
           "[2001:db8::1]10911",  // no colon after the bracket
           "[1.2.3.4]:80",        // IPv4 in brackets
           "[]:80",
       }) {
    INFO("input '" << bad << "'");
    const auto host = HostAddress::Parse(bad);
    CHECK_THAT(host.status(), StatusIs(absl::StatusCode::kInvalidArgument));
    CHECK_THAT(std::string(host.status().message()),
               Catch::Contains(std::string(bad)));
  }
}

}  // namespace
}  // namespace rmq
