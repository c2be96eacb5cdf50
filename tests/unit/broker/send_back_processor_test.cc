#include "broker/send_back_processor.h"

#include <catch2/catch.hpp>

#include "broker/schedule_message_service.h"
#include "remoting/codes.h"
#include "rmq/commitlog/record.h"
#include "rmq/io/mem_file_system.h"
#include "support/fake_clock.h"
#include "support/status_matchers.h"
#include "support/store_fixture.h"
#include "support/temp_dir.h"

namespace rmq::broker {
namespace {

using remoting::RemotingCommand;
namespace code = remoting::request;
namespace rc = remoting::response;

constexpr int64_t kT0 = 1700000000000;
const HostAddress kStoreHost = HostAddress::V4(127, 0, 0, 1, 10911);

// The send-back path over an in-memory store (default 18 delay levels, a
// FakeClock) and real config files.
struct Broker {
  explicit Broker(bool auto_create_group = true) {
    BrokerEnvironment env;
    env.user_home = dir.str();
    config = DefaultBrokerConfig(env);
    config.broker_name = "broker-a";
    config.auto_create_subscription_group = auto_create_group;
    config.store = testing::SmallStoreConfig(fs);
    config.store.store_host = kStoreHost;
    config.store.clock = clock;
    store = testing::MustOpen(config.store);
    topics = std::make_unique<TopicConfigManager>(
        TopicConfigManagerOptions{.config_dir = dir / "config",
                                  .broker_name = "broker-a",
                                  .clock = nullptr});
    REQUIRE_OK(topics->Load());
    groups = std::make_unique<SubscriptionGroupManager>(dir / "config");
    REQUIRE_OK(groups->Load());
    processor = std::make_unique<SendBackProcessor>(
        config, *store, *topics, *groups, *logger, [this] { ++created; });
  }

  // A consumed message in "Orders" queue 2; its commit-log offset.
  int64_t PutOriginal(int32_t reconsume_times = 0,
                      MessageProperties extra = {}) {
    MessageToStore m = testing::Message("Orders", 2, "payload", "TagA", "k1");
    m.properties.Set(kPropertyUniqKey, "UNIQ-1");
    for (const auto& [k, v] : extra.entries()) m.properties.Set(k, v);
    m.reconsume_times = reconsume_times;
    m.flag = 3;
    absl::StatusOr<PutResult> put = store->Put(m);
    REQUIRE_OK(put);
    return put->physical_offset.value();
  }

  RemotingCommand SendBack(
      std::initializer_list<std::pair<const char*, std::string>> fields,
      int32_t version = remoting::kOurVersion) {
    RemotingCommand request = RemotingCommand::Request(36);
    request.version = version;
    request.opaque = 11;
    for (const auto& [k, v] : fields) request.ext_fields.Set(k, v);
    REQUIRE(SendBackProcessor::Handles(request.code));
    RemotingCommand response = processor->Handle(request);
    CHECK(response.is_response());
    CHECK(response.opaque == 11);
    return response;
  }

  // The only record of topic/queue (fails the test if not exactly one).
  RecordView Only(std::string_view topic, int32_t queue) {
    absl::StatusOr<GetResult> got = store->Get(GetRequest{
        .topic = topic, .queue_id = QueueId(queue), .offset = QueueOffset(0)});
    REQUIRE_OK(got);
    REQUIRE(got->records.size() == 1);
    pins.push_back(std::move(got->pins));
    return testing::Decode(got->records[0].bytes);
  }

  testing::TempDir dir;
  std::shared_ptr<MemFileSystem> fs = NewMemFileSystem();
  std::shared_ptr<testing::FakeClock> clock =
      std::make_shared<testing::FakeClock>(kT0);
  std::shared_ptr<Logger> logger = NullLogger();
  BrokerConfig config;
  std::unique_ptr<MessageStore> store;
  std::unique_ptr<TopicConfigManager> topics;
  std::unique_ptr<SubscriptionGroupManager> groups;
  std::unique_ptr<SendBackProcessor> processor;
  std::vector<SegmentPins> pins;  // keeps decoded views valid
  int created = 0;
};

std::string Prop(const RecordView& v, std::string_view name) {
  const MessageProperties p = MessageProperties::Parse(v.properties);
  const std::string* value = p.Find(name);
  return value == nullptr ? "<absent>" : *value;
}

TEST_CASE("send-back schedules a retry at level 3 + reconsumeTimes",
          "[delay]") {
  Broker b;
  const int64_t offset = b.PutOriginal();
  RemotingCommand r = b.SendBack({{"offset", std::to_string(offset)},
                                  {"group", "G"},
                                  {"delayLevel", "0"},
                                  {"originMsgId", "UNIQ-1"},
                                  {"maxReconsumeTimes", "16"}});
  CHECK(r.code == rc::kSuccess);
  REQUIRE(b.topics->Find("%RETRY%G").has_value());
  CHECK(b.topics->Find("%RETRY%G")->write_queue_nums == 1);
  CHECK(b.created == 1);
  CHECK(b.groups->Find("G").has_value());  // auto-created

  // Level 3 = SCHEDULE_TOPIC_XXXX queue 2, bound for %RETRY%G queue 0.
  const RecordView s = b.Only(kScheduleTopic, 2);
  CHECK(Prop(s, kPropertyRealTopic) == "%RETRY%G");
  CHECK(Prop(s, kPropertyRealQueueId) == "0");
  CHECK(Prop(s, kPropertyDelayLevel) == "3");
  CHECK(Prop(s, kPropertyRetryTopic) == "Orders");
  CHECK(Prop(s, kPropertyOriginMessageId) ==
        OffsetMessageId(kStoreHost, offset));
  CHECK(Prop(s, kPropertyWait) == "false");
  CHECK(Prop(s, kPropertyUniqKey) == "UNIQ-1");
  CHECK(Prop(s, kPropertyKeys) == "k1");
  CHECK(s.reconsume_times == 1);
  CHECK(s.body == "payload");
  CHECK(s.flag == 3);
  CHECK(s.born_timestamp == kT0);
  CHECK(s.born_host == HostAddress::V4(10, 0, 0, 1, 5555));
  CHECK(b.store->MaxOffsetInQueue("%RETRY%G", QueueId(0)).value() == 0);

  // Ten seconds later (level 3) the schedule service moves it to the retry
  // topic, where the consumer's %RETRY% subscription finds it.
  ScheduleMessageService schedule(
      *b.store, *b.logger,
      ScheduleMessageServiceOptions{.config_dir = b.dir / "config"});
  REQUIRE_OK(schedule.Load());
  CHECK(*schedule.DeliverDue(absl::FromUnixMillis(kT0 + 9999)) == 0);
  CHECK(*schedule.DeliverDue(absl::FromUnixMillis(kT0 + 10000)) == 1);
  const RecordView retry = b.Only("%RETRY%G", 0);
  CHECK(retry.reconsume_times == 1);
  CHECK(Prop(retry, kPropertyRetryTopic) == "Orders");
  CHECK(Prop(retry, kPropertyUniqKey) == "UNIQ-1");

  // Failing again: the retry copy goes back with level 3 + 1, keeping the
  // original topic and first message id.
  r = b.SendBack({{"offset", std::to_string(retry.physical_offset)},
                  {"group", "G"},
                  {"delayLevel", "0"}});
  CHECK(r.code == rc::kSuccess);
  CHECK(b.created == 1);  // the topic already existed
  const RecordView again = b.Only(kScheduleTopic, 3);
  CHECK(Prop(again, kPropertyDelayLevel) == "4");
  CHECK(Prop(again, kPropertyRealTopic) == "%RETRY%G");
  CHECK(Prop(again, kPropertyRetryTopic) == "Orders");
  CHECK(Prop(again, kPropertyOriginMessageId) ==
        OffsetMessageId(kStoreHost, offset));
  CHECK(again.reconsume_times == 2);
}

TEST_CASE("send-back honours an explicit delay level", "[delay]") {
  Broker b;
  const int64_t offset = b.PutOriginal(5);
  CHECK(b.SendBack({{"offset", std::to_string(offset)},
                    {"group", "G"},
                    {"delayLevel", "2"}})
            .code == rc::kSuccess);
  const RecordView s = b.Only(kScheduleTopic, 1);
  CHECK(Prop(s, kPropertyDelayLevel) == "2");
  CHECK(s.reconsume_times == 6);
}

TEST_CASE("send-back past max reconsume times goes to the DLQ", "[delay]") {
  Broker b;
  SubscriptionGroupConfig g;
  g.group_name = "G";
  g.retry_max_times = 2;
  REQUIRE_OK(b.groups->UpdateOrCreate(g));

  SECTION("the group's retryMaxTimes") {
    const int64_t offset = b.PutOriginal(2, {{"ORIGIN_MESSAGE_ID", "FIRST"}});
    CHECK(b.SendBack({{"offset", std::to_string(offset)},
                      {"group", "G"},
                      {"delayLevel", "0"}})
              .code == rc::kSuccess);
    const RecordView d = b.Only("%DLQ%G", 0);
    CHECK(d.reconsume_times == 3);
    CHECK(Prop(d, kPropertyRetryTopic) == "Orders");
    CHECK(Prop(d, kPropertyOriginMessageId) == "FIRST");
    CHECK(Prop(d, kPropertyDelayLevel) == "0");  // as Java: no delay
    CHECK(b.store->MaxOffsetInQueue(kScheduleTopic, QueueId(4)).value() == 0);
    const std::optional<TopicConfig> dlq = b.topics->Find("%DLQ%G");
    REQUIRE(dlq.has_value());
    CHECK(dlq->write_queue_nums == 1);
    CHECK(dlq->read_queue_nums == 1);
    CHECK(dlq->perm == 6);
    CHECK(b.created == 2);  // %RETRY%G and %DLQ%G
  }
  SECTION("the header's maxReconsumeTimes, from version 121 on") {
    const int64_t offset = b.PutOriginal(1);
    CHECK(b.SendBack({{"offset", std::to_string(offset)},
                      {"group", "G"},
                      {"delayLevel", "0"},
                      {"maxReconsumeTimes", "1"}},
                     /*version=*/120)
              .code == rc::kSuccess);
    CHECK(b.store->MaxOffsetInQueue("%DLQ%G", QueueId(0)).value() == 0);
    CHECK(b.store->MaxOffsetInQueue(kScheduleTopic, QueueId(3)).value() == 1);
    CHECK(b.SendBack({{"offset", std::to_string(offset)},
                      {"group", "G"},
                      {"delayLevel", "0"},
                      {"maxReconsumeTimes", "1"}},
                     /*version=*/121)
              .code == rc::kSuccess);
    CHECK(b.Only("%DLQ%G", 0).reconsume_times == 2);
  }
}

TEST_CASE("send-back with a negative delay level goes to the DLQ", "[delay]") {
  Broker b;
  const int64_t offset = b.PutOriginal();
  CHECK(b.SendBack({{"offset", std::to_string(offset)},
                    {"group", "G"},
                    {"delayLevel", "-1"}})
            .code == rc::kSuccess);
  const RecordView d = b.Only("%DLQ%G", 0);
  CHECK(d.reconsume_times == 1);
  CHECK(d.body == "payload");
  CHECK(Prop(d, kPropertyOriginMessageId) ==
        OffsetMessageId(kStoreHost, offset));
}

TEST_CASE("send-back refusals", "[delay]") {
  SECTION("unknown offset") {
    Broker b;
    b.PutOriginal();
    RemotingCommand r =
        b.SendBack({{"offset", "999999"}, {"group", "G"}, {"delayLevel", "0"}});
    CHECK(r.code == rc::kSystemError);
    CHECK(r.remark.value_or("") == "look message by offset failed, 999999");
  }
  SECTION("retryQueueNums 0: acknowledged, nothing stored") {
    Broker b;
    SubscriptionGroupConfig g;
    g.group_name = "G";
    g.retry_queue_nums = 0;
    REQUIRE_OK(b.groups->UpdateOrCreate(g));
    const int64_t offset = b.PutOriginal();
    const PhysicalOffset end = b.store->MaxPhysicalOffset();
    CHECK(b.SendBack({{"offset", std::to_string(offset)},
                      {"group", "G"},
                      {"delayLevel", "0"}})
              .code == rc::kSuccess);
    CHECK(b.store->MaxPhysicalOffset() == end);
    CHECK_FALSE(b.topics->Find("%RETRY%G").has_value());
    CHECK(b.created == 0);
  }
  SECTION("unknown group without auto-create") {
    Broker b(/*auto_create_group=*/false);
    const int64_t offset = b.PutOriginal();
    CHECK(b.SendBack({{"offset", std::to_string(offset)},
                      {"group", "G"},
                      {"delayLevel", "0"}})
              .code == rc::kSubscriptionGroupNotExist);
  }
  SECTION("missing required field") {
    Broker b;
    RemotingCommand r = b.SendBack({{"group", "G"}, {"delayLevel", "0"}});
    CHECK(r.code == rc::kSystemError);
    CHECK(r.remark.value_or("") == "the custom field <offset> is null");
  }
}

}  // namespace
}  // namespace rmq::broker
