// ClientManager (the producer/consumer tables) and ClientProcessor (the
// requests that fill and read them): remoting-protocol.md §9.1, §9.3.6,
// §9.5.5-9.5.6, §9.6.1, §10.4, §11.5.

#include "broker/client_manager.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "broker/client_processor.h"
#include "broker/heartbeat_data.h"
#include "broker/subscription_group_manager.h"
#include "broker/topic_config_manager.h"
#include "remoting/codes.h"
#include "support/fake_clock.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace rmq::broker {
namespace {

using remoting::LanguageCode;
using remoting::RemotingCommand;
using Strings = std::vector<std::string>;

const absl::Time kT0 = absl::FromUnixMillis(1700000000000);

ClientChannel Channel(uint64_t id, std::string addr) {
  ClientChannel c;
  c.id = id;
  c.remote_addr = std::move(addr);
  c.language = LanguageCode::kJava;
  c.version = 409;
  return c;
}

SubscriptionData Sub(std::string topic, int64_t version = 1,
                     std::string expression = "*") {
  SubscriptionData s;
  s.topic = std::move(topic);
  s.sub_string = std::move(expression);
  s.sub_version = version;
  return s;
}

HeartbeatData ConsumerBeat(std::string client_id, std::string group,
                           std::vector<SubscriptionData> subs) {
  HeartbeatData data;
  data.client_id = std::move(client_id);
  ConsumerData c;
  c.group_name = std::move(group);
  c.consume_from_where = ConsumeFromWhere::kFirstOffset;
  c.subscriptions = std::move(subs);
  data.consumers.push_back(std::move(c));
  return data;
}

HeartbeatData ProducerBeat(std::string client_id, std::string group) {
  HeartbeatData data;
  data.client_id = std::move(client_id);
  data.producers.push_back(ProducerData{std::move(group)});
  return data;
}

TEST_CASE("producers register per connection and group", "[clients]") {
  ClientManager m;
  ClientChannel ch = Channel(1, "127.0.0.1:50001");
  ch.client_id = "ignored: the body's id wins";
  ch.language = LanguageCode::kGo;
  ch.version = 317;
  const HeartbeatResult r = m.Heartbeat(ch, ProducerBeat("p@1", "PG"), kT0);
  CHECK(r.changed_consumer_groups.empty());
  CHECK(r.retry_topic_groups.empty());
  const std::vector<ClientChannel> channels = m.ProducerChannels("PG");
  REQUIRE(channels.size() == 1);
  CHECK(channels[0].id == 1);
  CHECK(channels[0].client_id == "p@1");
  CHECK(channels[0].remote_addr == "127.0.0.1:50001");
  CHECK(channels[0].language == LanguageCode::kGo);
  CHECK(channels[0].version == 317);
  CHECK(m.ProducerChannels("other").empty());
  CHECK_FALSE(m.FindConsumerGroup("PG").has_value());

  m.Heartbeat(Channel(2, "127.0.0.2:50002"), ProducerBeat("p@2", "PG"), kT0);
  CHECK(m.ProducerChannels("PG").size() == 2);
}

TEST_CASE("consumers register with settings and subscriptions", "[clients]") {
  ClientManager m;
  HeartbeatData beat = ConsumerBeat("c@1", "CG", {Sub("T1"), Sub("T2")});
  beat.consumers[0].message_model = MessageModel::kBroadcasting;
  beat.producers.push_back(ProducerData{"CLIENT_INNER_PRODUCER"});
  HeartbeatResult r = m.Heartbeat(Channel(1, "10.0.0.1:1"), beat, kT0);
  CHECK(r.changed_consumer_groups == Strings{"CG"});
  CHECK(r.retry_topic_groups == Strings{"CG"});

  const std::optional<ConsumerGroupInfo> info = m.FindConsumerGroup("CG");
  REQUIRE(info.has_value());
  CHECK(info->group_name == "CG");
  CHECK(info->consume_type == ConsumeType::kPassively);
  CHECK(info->message_model == MessageModel::kBroadcasting);
  CHECK(info->consume_from_where == ConsumeFromWhere::kFirstOffset);
  REQUIRE(info->subscriptions.size() == 2);
  CHECK(info->subscriptions[0].topic == "T1");
  CHECK(info->subscriptions[1].topic == "T2");
  REQUIRE(info->channels.size() == 1);
  CHECK(info->channels[0].client_id == "c@1");
  CHECK(m.ConsumerIds("CG") == Strings{"c@1"});
  CHECK(m.ConsumerIds("nope").empty());
  CHECK(m.FindSubscription("CG", "T2") == Sub("T2"));
  CHECK_FALSE(m.FindSubscription("CG", "T3").has_value());
  CHECK_FALSE(m.FindSubscription("nope", "T1").has_value());
  CHECK(m.ProducerChannels("CLIENT_INNER_PRODUCER").size() == 1);

  // The same heartbeat again changes nothing, but the retry topic is still
  // asked for.
  r = m.Heartbeat(Channel(1, "10.0.0.1:1"), beat, kT0 + absl::Seconds(30));
  CHECK(r.changed_consumer_groups.empty());
  CHECK(r.retry_topic_groups == Strings{"CG"});
}

TEST_CASE("a second client joining a group changes it", "[clients]") {
  ClientManager m;
  m.Heartbeat(Channel(1, "10.0.0.1:1"), ConsumerBeat("c@1", "CG", {Sub("T")}),
              kT0);
  const HeartbeatResult r = m.Heartbeat(
      Channel(2, "10.0.0.2:2"), ConsumerBeat("b@2", "CG", {Sub("T")}), kT0);
  CHECK(r.changed_consumer_groups == Strings{"CG"});
  CHECK(m.ConsumerIds("CG") == Strings{"b@2", "c@1"});
  const std::vector<ClientChannel> channels = m.ConsumerChannels("CG");
  REQUIRE(channels.size() == 2);
  CHECK(channels[0].id == 2);  // sorted by client id
  CHECK(channels[1].id == 1);

  // Two connections of one client count once in the id list.
  m.Heartbeat(Channel(3, "10.0.0.1:3"), ConsumerBeat("c@1", "CG", {Sub("T")}),
              kT0);
  CHECK(m.ConsumerIds("CG") == Strings{"b@2", "c@1"});
  CHECK(m.ConsumerChannels("CG").size() == 3);
}

TEST_CASE("subscription table replacement rules", "[clients]") {
  ClientManager m;
  const ClientChannel ch = Channel(1, "10.0.0.1:1");
  m.Heartbeat(ch, ConsumerBeat("c", "CG", {Sub("A", 100, "TagA")}), kT0);

  SECTION("an entry is replaced only by a larger subVersion") {
    HeartbeatResult r =
        m.Heartbeat(ch, ConsumerBeat("c", "CG", {Sub("A", 100, "TagB")}), kT0);
    CHECK(m.FindSubscription("CG", "A")->sub_string == "TagA");
    r = m.Heartbeat(ch, ConsumerBeat("c", "CG", {Sub("A", 99, "TagB")}), kT0);
    CHECK(m.FindSubscription("CG", "A")->sub_string == "TagA");
    r = m.Heartbeat(ch, ConsumerBeat("c", "CG", {Sub("A", 101, "TagB")}), kT0);
    CHECK(m.FindSubscription("CG", "A")->sub_string == "TagB");
    CHECK(m.FindSubscription("CG", "A")->sub_version == 101);
    // Same topic set: no rebalance needed, so no change reported (Java).
    CHECK(r.changed_consumer_groups.empty());
  }
  SECTION("a new topic is added and reported") {
    const HeartbeatResult r = m.Heartbeat(
        ch, ConsumerBeat("c", "CG", {Sub("A", 100, "TagA"), Sub("B")}), kT0);
    CHECK(r.changed_consumer_groups == Strings{"CG"});
    CHECK(m.FindSubscription("CG", "B").has_value());
  }
  SECTION("topics no longer listed are dropped and reported") {
    const HeartbeatResult r =
        m.Heartbeat(ch, ConsumerBeat("c", "CG", {Sub("B")}), kT0);
    CHECK(r.changed_consumer_groups == Strings{"CG"});
    CHECK_FALSE(m.FindSubscription("CG", "A").has_value());
    CHECK(m.FindConsumerGroup("CG")->subscriptions == std::vector{Sub("B")});
  }
  SECTION("an empty subscription list empties the table") {
    const HeartbeatResult r = m.Heartbeat(ch, ConsumerBeat("c", "CG", {}), kT0);
    CHECK(r.changed_consumer_groups == Strings{"CG"});
    CHECK(m.FindConsumerGroup("CG")->subscriptions.empty());
    CHECK(m.ConsumerIds("CG") == Strings{"c"});
  }
}

TEST_CASE("unregister removes the connection from the named groups",
          "[clients]") {
  ClientManager m;
  HeartbeatData beat = ConsumerBeat("c@1", "CG", {Sub("T")});
  beat.producers.push_back(ProducerData{"PG"});
  m.Heartbeat(Channel(1, "10.0.0.1:1"), beat, kT0);
  m.Heartbeat(Channel(2, "10.0.0.2:2"), ConsumerBeat("c@2", "CG", {Sub("T")}),
              kT0);

  CHECK(m.Unregister(1, "c@1", "PG", "").empty());
  CHECK(m.ProducerChannels("PG").empty());
  CHECK(m.ConsumerIds("CG") == Strings{"c@1", "c@2"});

  CHECK(m.Unregister(1, "c@1", "", "CG") == Strings{"CG"});
  CHECK(m.ConsumerIds("CG") == Strings{"c@2"});
  // Nothing left to remove: no change.
  CHECK(m.Unregister(1, "", "PG", "CG").empty());
  CHECK(m.Unregister(1, "c@1", "", "unknown").empty());

  // From another connection, the client id finds the registration.
  CHECK(m.Unregister(9, "c@2", "", "CG") == Strings{"CG"});
  CHECK_FALSE(m.FindConsumerGroup("CG").has_value());  // empty: forgotten
  CHECK_FALSE(m.FindSubscription("CG", "T").has_value());
}

TEST_CASE("a closed connection leaves every group", "[clients]") {
  ClientManager m;
  HeartbeatData beat = ConsumerBeat("c@1", "CG1", {Sub("T")});
  beat.consumers.push_back(ConsumerBeat("c@1", "CG2", {Sub("U")}).consumers[0]);
  beat.producers.push_back(ProducerData{"PG"});
  m.Heartbeat(Channel(1, "10.0.0.1:1"), beat, kT0);
  m.Heartbeat(Channel(2, "10.0.0.2:2"), ConsumerBeat("c@2", "CG1", {Sub("T")}),
              kT0);

  CHECK(m.ChannelClosed(1) == Strings{"CG1", "CG2"});
  CHECK(m.ConsumerIds("CG1") == Strings{"c@2"});
  CHECK_FALSE(m.FindConsumerGroup("CG2").has_value());
  CHECK(m.ProducerChannels("PG").empty());
  CHECK(m.ChannelClosed(1).empty());
  CHECK(m.ChannelClosed(77).empty());
}

TEST_CASE("registrations expire after 120 s without a heartbeat", "[clients]") {
  ClientManager m;
  HeartbeatData beat = ConsumerBeat("c@1", "CG", {Sub("T")});
  beat.producers.push_back(ProducerData{"PG"});
  m.Heartbeat(Channel(1, "10.0.0.1:1"), beat, kT0);
  m.Heartbeat(Channel(2, "10.0.0.2:2"), ConsumerBeat("c@2", "CG", {Sub("T")}),
              kT0 + absl::Seconds(60));

  ExpiryResult r = m.ScanExpired(kT0 + absl::Seconds(120));
  CHECK(r.expired_channels.empty());
  CHECK(r.changed_consumer_groups.empty());

  r = m.ScanExpired(kT0 + absl::Seconds(120) + absl::Milliseconds(1));
  CHECK(r.expired_channels == std::vector<uint64_t>{1});
  CHECK(r.changed_consumer_groups == Strings{"CG"});
  CHECK(m.ConsumerIds("CG") == Strings{"c@2"});
  CHECK(m.ProducerChannels("PG").empty());

  // A scan forgets what it reported.
  r = m.ScanExpired(kT0 + absl::Seconds(121));
  CHECK(r.expired_channels.empty());

  // The expiry is a parameter.
  r = m.ScanExpired(kT0 + absl::Seconds(71), absl::Seconds(10));
  CHECK(r.expired_channels == std::vector<uint64_t>{2});
  CHECK(r.changed_consumer_groups == Strings{"CG"});
  CHECK_FALSE(m.FindConsumerGroup("CG").has_value());
}

TEST_CASE("a live connection that stops listing a group loses only it",
          "[clients]") {
  ClientManager m;
  const ClientChannel ch = Channel(1, "10.0.0.1:1");
  HeartbeatData both = ConsumerBeat("c", "OLD", {Sub("T")});
  both.consumers.push_back(ConsumerBeat("c", "NEW", {Sub("T")}).consumers[0]);
  m.Heartbeat(ch, both, kT0);
  m.Heartbeat(ch, ConsumerBeat("c", "NEW", {Sub("T")}),
              kT0 + absl::Seconds(100));
  const ExpiryResult r = m.ScanExpired(kT0 + absl::Seconds(121));
  CHECK(r.expired_channels.empty());  // still heartbeating: not closed
  CHECK(r.changed_consumer_groups == Strings{"OLD"});
  CHECK_FALSE(m.FindConsumerGroup("OLD").has_value());
  CHECK(m.ConsumerIds("NEW") == Strings{"c"});
}

TEST_CASE("the tables may be used from many threads", "[clients]") {
  ClientManager m;
  std::vector<std::thread> threads;
  for (uint64_t t = 0; t < 4; ++t) {
    threads.emplace_back([&m, t] {
      for (uint64_t i = 0; i < 200; ++i) {
        const uint64_t id = t * 1000 + i;
        const std::string client = absl::StrCat("c@", id);
        m.Heartbeat(Channel(id, "a"), ConsumerBeat(client, "CG", {Sub("T")}),
                    kT0 + absl::Seconds(static_cast<int64_t>(i)));
        (void)m.ConsumerIds("CG");
        (void)m.FindSubscription("CG", "T");
        if (i % 2 == 0) (void)m.ChannelClosed(id);
        if (i % 50 == 0) (void)m.ScanExpired(kT0 + absl::Seconds(100));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  // Even connections were closed; odd ones stay unless a scan expired them.
  for (const std::string& id : m.ConsumerIds("CG")) {
    CHECK(std::stoull(id.substr(2)) % 2 == 1);
  }
}

ConsumerGroupInfo ExampleGroup() {
  ConsumerGroupInfo info;
  info.group_name = "CG";
  info.consume_from_where = ConsumeFromWhere::kFirstOffset;
  ClientChannel a = Channel(1, "127.0.0.1:54321");
  a.client_id = "127.0.0.1@4242";
  ClientChannel b = Channel(2, "127.0.0.2:777");
  b.client_id = "127.0.0.2@777";
  b.language = LanguageCode::kCpp;
  b.version = 333;
  info.channels = {a, b};
  SubscriptionData tagged = Sub("TopicB", 1700000000001, "TagA || TagB");
  tagged.tags_set = {"TagA", "TagB"};
  tagged.code_set = {2598919, 2598920};
  info.subscriptions = {tagged, Sub("TopicA", 1700000000000)};
  return info;
}

TEST_CASE("connection bodies are fastjson's", "[clients]") {
  const ConsumerGroupInfo info = ExampleGroup();
  CHECK(
      EncodeProducerConnection({info.channels[0]}) ==
      R"({"connectionSet":[{"clientAddr":"127.0.0.1:54321","clientId":"127.0.0.1@4242","language":"JAVA","version":409}]})");
  CHECK(EncodeProducerConnection({}) == R"({"connectionSet":[]})");
  CHECK(
      EncodeConsumerConnection(info) ==
      R"({"connectionSet":[{"clientAddr":"127.0.0.1:54321","clientId":"127.0.0.1@4242","language":"JAVA","version":409},)"
      R"({"clientAddr":"127.0.0.2:777","clientId":"127.0.0.2@777","language":"CPP","version":333}],)"
      R"("consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING",)"
      R"("subscriptionTable":{"TopicA":{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1700000000000,"tagsSet":[],"topic":"TopicA"},)"
      R"("TopicB":{"classFilterMode":false,"codeSet":[2598919,2598920],"expressionType":"TAG","subString":"TagA || TagB","subVersion":1700000000001,"tagsSet":["TagA","TagB"],"topic":"TopicB"}}})");
  CHECK(EncodeConsumerIdList({"127.0.0.1@4242", "127.0.0.2@777"}) ==
        R"({"consumerIdList":["127.0.0.1@4242","127.0.0.2@777"]})");
  CHECK(EncodeConsumerIdList({"a\"b\x01"}) ==
        R"({"consumerIdList":["a\"b\u0001"]})");
}

// ---- ClientProcessor ----

constexpr std::string_view kJavaBody =
    R"({"clientID":"127.0.0.1@4242#1700000000000","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","consumeType":"CONSUME_PASSIVELY","groupName":"please_rename_unique_group_name_4","messageModel":"CLUSTERING","subscriptionDataSet":[{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1700000000000,"tagsSet":[],"topic":"TopicTest"}],"unitMode":false}],"producerDataSet":[{"groupName":"CLIENT_INNER_PRODUCER"}]})";
constexpr std::string_view kCppBody =
    R"({"clientID":"127.0.0.9@99","consumerDataSet":[{"consumeFromWhere":4,"consumeType":1,"groupName":"please_rename_unique_group_name_4","messageModel":1,"subscriptionDataSet":[{"subString":"*","subVersion":"1700000000000","topic":"TopicTest"}]}],"producerDataSet":[]})";
constexpr std::string_view kGroup = "please_rename_unique_group_name_4";
const std::string kRetryTopic = "%RETRY%please_rename_unique_group_name_4";

struct Notification {
  std::string group;
  std::vector<uint64_t> channels;
};

struct Broker {
  rmq::testing::TempDir dir;
  std::shared_ptr<rmq::testing::FakeClock> clock =
      std::make_shared<rmq::testing::FakeClock>();
  SubscriptionGroupManager groups{dir.path() / "config", clock};
  TopicConfigManager topics{[this] {
    TopicConfigManagerOptions o;
    o.config_dir = dir.path() / "config";
    o.broker_name = "broker-a";
    o.clock = clock;
    return o;
  }()};
  ClientManager clients;
  std::vector<Notification> notified;
  std::vector<std::string> created_topics;
  std::unique_ptr<ClientProcessor> processor;

  explicit Broker(bool auto_create_group = true) {
    ClientProcessorOptions options;
    options.auto_create_subscription_group = auto_create_group;
    options.on_consumer_ids_changed =
        [this](const std::string& group,
               const std::vector<ClientChannel>& channels) {
          Notification n{group, {}};
          for (const ClientChannel& c : channels) n.channels.push_back(c.id);
          notified.push_back(std::move(n));
        };
    options.on_topic_created = [this](const TopicConfig& topic) {
      created_topics.push_back(topic.topic_name);
    };
    processor = std::make_unique<ClientProcessor>(clients, groups, topics,
                                                  std::move(options));
  }

  RemotingCommand Send(RemotingCommand request, uint64_t channel_id,
                       absl::Time now = kT0) {
    return processor->Handle(
        request,
        Channel(channel_id, absl::StrCat("127.0.0.1:", 50000 + channel_id)),
        now);
  }
};

RemotingCommand Request(int32_t code,
                        std::vector<std::pair<std::string, std::string>> ext,
                        std::string_view body = {},
                        LanguageCode language = LanguageCode::kJava,
                        int32_t version = 409) {
  RemotingCommand r;
  r.code = code;
  r.opaque = 42;
  r.language = language;
  r.version = version;
  for (const auto& [k, v] : ext) r.ext_fields.Set(k, v);
  r.body = std::string(body);
  return r;
}

RemotingCommand Heartbeat(std::string_view body,
                          LanguageCode language = LanguageCode::kJava,
                          int32_t version = 409) {
  return Request(remoting::request::kHeartBeat, {}, body, language, version);
}

TEST_CASE("HEART_BEAT registers, creates the retry topic and notifies",
          "[clients][processor]") {
  Broker b;
  const RemotingCommand response = b.Send(Heartbeat(kJavaBody), 1);
  CHECK(response.code == 0);
  CHECK(response.is_response());
  CHECK(response.opaque == 42);
  CHECK(response.body.empty());

  // §9.1.1 step 1: the group config and %RETRY%<group> (1 queue, RW).
  CHECK(b.groups.Find(std::string(kGroup)).has_value());
  const std::optional<TopicConfig> retry = b.topics.Find(kRetryTopic);
  REQUIRE(retry.has_value());
  CHECK(retry->read_queue_nums == 1);
  CHECK(retry->write_queue_nums == 1);
  CHECK(retry->perm == 6);
  CHECK(b.created_topics == Strings{kRetryTopic});

  // Step 3: the group's members hear of the change.
  REQUIRE(b.notified.size() == 1);
  CHECK(b.notified[0].group == kGroup);
  CHECK(b.notified[0].channels == std::vector<uint64_t>{1});

  // Language and version come from the request, the client id from the body.
  const std::vector<ClientChannel> producers =
      b.clients.ProducerChannels("CLIENT_INNER_PRODUCER");
  REQUIRE(producers.size() == 1);
  CHECK(producers[0].client_id == "127.0.0.1@4242#1700000000000");
  CHECK(producers[0].version == 409);

  // A repeated heartbeat: nothing to notify, nothing to create.
  CHECK(b.Send(Heartbeat(kJavaBody), 1, kT0 + absl::Seconds(30)).code == 0);
  CHECK(b.notified.size() == 1);
  CHECK(b.created_topics.size() == 1);

  // A C++ client joins: both members are told.
  CHECK(b.Send(Heartbeat(kCppBody, LanguageCode::kCpp, 333), 2).code == 0);
  REQUIRE(b.notified.size() == 2);
  CHECK(b.notified[1].channels == std::vector<uint64_t>{1, 2});
  const std::vector<ClientChannel> members =
      b.clients.ConsumerChannels(std::string(kGroup));
  REQUIRE(members.size() == 2);
  CHECK(members[1].language == LanguageCode::kCpp);
  CHECK(members[1].version == 333);
}

TEST_CASE("HEART_BEAT with a malformed body is refused, not a crash",
          "[clients][processor]") {
  Broker b;
  for (
      std::string_view body :
      {std::string_view(), std::string_view("{\"clientID\":"),
       std::string_view(
           R"({"clientID":"c","consumerDataSet":[{"groupName":"g","messageModel":"X"}]})"),
       std::string_view("\xff\xfe\x00", 3)}) {
    const RemotingCommand response = b.Send(Heartbeat(body), 1);
    CHECK(response.code == remoting::response::kSystemError);
    REQUIRE(response.remark.has_value());
    CHECK(response.remark->rfind("heartbeat body: ", 0) == 0);
  }
  CHECK(b.notified.empty());
  CHECK_FALSE(b.clients.FindConsumerGroup("g").has_value());
}

TEST_CASE("HEART_BEAT honours the group's settings", "[clients][processor]") {
  SECTION("autoCreateSubscriptionGroup off: registered, no retry topic") {
    Broker b(/*auto_create_group=*/false);
    CHECK(b.Send(Heartbeat(kJavaBody), 1).code == 0);
    CHECK(b.clients.ConsumerIds(std::string(kGroup)) ==
          Strings{"127.0.0.1@4242#1700000000000"});
    CHECK_FALSE(b.groups.Find(std::string(kGroup)).has_value());
    CHECK(b.created_topics.empty());
  }
  SECTION("notifyConsumerIdsChangedEnable false: nobody is told") {
    Broker b;
    SubscriptionGroupConfig config;
    config.group_name = std::string(kGroup);
    config.notify_consumer_ids_changed_enable = false;
    config.retry_queue_nums = 3;
    REQUIRE_OK(b.groups.UpdateOrCreate(config));
    CHECK(b.Send(Heartbeat(kJavaBody), 1).code == 0);
    CHECK(b.Send(Heartbeat(kCppBody), 2).code == 0);
    CHECK(b.notified.empty());
    CHECK(b.topics.Find(kRetryTopic)->write_queue_nums == 3);
  }
}

TEST_CASE("GET_CONSUMER_LIST_BY_GROUP", "[clients][processor]") {
  Broker b;
  const int32_t code = remoting::request::kGetConsumerListByGroup;
  b.Send(Heartbeat(kJavaBody), 1);
  b.Send(Heartbeat(kCppBody), 2);
  RemotingCommand r =
      b.Send(Request(code, {{"consumerGroup", std::string(kGroup)}}), 1);
  CHECK(r.code == 0);
  CHECK(
      r.body ==
      R"({"consumerIdList":["127.0.0.1@4242#1700000000000","127.0.0.9@99"]})");

  r = b.Send(Request(code, {{"consumerGroup", "nobody"}}), 1);
  CHECK(r.code == 1);
  CHECK(r.remark == "no consumer for this group, nobody");
  CHECK(r.body.empty());

  r = b.Send(Request(code, {}), 1);
  CHECK(r.code == 1);
  CHECK(r.remark == "the custom field <consumerGroup> is null");
}

TEST_CASE("GET_CONSUMER_CONNECTION_LIST", "[clients][processor]") {
  Broker b;
  const int32_t code = 203;
  b.Send(Heartbeat(kCppBody, LanguageCode::kCpp, 333), 7);
  RemotingCommand r =
      b.Send(Request(code, {{"consumerGroup", std::string(kGroup)}}), 1);
  CHECK(r.code == 0);
  CHECK(
      r.body ==
      R"({"connectionSet":[{"clientAddr":"127.0.0.1:50007","clientId":"127.0.0.9@99","language":"CPP","version":333}],)"
      R"("consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING",)"
      R"("subscriptionTable":{"TopicTest":{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1700000000000,"tagsSet":[],"topic":"TopicTest"}}})");

  r = b.Send(Request(code, {{"consumerGroup", "nobody"}}), 1);
  CHECK(r.code == 206);
  CHECK(r.remark == "the consumer group[nobody] not online");

  r = b.Send(Request(code, {}), 1);
  CHECK(r.code == 1);
  CHECK(r.remark == "the custom field <consumerGroup> is null");
}

TEST_CASE("GET_PRODUCER_CONNECTION_LIST", "[clients][processor]") {
  Broker b;
  const int32_t code = remoting::request::kGetProducerConnectionList;
  b.Send(Heartbeat(kJavaBody), 3);
  RemotingCommand r =
      b.Send(Request(code, {{"producerGroup", "CLIENT_INNER_PRODUCER"}}), 1);
  CHECK(r.code == 0);
  CHECK(
      r.body ==
      R"({"connectionSet":[{"clientAddr":"127.0.0.1:50003","clientId":"127.0.0.1@4242#1700000000000","language":"JAVA","version":409}]})");

  r = b.Send(Request(code, {{"producerGroup", "PG"}}), 1);
  CHECK(r.code == 1);
  CHECK(r.remark == "the producer group[PG] not exist");

  r = b.Send(Request(code, {}), 1);
  CHECK(r.code == 1);
  CHECK(r.remark == "the custom field <producerGroup> is null");
}

TEST_CASE("UNREGISTER_CLIENT", "[clients][processor]") {
  Broker b;
  const int32_t code = remoting::request::kUnregisterClient;
  b.Send(Heartbeat(kJavaBody), 1);
  b.Send(Heartbeat(kCppBody), 2);
  b.notified.clear();

  RemotingCommand r =
      b.Send(Request(code, {{"clientID", "127.0.0.1@4242#1700000000000"},
                            {"producerGroup", "CLIENT_INNER_PRODUCER"},
                            {"consumerGroup", std::string(kGroup)}}),
             1);
  CHECK(r.code == 0);
  CHECK(b.clients.ConsumerIds(std::string(kGroup)) == Strings{"127.0.0.9@99"});
  CHECK(b.clients.ProducerChannels("CLIENT_INNER_PRODUCER").empty());
  REQUIRE(b.notified.size() == 1);
  CHECK(b.notified[0].group == kGroup);
  CHECK(b.notified[0].channels == std::vector<uint64_t>{2});

  // The last member leaves: nobody left to tell.
  r = b.Send(Request(code, {{"clientID", "127.0.0.9@99"},
                            {"consumerGroup", std::string(kGroup)}}),
             2);
  CHECK(r.code == 0);
  CHECK(b.notified.size() == 1);
  CHECK_FALSE(b.clients.FindConsumerGroup(std::string(kGroup)).has_value());

  r = b.Send(Request(code, {{"consumerGroup", "g"}}), 2);
  CHECK(r.code == 1);
  CHECK(r.remark == "the custom field <clientID> is null");
}

TEST_CASE("closed and expired connections notify the remaining members",
          "[clients][processor]") {
  Broker b;
  b.Send(Heartbeat(kJavaBody), 1);
  b.Send(Heartbeat(kCppBody), 2, kT0 + absl::Seconds(60));
  b.notified.clear();

  CHECK(b.processor->ScanExpired(kT0 + absl::Seconds(120)).empty());
  CHECK(b.processor->ScanExpired(kT0 + absl::Seconds(121)) ==
        std::vector<uint64_t>{1});
  REQUIRE(b.notified.size() == 1);
  CHECK(b.notified[0].channels == std::vector<uint64_t>{2});

  b.Send(Heartbeat(kJavaBody), 3, kT0 + absl::Seconds(130));
  b.notified.clear();
  b.processor->ChannelClosed(2);
  REQUIRE(b.notified.size() == 1);
  CHECK(b.notified[0].channels == std::vector<uint64_t>{3});
  b.processor->ChannelClosed(3);
  CHECK(b.notified.size() == 1);  // the group is empty now
}

TEST_CASE("other request codes are not supported here",
          "[clients][processor]") {
  Broker b;
  const RemotingCommand r = b.Send(Request(11, {}), 1);
  CHECK(r.code == remoting::response::kRequestCodeNotSupported);
  CHECK(r.remark.has_value());
}

}  // namespace
}  // namespace rmq::broker
