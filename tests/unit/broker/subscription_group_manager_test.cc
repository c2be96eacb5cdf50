#include "broker/subscription_group_manager.h"

#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "broker/config_file.h"
#include "support/fake_clock.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace rmq::broker {
namespace {

namespace fs = std::filesystem;
using rmq::testing::FakeClock;
using rmq::testing::StatusIs;
using rmq::testing::TempDir;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

void WriteText(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  REQUIRE(out.good());
}

// store-format.md §17.2's example, read from the spec itself.
std::string Section17_2Example() {
  const std::string spec =
      ReadText(fs::path(RMQ_SHARED_DIR) / "spec" / "store-format.md");
  size_t at = spec.find("\n### 17.2");
  REQUIRE(at != std::string::npos);
  at = spec.find("```", at);
  REQUIRE(at != std::string::npos);
  at = spec.find('\n', at) + 1;
  const size_t end = spec.find("\n```", at);
  REQUIRE(end != std::string::npos);
  return spec.substr(at, end - at);
}

struct Broker {
  TempDir dir;
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  fs::path config_dir() const { return dir / "config"; }
  fs::path file() const { return config_dir() / "subscriptionGroup.json"; }
};

SubscriptionGroupConfig Group(const std::string& name) {
  SubscriptionGroupConfig config;
  config.group_name = name;
  return config;
}

TEST_CASE("a subscription group encodes as fastjson writes it (§17.2)",
          "[broker][subscription_group]") {
  std::string json;
  AppendSubscriptionGroupConfigJson(Group("my_group"), &json);
  CHECK(json ==
        R"({"brokerId":0,"consumeBroadcastEnable":true,"consumeEnable":true,)"
        R"("consumeFromMinEnable":true,"groupName":"my_group",)"
        R"("notifyConsumerIdsChangedEnable":true,"retryMaxTimes":16,)"
        R"("retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1})");

  // In the file, the group block is line for line the spec's (the spec
  // shortens dataVersion to one line; fastjson breaks it like any object).
  Broker b;
  SubscriptionGroupManager manager(b.config_dir(), b.clock);
  REQUIRE_OK(manager.UpdateOrCreate(Group("my_group")));
  const std::string spec = Section17_2Example();
  const std::string block_start = "\t\t\"my_group\":{";
  const std::string spec_block = spec.substr(
      spec.find(block_start),
      spec.find("\t\t}", spec.find(block_start)) + 3 - spec.find(block_start));
  CHECK(ReadText(b.file()).find(spec_block) != std::string::npos);
}

TEST_CASE("RocketMQ's subscriptionGroup.json of §17.2 loads",
          "[broker][subscription_group]") {
  Broker b;
  WriteText(b.file(), Section17_2Example());
  SubscriptionGroupManager manager(b.config_dir(), b.clock);
  REQUIRE_OK(manager.Load());
  std::optional<SubscriptionGroupConfig> g = manager.Find("my_group");
  REQUIRE(g.has_value());
  CHECK(*g == Group("my_group"));
  CHECK(manager.data_version() == DataVersion{1700000000123, 1});
  CHECK(manager.Find("TOOLS_CONSUMER").has_value());
}

TEST_CASE("non-default values and 5.x keys survive a load",
          "[broker][subscription_group]") {
  Broker b;
  WriteText(b.file(), R"({
	"dataVersion":{"counter":7,"stateVersion":0,"timestamp":1712345678901},
	"forbiddenTable":{"g1":{"TopicA":1}},
	"subscriptionGroupTable":{
		"g1":{
			"attributes":{},
			"brokerId":1,
			"consumeBroadcastEnable":false,
			"consumeEnable":false,
			"consumeFromMinEnable":false,
			"consumeMessageOrderly":true,
			"consumeTimeoutMinute":15,
			"groupName":"g1",
			"groupRetryPolicy":{"type":"CUSTOMIZED"},
			"groupSysFlag":0,
			"notifyConsumerIdsChangedEnable":false,
			"retryMaxTimes":3,
			"retryQueueNums":2,
			"subscriptionDataSet":[{"topic":"TopicA"}],
			"whichBrokerWhenConsumeSlowly":0
		},
		"TOOLS_CONSUMER":{
			"brokerId":0,
			"consumeBroadcastEnable":true,
			"consumeEnable":false,
			"consumeFromMinEnable":true,
			"groupName":"TOOLS_CONSUMER",
			"notifyConsumerIdsChangedEnable":true,
			"retryMaxTimes":16,
			"retryQueueNums":1,
			"whichBrokerWhenConsumeSlowly":1
		}
	}
})");
  SubscriptionGroupManager manager(b.config_dir(), b.clock);
  REQUIRE_OK(manager.Load());
  SubscriptionGroupConfig expected = Group("g1");
  expected.broker_id = 1;
  expected.consume_broadcast_enable = false;
  expected.consume_enable = false;
  expected.consume_from_min_enable = false;
  expected.notify_consumer_ids_changed_enable = false;
  expected.retry_max_times = 3;
  expected.retry_queue_nums = 2;
  expected.which_broker_when_consume_slowly = 0;
  CHECK(manager.Find("g1") == expected);
  CHECK_FALSE(manager.Find("TOOLS_CONSUMER")->consume_enable);  // file wins
  CHECK(manager.data_version() == DataVersion{1712345678901, 7});

  // Round trip through our own file.
  REQUIRE_OK(manager.UpdateOrCreate(Group("g2")));
  SubscriptionGroupManager reloaded(b.config_dir(), b.clock);
  REQUIRE_OK(reloaded.Load());
  CHECK(reloaded.All() == manager.All());
  CHECK(reloaded.Find("g1") == expected);
  CHECK(reloaded.data_version() == DataVersion{1700000000000, 8});
}

TEST_CASE("the built-in groups are there from the start",
          "[broker][subscription_group]") {
  Broker b;
  SubscriptionGroupManager manager(b.config_dir(), b.clock);
  REQUIRE_OK(manager.Load());
  for (const char* g :
       {"TOOLS_CONSUMER", "FILTERSRV_CONSUMER", "SELF_TEST_C_GROUP",
        "CID_ONS-HTTP-PROXY", "CID_ONSAPI_PULL", "CID_ONSAPI_PERMISSION",
        "CID_ONSAPI_OWNER"}) {
    INFO(g);
    CHECK(manager.Find(g) == Group(g));
  }
  CHECK(manager.All().size() == 7);
  CHECK(manager.data_version() == DataVersion{1700000000000, 0});
  CHECK_FALSE(fs::exists(b.file()));
}

TEST_CASE("groups are auto-created only when enabled",
          "[broker][subscription_group]") {
  Broker b;
  SubscriptionGroupManager manager(b.config_dir(), b.clock);
  REQUIRE_OK(manager.Load());

  absl::StatusOr<SubscriptionGroupConfig> refused =
      manager.FindOrAutoCreate("my_group", /*auto_create_enabled=*/false);
  CHECK_THAT(refused.status(), StatusIs(absl::StatusCode::kNotFound));
  CHECK(std::string(refused.status().message())
            .find("autoCreateSubscriptionGroup") != std::string::npos);
  CHECK_FALSE(manager.Find("my_group").has_value());
  CHECK(manager.data_version().counter == 0);

  b.clock->Set(1700000001000);
  absl::StatusOr<SubscriptionGroupConfig> created =
      manager.FindOrAutoCreate("my_group", /*auto_create_enabled=*/true);
  REQUIRE_OK(created);
  CHECK(*created == Group("my_group"));
  CHECK(manager.data_version() == DataVersion{1700000001000, 1});

  // Once it exists, it is found whatever the switch says; nothing is written.
  absl::StatusOr<SubscriptionGroupConfig> found =
      manager.FindOrAutoCreate("my_group", false);
  REQUIRE_OK(found);
  CHECK(manager.data_version().counter == 1);

  // CID_RMQ_SYS_ groups are created even when auto-creation is off.
  REQUIRE_OK(manager.FindOrAutoCreate("CID_RMQ_SYS_TRANS", false));
  CHECK(manager.data_version().counter == 2);

  SubscriptionGroupManager reloaded(b.config_dir(), b.clock);
  REQUIRE_OK(reloaded.Load());
  CHECK(reloaded.Find("my_group").has_value());
  CHECK(reloaded.Find("CID_RMQ_SYS_TRANS").has_value());
}

TEST_CASE("illegal group names are refused", "[broker][subscription_group]") {
  Broker b;
  SubscriptionGroupManager manager(b.config_dir(), b.clock);
  CHECK_OK(ValidateGroupName(std::string(255, 'g')));
  absl::Status too_long = ValidateGroupName(std::string(256, 'g'));
  CHECK_THAT(too_long, StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK(std::string(too_long.message()).find("the maximum is 255") !=
        std::string::npos);

  absl::StatusOr<SubscriptionGroupConfig> bad =
      manager.FindOrAutoCreate("my group", true);
  CHECK_THAT(bad.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK(std::string(bad.status().message()).find("illegal characters") !=
        std::string::npos);
  CHECK_THAT(manager.UpdateOrCreate(Group("")),
             StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK(manager.data_version().counter == 0);
  CHECK_FALSE(fs::exists(b.file()));
}

TEST_CASE("UpdateOrCreate and Delete persist", "[broker][subscription_group]") {
  Broker b;
  SubscriptionGroupManager manager(b.config_dir(), b.clock);
  SubscriptionGroupConfig g = Group("orders");
  g.retry_max_times = 5;
  g.consume_broadcast_enable = false;
  REQUIRE_OK(manager.UpdateOrCreate(g));
  CHECK(manager.Find("orders") == g);
  REQUIRE_OK(manager.Delete("orders"));
  CHECK_FALSE(manager.Find("orders").has_value());
  CHECK_THAT(manager.Delete("orders"), StatusIs(absl::StatusCode::kNotFound));
  CHECK(manager.data_version().counter == 2);

  // The file is what GET_ALL_SUBSCRIPTIONGROUP_CONFIG sends, pretty-printed.
  CHECK(ReadText(b.file()) == FastjsonPretty(manager.Encode()));
  rapidjson::Document doc;
  REQUIRE_OK(ParseFastjson(manager.Encode(), &doc));
  CHECK(doc["subscriptionGroupTable"].MemberCount() == 7);
  CHECK(doc["dataVersion"]["counter"].GetInt() == 2);
}

TEST_CASE("a corrupt subscriptionGroup.json falls back to the backup",
          "[broker][subscription_group]") {
  Broker b;
  {
    SubscriptionGroupManager manager(b.config_dir(), b.clock);
    REQUIRE_OK(manager.UpdateOrCreate(Group("first")));
    REQUIRE_OK(manager.UpdateOrCreate(Group("second")));
  }
  WriteText(b.file(), "{\"subscriptionGroupTable\":{\"first\":{");
  SubscriptionGroupManager manager(b.config_dir(), b.clock);
  REQUIRE_OK(manager.Load());
  CHECK(manager.Find("first").has_value());
  CHECK_FALSE(manager.Find("second").has_value());

  fs::remove(b.config_dir() / "subscriptionGroup.json.bak");
  WriteText(b.file(),
            R"({"subscriptionGroupTable":{"x":{"retryMaxTimes":"many"}}})");
  absl::Status s = manager.Load();
  CHECK_THAT(s, StatusIs(absl::StatusCode::kDataLoss));
  CHECK(std::string(s.message()).find(b.file().string()) != std::string::npos);
  CHECK(std::string(s.message()).find("\"retryMaxTimes\"") !=
        std::string::npos);
}

}  // namespace
}  // namespace rmq::broker
