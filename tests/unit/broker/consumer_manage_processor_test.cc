// ConsumerManageProcessor against a real (in-memory) store:
// QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15), GET_CONSUME_STATS
// (208), INVOKE_BROKER_TO_RESET_OFFSET (222) and the
// RESET_CONSUMER_CLIENT_OFFSET (220) pushes (remoting-protocol.md §9.3.2,
// §9.3.3, §9.5.7, §9.5.8, §9.6.3, §11.7).

#include "broker/consumer_manage_processor.h"

#include <catch2/catch.hpp>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "broker/heartbeat_data.h"
#include "remoting/codes.h"
#include "rmq/io/mem_file_system.h"
#include "support/fake_clock.h"
#include "support/status_matchers.h"
#include "support/store_fixture.h"
#include "support/temp_dir.h"

namespace rmq::broker {
namespace {

using remoting::LanguageCode;
using remoting::RemotingCommand;
namespace code = remoting::request;
namespace rc = remoting::response;

constexpr int32_t kGetConsumeStats = 208;
constexpr int32_t kResetConsumerClientOffset = 220;
constexpr int32_t kInvokeBrokerToResetOffset = 222;
constexpr int64_t kT0 = 1700000000000;

ClientChannel Channel(uint64_t id, LanguageCode language) {
  ClientChannel c;
  c.id = id;
  c.remote_addr = absl::StrCat("10.0.0.", id, ":5000");
  c.language = language;
  c.version = 409;
  c.client_id = absl::StrCat("10.0.0.", id, "@1");
  return c;
}

struct Sent {
  ClientChannel channel;
  RemotingCommand request;
};

struct Broker {
  explicit Broker(int64_t physical_memory_bytes = 0) {
    config.clock = clock;
    store = testing::MustOpen(config);
    topics = std::make_unique<TopicConfigManager>(
        TopicConfigManagerOptions{.config_dir = dir / "config",
                                  .broker_name = "broker-a",
                                  .clock = nullptr});
    REQUIRE_OK(topics->Load());
    REQUIRE_OK(topics->UpdateOrCreate(TopicConfig{
        .topic_name = "T", .read_queue_nums = 2, .write_queue_nums = 2}));
    offsets = std::make_unique<ConsumerOffsetManager>(dir / "config");
    processor = std::make_unique<ConsumerManageProcessor>(
        *offsets, *store, *topics, clients,
        ConsumerManageProcessorOptions{
            .broker_name = "broker-a",
            .send_to_client =
                [this](const ClientChannel& channel, RemotingCommand r) {
                  sent.push_back({channel, std::move(r)});
                },
            .consume_tps =
                [this](const std::string& group, const std::string& topic) {
                  return tps_of(group, topic);
                },
            .physical_memory_bytes = physical_memory_bytes,
            .logger = NullLogger()});
  }

  // Stores a message in T/queue at `time_ms`; returns its queue offset.
  int64_t Put(int32_t queue, int64_t time_ms, std::string topic = "T") {
    clock->Set(time_ms);
    absl::StatusOr<PutResult> r =
        store->Put(testing::Message(std::move(topic), queue, "body"));
    REQUIRE_OK(r);
    return r->queue_offset.value();
  }

  void Online(const std::string& group, const ClientChannel& channel,
              std::vector<std::string> subscribed = {"T"}) {
    HeartbeatData beat;
    beat.client_id = channel.client_id;
    ConsumerData consumer;
    consumer.group_name = group;
    for (std::string& topic : subscribed) {
      SubscriptionData sub;
      sub.topic = std::move(topic);
      sub.sub_string = std::string(kSubAll);
      consumer.subscriptions.push_back(std::move(sub));
    }
    beat.consumers.push_back(std::move(consumer));
    clients.Heartbeat(channel, beat, absl::FromUnixMillis(kT0));
  }

  RemotingCommand Call(
      int32_t c,
      std::initializer_list<std::pair<const char*, std::string>> fields = {}) {
    RemotingCommand request = RemotingCommand::Request(c);
    request.opaque = 77;
    for (const auto& [k, v] : fields) request.ext_fields.Set(k, v);
    REQUIRE(ConsumerManageProcessor::Handles(c));
    RemotingCommand response = processor->Handle(request);
    CHECK(response.is_response());
    CHECK(response.opaque == 77);
    return response;
  }

  RemotingCommand Reset(const std::string& group, int64_t timestamp, bool force,
                        const std::string& topic = "T") {
    return Call(kInvokeBrokerToResetOffset,
                {{"topic", topic},
                 {"group", group},
                 {"timestamp", absl::StrCat(timestamp)},
                 {"isForce", force ? "true" : "false"}});
  }

  testing::TempDir dir;
  std::shared_ptr<testing::FakeClock> clock =
      std::make_shared<testing::FakeClock>(kT0);
  StoreConfig config = testing::SmallStoreConfig(NewMemFileSystem());
  std::unique_ptr<MessageStore> store;
  std::unique_ptr<TopicConfigManager> topics;
  ClientManager clients;
  std::unique_ptr<ConsumerOffsetManager> offsets;
  std::unique_ptr<ConsumerManageProcessor> processor;
  std::vector<Sent> sent;
  std::function<double(const std::string&, const std::string&)> tps_of =
      [](const std::string&, const std::string&) { return 0.0; };
};

std::string Mq(int32_t queue, const std::string& topic = "T") {
  return absl::StrCat(R"({"brokerName":"broker-a","queueId":)", queue,
                      R"(,"topic":")", topic, R"("})");
}

TEST_CASE("consumer-manage processor handles 14, 15, 208 and 222 only",
          "[offsets]") {
  CHECK(ConsumerManageProcessor::Handles(code::kQueryConsumerOffset));
  CHECK(ConsumerManageProcessor::Handles(code::kUpdateConsumerOffset));
  CHECK(ConsumerManageProcessor::Handles(kGetConsumeStats));
  CHECK(ConsumerManageProcessor::Handles(kInvokeBrokerToResetOffset));
  CHECK_FALSE(ConsumerManageProcessor::Handles(kResetConsumerClientOffset));
  CHECK_FALSE(ConsumerManageProcessor::Handles(code::kPullMessage));
}

TEST_CASE("UPDATE_CONSUMER_OFFSET stores as is, also oneway", "[offsets]") {
  Broker b;
  RemotingCommand r =
      b.Call(code::kUpdateConsumerOffset, {{"consumerGroup", "g"},
                                           {"topic", "T"},
                                           {"queueId", "1"},
                                           {"commitOffset", "42"}});
  CHECK(r.code == rc::kSuccess);
  CHECK(r.ext_fields.empty());
  CHECK(b.offsets->Query("g", "T", 1) == 42);

  // Backwards is stored; -1 (ali-ons) is ignored.
  b.Call(code::kUpdateConsumerOffset, {{"consumerGroup", "g"},
                                       {"topic", "T"},
                                       {"queueId", "1"},
                                       {"commitOffset", "7"}});
  CHECK(b.offsets->Query("g", "T", 1) == 7);
  r = b.Call(code::kUpdateConsumerOffset, {{"consumerGroup", "g"},
                                           {"topic", "T"},
                                           {"queueId", "1"},
                                           {"commitOffset", "-1"}});
  CHECK(r.code == rc::kSuccess);
  CHECK(b.offsets->Query("g", "T", 1) == 7);

  RemotingCommand oneway =
      RemotingCommand::Request(code::kUpdateConsumerOffset);
  oneway.flag |= remoting::kFlagOneway;
  oneway.ext_fields.Set("consumerGroup", "g");
  oneway.ext_fields.Set("topic", "T");
  oneway.ext_fields.Set("queueId", "0");
  oneway.ext_fields.Set("commitOffset", "3");
  CHECK(b.processor->Handle(oneway).code == rc::kSuccess);
  CHECK(b.offsets->Query("g", "T", 0) == 3);

  r = b.Call(code::kUpdateConsumerOffset,
             {{"consumerGroup", "g"}, {"topic", "T"}, {"queueId", "0"}});
  CHECK(r.code == rc::kSystemError);
  CHECK(r.remark == "the custom field <commitOffset> is null");
  r = b.Call(code::kUpdateConsumerOffset, {{"consumerGroup", "g"},
                                           {"topic", "T"},
                                           {"queueId", "x"},
                                           {"commitOffset", "1"}});
  CHECK(r.code == rc::kSystemError);
  CHECK(r.remark == "the custom field <queueId> is not a number");
}

TEST_CASE("QUERY_CONSUMER_OFFSET: stored, new queue -> 0, else 22",
          "[offsets]") {
  SECTION("a stored offset is answered") {
    Broker b;
    b.offsets->Commit("g", "T", 0, 17);
    RemotingCommand r =
        b.Call(code::kQueryConsumerOffset,
               {{"consumerGroup", "g"}, {"topic", "T"}, {"queueId", "0"}});
    CHECK(r.code == rc::kSuccess);
    REQUIRE(r.ext_fields.Find("offset") != nullptr);
    CHECK(*r.ext_fields.Find("offset") == "17");
  }
  SECTION("no offset, the queue's first message in memory: 0") {
    Broker b;
    b.Put(0, kT0);
    for (const char* queue : {"0", "1"}) {  // small queue; empty queue
      RemotingCommand r = b.Call(
          code::kQueryConsumerOffset,
          {{"consumerGroup", "new"}, {"topic", "T"}, {"queueId", queue}});
      CHECK(r.code == rc::kSuccess);
      REQUIRE(r.ext_fields.Find("offset") != nullptr);
      CHECK(*r.ext_fields.Find("offset") == "0");
    }
  }
  SECTION("no offset, the first message too far behind: QUERY_NOT_FOUND") {
    // 100 bytes of RAM: 40 bytes count as "in memory", less than a record.
    Broker b(/*physical_memory_bytes=*/100);
    b.Put(0, kT0);
    b.Put(0, kT0);
    RemotingCommand r =
        b.Call(code::kQueryConsumerOffset,
               {{"consumerGroup", "new"}, {"topic", "T"}, {"queueId", "0"}});
    CHECK(r.code == rc::kQueryNotFound);
    CHECK(r.remark ==
          "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first");
    CHECK(r.ext_fields.Find("offset") == nullptr);
    // An empty queue is still "new": 0.
    r = b.Call(code::kQueryConsumerOffset,
               {{"consumerGroup", "new"}, {"topic", "T"}, {"queueId", "1"}});
    CHECK(r.code == rc::kSuccess);
  }
  SECTION("missing field") {
    Broker b;
    RemotingCommand r = b.Call(code::kQueryConsumerOffset,
                               {{"consumerGroup", "g"}, {"queueId", "0"}});
    CHECK(r.code == rc::kSystemError);
    CHECK(r.remark == "the custom field <topic> is null");
  }
}

TEST_CASE("GET_CONSUME_STATS body, exact JSON", "[offsets]") {
  Broker b;
  b.Put(0, kT0);
  b.Put(0, kT0 + 1000);
  b.Put(0, kT0 + 2000);
  b.offsets->Commit("g", "T", 0, 2);  // consumed up to the message at +1000
  b.tps_of = [](const std::string& group, const std::string& topic) {
    return group == "g" && topic == "T" ? 1.5 : 0.0;
  };

  const std::string expected = absl::StrCat(
      R"({"consumeTps":1.5,"offsetTable":{)", Mq(0),
      R"(:{"brokerOffset":3,"consumerOffset":2,"lastTimestamp":)", kT0 + 1000,
      "},", Mq(1),
      R"(:{"brokerOffset":0,"consumerOffset":0,"lastTimestamp":0}}})");
  RemotingCommand r =
      b.Call(kGetConsumeStats, {{"consumerGroup", "g"}, {"topic", "T"}});
  CHECK(r.code == rc::kSuccess);
  CHECK(r.body == expected);
  // Without `topic`: every topic with offsets (here only T).
  CHECK(b.Call(kGetConsumeStats, {{"consumerGroup", "g"}}).body == expected);

  SECTION("topics without config, or not subscribed while others are") {
    REQUIRE_OK(b.topics->UpdateOrCreate(TopicConfig{
        .topic_name = "Old", .read_queue_nums = 1, .write_queue_nums = 1}));
    b.offsets->Commit("g", "Gone", 0, 5);  // no topic config: skipped
    b.offsets->Commit("g", "Old", 0, 0);
    const std::string with_old = absl::StrCat(
        R"({"consumeTps":1.5,"offsetTable":{)", Mq(0, "Old"),
        R"(:{"brokerOffset":0,"consumerOffset":0,"lastTimestamp":0},)",
        expected.substr(
            std::string(R"({"consumeTps":1.5,"offsetTable":{)").size()));
    CHECK(b.Call(kGetConsumeStats, {{"consumerGroup", "g"}}).body == with_old);
    // Online and subscribing to T only: Old's offsets are stale.
    b.Online("g", Channel(1, LanguageCode::kJava), {"T"});
    CHECK(b.Call(kGetConsumeStats, {{"consumerGroup", "g"}}).body == expected);
  }
  SECTION("no tps hook, unknown group") {
    b.tps_of = [](const std::string&, const std::string&) { return 0.0; };
    CHECK(b.Call(kGetConsumeStats, {{"consumerGroup", "nobody"}}).body ==
          R"({"consumeTps":0.0,"offsetTable":{}})");
  }
  SECTION("missing group") {
    RemotingCommand missing = b.Call(kGetConsumeStats, {{"topic", "T"}});
    CHECK(missing.code == rc::kSystemError);
  }
}

TEST_CASE("Java's Double.toString for consumeTps", "[offsets]") {
  CHECK(JavaDoubleString(0) == "0.0");
  CHECK(JavaDoubleString(1.5) == "1.5");
  CHECK(JavaDoubleString(12) == "12.0");
  CHECK(JavaDoubleString(0.1) == "0.1");
  CHECK(JavaDoubleString(0.001) == "0.001");
  CHECK(JavaDoubleString(9999999) == "9999999.0");
  CHECK(JavaDoubleString(1e7) == "1.0E7");
  CHECK(JavaDoubleString(1.25e-5) == "1.25E-5");
  CHECK(JavaDoubleString(-2.5) == "-2.5");
}

// Queue 0: offsets 0, 1, 2 stored at T0, T0+1000, T0+2000.
// Queue 1: offsets 0, 1 stored at T0+500, T0+1000.
void PutResetFixture(Broker& b) {
  b.Put(0, kT0);
  b.Put(1, kT0 + 500);
  b.Put(0, kT0 + 1000);
  b.Put(1, kT0 + 1000);
  b.Put(0, kT0 + 2000);
}

std::string JavaBody(int64_t q0, int64_t q1) {
  return absl::StrCat(R"({"offsetTable":{)", Mq(0), ":", q0, ",", Mq(1), ":",
                      q1, "}}");
}

TEST_CASE("INVOKE_BROKER_TO_RESET_OFFSET by timestamp pushes 220 to clients",
          "[offsets]") {
  Broker b;
  PutResetFixture(b);
  b.offsets->Commit("g", "T", 0, 3);
  b.offsets->Commit("g", "T", 1, 0);
  b.Online("g", Channel(1, LanguageCode::kJava));
  b.Online("g", Channel(2, LanguageCode::kCpp));

  // T0+1000: queue 0 moves back to 1; queue 1 would move forward to 1, so
  // without isForce it stays at 0.
  RemotingCommand r = b.Reset("g", kT0 + 1000, /*force=*/false);
  CHECK(r.code == rc::kSuccess);
  CHECK(r.body == JavaBody(1, 0));
  CHECK(b.offsets->Query("g", "T", 0) == 1);
  CHECK(b.offsets->Query("g", "T", 1) == 0);

  REQUIRE(b.sent.size() == 2);
  for (const Sent& s : b.sent) {
    CHECK(s.request.code == kResetConsumerClientOffset);
    CHECK(s.request.is_oneway());
    CHECK_FALSE(s.request.is_response());
    REQUIRE(s.request.ext_fields.Find("topic") != nullptr);
    CHECK(*s.request.ext_fields.Find("topic") == "T");
    CHECK(*s.request.ext_fields.Find("group") == "g");
    CHECK(*s.request.ext_fields.Find("timestamp") == absl::StrCat(kT0 + 1000));
    CHECK(*s.request.ext_fields.Find("isForce") == "false");
  }
  const Sent& java = b.sent[0].channel.id == 1 ? b.sent[0] : b.sent[1];
  const Sent& cpp = b.sent[0].channel.id == 2 ? b.sent[0] : b.sent[1];
  CHECK(java.request.body == JavaBody(1, 0));
  CHECK(cpp.request.body ==
        R"({"offsetTable":[)"
        R"({"brokerName":"broker-a","offset":1,"queueId":0,"topic":"T"},)"
        R"({"brokerName":"broker-a","offset":0,"queueId":1,"topic":"T"}]})");

  // isForce moves forward too.
  b.sent.clear();
  r = b.Reset("g", kT0 + 1000, /*force=*/true);
  CHECK(r.body == JavaBody(1, 1));
  CHECK(b.offsets->Query("g", "T", 1) == 1);
  CHECK(b.sent.size() == 2);
  CHECK(*b.sent[0].request.ext_fields.Find("isForce") == "true");

  // -1 means the max offset; without isForce that never moves forward...
  r = b.Reset("g", -1, /*force=*/false);
  CHECK(r.code == rc::kSuccess);
  CHECK(r.body == JavaBody(1, 1));
  // ...with it, the group skips to the end.
  r = b.Reset("g", -1, /*force=*/true);
  CHECK(r.body == JavaBody(3, 2));
  CHECK(b.offsets->Query("g", "T", 0) == 3);
  CHECK(b.offsets->Query("g", "T", 1) == 2);

  // Before every message: the first offsets.
  r = b.Reset("g", kT0 - 60000, /*force=*/false);
  CHECK(r.body == JavaBody(0, 0));
}

TEST_CASE("reset: a queue without an offset gets the target", "[offsets]") {
  Broker b;
  PutResetFixture(b);
  b.offsets->Commit("g", "T", 0, 3);  // queue 1 never committed
  b.Online("g", Channel(1, LanguageCode::kJava));
  RemotingCommand r = b.Reset("g", kT0 + 1000, /*force=*/false);
  CHECK(r.code == rc::kSuccess);
  CHECK(r.body == JavaBody(1, 1));
  CHECK(b.offsets->Query("g", "T", 1) == 1);
}

TEST_CASE("reset errors: unknown topic or group 1; an offline group is reset",
          "[offsets]") {
  Broker b;
  PutResetFixture(b);
  b.offsets->Commit("g", "T", 0, 3);
  b.offsets->Commit("g", "T", 1, 2);

  RemotingCommand r = b.Reset("g", kT0, false, "NoSuchTopic");
  CHECK(r.code == rc::kSystemError);
  CHECK(r.remark ==
        "[reset-offset] reset offset failed, no topic in this broker. "
        "topic=NoSuchTopic");

  b.Online("stranger", Channel(1, LanguageCode::kJava));
  r = b.Reset("stranger", kT0, false);  // online, but no offsets in T
  CHECK(r.code == rc::kSystemError);
  CHECK(r.remark == "The consumer group <stranger> not exist");

  // No consumer online: reset all the same (the group reads the stored
  // offsets when it starts), nobody to tell. Java answers 206 here.
  r = b.Reset("g", kT0, true);
  CHECK(r.code == rc::kSuccess);
  CHECK(b.sent.empty());
  // kT0 is before every message here: both queues go back to 0.
  CHECK(b.offsets->Query("g", "T", 0) == 0);
  CHECK(b.offsets->Query("g", "T", 1) == 0);
  CHECK(r.body == JavaBody(0, 0));

  r = b.Call(kInvokeBrokerToResetOffset,
             {{"topic", "T"}, {"group", "g"}, {"timestamp", "1"}});
  CHECK(r.code == rc::kSystemError);
  CHECK(r.remark == "the custom field <isForce> is null");
}

}  // namespace
}  // namespace rmq::broker
