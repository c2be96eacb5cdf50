#include "broker/admin_processor.h"

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "remoting/codes.h"
#include "rmq/io/mem_file_system.h"
#include "support/store_fixture.h"
#include "support/temp_dir.h"

namespace rmq::broker {
namespace {

using remoting::RemotingCommand;
namespace code = remoting::request;
namespace rc = remoting::response;

struct Broker {
  Broker() {
    BrokerEnvironment env;
    env.user_home = dir.str();
    config = DefaultBrokerConfig(env);
    config.broker_name = "broker-a";
    config.store = testing::SmallStoreConfig(fs);
    store = testing::MustOpen(config.store);
    topics = std::make_unique<TopicConfigManager>(
        TopicConfigManagerOptions{.config_dir = dir / "config",
                                  .broker_name = "broker-a",
                                  .clock = nullptr});
    REQUIRE(topics->Load().ok());
    groups = std::make_unique<SubscriptionGroupManager>(dir / "config");
    REQUIRE(groups->Load().ok());
    admin = std::make_unique<AdminProcessor>(
        config, *store, *topics, *groups, stats, *logger,
        [this] { ++registrations; },
        [] {
          return std::map<std::string, std::string>{{"bootTimestamp", "1"}};
        });
  }

  RemotingCommand Call(
      int32_t c,
      std::initializer_list<std::pair<const char*, std::string>> fields = {}) {
    RemotingCommand request = RemotingCommand::Request(c);
    request.opaque = 9;
    for (const auto& [k, v] : fields) request.ext_fields.Set(k, v);
    REQUIRE(AdminProcessor::Handles(c));
    RemotingCommand response = admin->Handle(request);
    CHECK(response.is_response());
    CHECK(response.opaque == 9);
    return response;
  }

  testing::TempDir dir;
  std::shared_ptr<MemFileSystem> fs = NewMemFileSystem();
  std::shared_ptr<Logger> logger = NullLogger();
  BrokerConfig config;
  std::unique_ptr<MessageStore> store;
  std::unique_ptr<TopicConfigManager> topics;
  std::unique_ptr<SubscriptionGroupManager> groups;
  BrokerStats stats;
  std::unique_ptr<AdminProcessor> admin;
  int registrations = 0;
};

TEST_CASE("UPDATE_AND_CREATE_TOPIC creates, registers; system topics refused") {
  Broker b;
  RemotingCommand created =
      b.Call(code::kUpdateAndCreateTopic, {{"topic", "Orders"},
                                           {"defaultTopic", "TBW102"},
                                           {"readQueueNums", "3"},
                                           {"writeQueueNums", "3"},
                                           {"perm", "6"},
                                           {"topicFilterType", "SINGLE_TAG"},
                                           {"order", "false"}});
  CHECK(created.code == rc::kSuccess);
  CHECK(b.registrations == 1);
  REQUIRE(b.topics->Find("Orders").has_value());
  CHECK(b.topics->Find("Orders")->write_queue_nums == 3);
  CHECK_THAT(b.Call(code::kGetAllTopicConfig).body,
             Catch::Contains(R"("Orders":{"order":false,"perm":6)"));

  RemotingCommand system =
      b.Call(code::kUpdateAndCreateTopic, {{"topic", "SCHEDULE_TOPIC_XXXX"},
                                           {"readQueueNums", "1"},
                                           {"writeQueueNums", "1"},
                                           {"perm", "6"}});
  CHECK(system.code == rc::kSystemError);
  RemotingCommand missing =
      b.Call(code::kUpdateAndCreateTopic, {{"topic", "X"}});
  CHECK(missing.code == rc::kSystemError);
  CHECK(missing.remark == "the custom field <readQueueNums> is null");

  CHECK(b.Call(code::kDeleteTopicInBroker, {{"topic", "Orders"}}).code ==
        rc::kSuccess);
  CHECK_FALSE(b.topics->Find("Orders").has_value());
}

TEST_CASE("offsets, store times and lookups by key and by id") {
  Broker b;
  std::vector<PutResult> puts;
  for (int i = 0; i < 5; ++i) {
    auto put = b.store->Put(testing::Message("Q", 1, absl::StrCat("m", i), "T",
                                             absl::StrCat("key-", i)));
    REQUIRE(put.ok());
    puts.push_back(*put);
  }
  const std::pair<const char*, std::string> q1[] = {{"topic", "Q"},
                                                    {"queueId", "1"}};
  auto call = [&](int32_t c) { return b.Call(c, {q1[0], q1[1]}); };
  CHECK(*call(code::kGetMaxOffset).ext_fields.Find("offset") == "5");
  CHECK(*call(code::kGetMinOffset).ext_fields.Find("offset") == "0");
  CHECK(*call(code::kGetEarliestMsgStoreTime).ext_fields.Find("timestamp") ==
        std::to_string(puts[0].store_timestamp_ms));
  CHECK(*b.Call(code::kGetMaxOffset, {{"topic", "None"}, {"queueId", "0"}})
             .ext_fields.Find("offset") == "0");
  CHECK(*b.Call(code::kSearchOffsetByTimestamp,
                {q1[0],
                 q1[1],
                 {"timestamp", std::to_string(puts[3].store_timestamp_ms)}})
             .ext_fields.Find("offset") != "");

  RemotingCommand found = b.Call(code::kQueryMessage,
                                 {{"topic", "Q"},
                                  {"key", "key-3"},
                                  {"maxNum", "32"},
                                  {"beginTimestamp", "0"},
                                  {"endTimestamp", std::to_string(INT64_MAX)}});
  REQUIRE(found.code == rc::kSuccess);
  CHECK(found.ext_fields.Find("indexLastUpdateTimestamp") != nullptr);
  const RecordView r = testing::Decode(AsBytes(found.body));
  CHECK(r.body == "m3");
  CHECK(found.body.size() == static_cast<size_t>(r.total_size));

  RemotingCommand none = b.Call(code::kQueryMessage, {{"topic", "Q"},
                                                      {"key", "nope"},
                                                      {"maxNum", "32"},
                                                      {"beginTimestamp", "0"},
                                                      {"endTimestamp", "1"}});
  CHECK(none.code == rc::kQueryNotFound);

  RemotingCommand viewed =
      b.Call(code::kViewMessageById,
             {{"offset", std::to_string(puts[2].physical_offset.value())}});
  REQUIRE(viewed.code == rc::kSuccess);
  CHECK(testing::Decode(AsBytes(viewed.body)).body == "m2");
  CHECK(b.Call(code::kViewMessageById, {{"offset", "999999999"}}).code ==
        rc::kSystemError);
  CHECK(b.Call(code::kViewMessageById, {{"offset", "x"}}).remark ==
        "the custom field <offset> is not a number");
}

TEST_CASE("subscription groups are created, listed and deleted") {
  Broker b;
  RemotingCommand request =
      RemotingCommand::Request(code::kUpdateAndCreateSubscriptionGroup);
  request.body = R"({"groupName":"G1","retryMaxTimes":3,"consumeEnable":true})";
  CHECK(b.admin->Handle(request).code == rc::kSuccess);
  REQUIRE(b.groups->Find("G1").has_value());
  CHECK(b.groups->Find("G1")->retry_max_times == 3);
  CHECK(b.groups->Find("G1")->retry_queue_nums == 1);  // default kept
  CHECK_THAT(b.Call(code::kGetAllSubscriptionGroupConfig).body,
             Catch::Contains(R"("G1":{"brokerId":0)"));
  request.body = "{not json";
  RemotingCommand bad = b.admin->Handle(request);
  CHECK(bad.code == rc::kSystemError);
  CHECK_THAT(*bad.remark, Catch::StartsWith("update subscription group:"));
  CHECK(b.Call(code::kDeleteSubscriptionGroup, {{"groupName", "G1"}}).code ==
        rc::kSuccess);
  CHECK_FALSE(b.groups->Find("G1").has_value());
}

TEST_CASE("runtime info and topic stats bodies") {
  Broker b;
  b.stats.Sample(absl::Now(), 10, 4);
  RemotingCommand info = b.Call(code::kGetBrokerRuntimeInfo);
  CHECK_THAT(info.body, Catch::StartsWith(R"({"table":{)"));
  CHECK_THAT(info.body, Catch::Contains(R"("brokerVersion":"409")"));
  CHECK_THAT(info.body, Catch::Contains(R"("brokerVersionDesc":"V4_9_8")"));
  CHECK_THAT(info.body, Catch::Contains(R"("msgPutTotalTodayNow":"10")"));
  CHECK_THAT(info.body, Catch::Contains(R"("putTps":"0.00 0.00 0.00")"));
  CHECK_THAT(info.body, Catch::Contains(R"("bootTimestamp":"1")"));

  REQUIRE(
      b.topics
          ->UpdateOrCreate(TopicConfig{
              .topic_name = "S", .read_queue_nums = 2, .write_queue_nums = 2})
          .ok());
  auto put = b.store->Put(testing::Message("S", 1, "x"));
  REQUIRE(put.ok());
  RemotingCommand stats = b.Call(code::kGetTopicStatsInfo, {{"topic", "S"}});
  CHECK(
      stats.body ==
      absl::StrCat(
          R"({"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"S"}:)"
          R"({"lastUpdateTimestamp":0,"maxOffset":0,"minOffset":0},)"
          R"({"brokerName":"broker-a","queueId":1,"topic":"S"}:)"
          R"({"lastUpdateTimestamp":)",
          put->store_timestamp_ms, R"(,"maxOffset":1,"minOffset":0}}})"));
  CHECK(b.Call(code::kGetTopicStatsInfo, {{"topic", "Nope"}}).code ==
        rc::kTopicNotExist);
}

}  // namespace
}  // namespace rmq::broker
