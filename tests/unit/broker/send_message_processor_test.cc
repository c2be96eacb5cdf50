#include "broker/send_message_processor.h"

#include <catch2/catch.hpp>

#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "remoting/codes.h"
#include "rmq/io/mem_file_system.h"
#include "support/store_fixture.h"
#include "support/temp_dir.h"

namespace rmq::broker {
namespace {

using remoting::RemotingCommand;
namespace code = remoting::request;
namespace rc = remoting::response;

// A broker's send path over an in-memory store and real config files.
struct Broker {
  explicit Broker(bool auto_create = true, int32_t permission = 6,
                  FlushDiskType flush = FlushDiskType::kAsyncFlush) {
    BrokerEnvironment env;
    env.user_home = dir.str();
    config = DefaultBrokerConfig(env);
    config.broker_name = "broker-a";
    config.broker_permission = permission;
    config.store = testing::SmallStoreConfig(fs);
    config.store.store_host = HostAddress::V4(127, 0, 0, 1, 10911);
    config.store.flush_disk_type = flush;
    store = testing::MustOpen(config.store);
    topics = std::make_unique<TopicConfigManager>(
        TopicConfigManagerOptions{.config_dir = dir / "config",
                                  .broker_name = "broker-a",
                                  .auto_create_topic_enable = auto_create,
                                  .broker_permission = permission,
                                  .clock = nullptr});
    REQUIRE(topics->Load().ok());
    groups = std::make_unique<SubscriptionGroupManager>(dir / "config");
    REQUIRE(groups->Load().ok());
    processor = std::make_unique<SendMessageProcessor>(
        config, *store, *topics, *groups, *logger, [this] { ++created; });
  }

  RemotingCommand Send(const RemotingCommand& request) {
    absl::Notification done;
    RemotingCommand response;
    processor->Handle(request, "192.168.0.7:5555", [&](RemotingCommand r) {
      response = std::move(r);
      done.Notify();
    });
    REQUIRE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    CHECK(response.is_response());
    CHECK(response.opaque == request.opaque);
    return response;
  }

  testing::TempDir dir;
  std::shared_ptr<MemFileSystem> fs = NewMemFileSystem();
  std::shared_ptr<Logger> logger = NullLogger();
  BrokerConfig config;
  std::unique_ptr<MessageStore> store;
  std::unique_ptr<TopicConfigManager> topics;
  std::unique_ptr<SubscriptionGroupManager> groups;
  std::unique_ptr<SendMessageProcessor> processor;
  int created = 0;
};

RemotingCommand SendV2(std::string topic, std::string properties,
                       std::string body = "Hello RocketMQ",
                       std::string queue = "0") {
  RemotingCommand r = RemotingCommand::Request(code::kSendMessageV2);
  r.opaque = 7;
  const std::pair<const char*, std::string> fields[] = {
      {"a", "PID_test"},
      {"b", std::move(topic)},
      {"c", "TBW102"},
      {"d", "4"},
      {"e", std::move(queue)},
      {"f", "0"},
      {"g", "1700000000000"},
      {"h", "3"},
      {"i", std::move(properties)},
      {"j", "0"},
      {"k", "false"}};
  for (const auto& [k, v] : fields) r.ext_fields.Set(k, v);
  r.body = std::move(body);
  return r;
}

RecordView Stored(const MessageStore& store, const RemotingCommand& response,
                  int index = 0) {
  std::vector<std::string> ids =
      absl::StrSplit(*response.ext_fields.Find("msgId"), ',');
  REQUIRE(static_cast<int>(ids.size()) > index);
  // The offset message id ends in the 16-hex-digit commit-log offset.
  const int64_t offset = std::stoll(ids[index].substr(16), nullptr, 16);
  auto found = store.LookByOffset(PhysicalOffset(offset));
  REQUIRE(found.ok());
  REQUIRE(found->records.size() == 1);
  return testing::Decode(found->records[0].bytes);
}

TEST_CASE("a V2 send auto-creates its topic from TBW102 and is stored") {
  Broker b;
  RemotingCommand r =
      b.Send(SendV2("TopicTest", "TAGS\001TagA\002WAIT\001true\002KEYS\001k1"));
  CHECK(r.code == rc::kSuccess);
  CHECK(*r.ext_fields.Find("queueId") == "0");
  CHECK(*r.ext_fields.Find("queueOffset") == "0");
  CHECK(*r.ext_fields.Find("MSG_REGION") == "DefaultRegion");
  CHECK(*r.ext_fields.Find("TRACE_ON") == "true");
  CHECK(r.ext_fields.Find("msgId")->size() == 32);
  CHECK(b.created == 1);
  REQUIRE(b.topics->Find("TopicTest").has_value());
  CHECK(b.topics->Find("TopicTest")->write_queue_nums == 4);

  const RecordView record = Stored(*b.store, r);
  CHECK(record.topic == "TopicTest");
  CHECK(record.body == "Hello RocketMQ");
  CHECK(record.flag == 3);
  CHECK(record.born_timestamp == 1700000000000);
  CHECK(record.born_host.ToString() == "192.168.0.7:5555");
  const MessageProperties stored = MessageProperties::Parse(record.properties);
  CHECK(*stored.Find("TAGS") == "TagA");
  CHECK(*stored.Find("KEYS") == "k1");
  CHECK(*stored.Find("CLUSTER") == "DefaultCluster");
  CHECK(stored.Find("WAIT") == nullptr);  // as 4.9.8 stores it

  // The next one to the same queue gets the next offset; no new topic.
  RemotingCommand again = b.Send(SendV2("TopicTest", "TAGS\001TagB"));
  CHECK(*again.ext_fields.Find("queueOffset") == "1");
  CHECK(b.created == 1);
}

TEST_CASE("SEND_MESSAGE (10) takes the long field names") {
  Broker b;
  RemotingCommand r = RemotingCommand::Request(code::kSendMessage);
  const std::pair<const char*, const char*> fields[] = {
      {"producerGroup", "PID"},   {"topic", "LongNames"},
      {"defaultTopic", "TBW102"}, {"defaultTopicQueueNums", "2"},
      {"queueId", "1"},           {"sysFlag", "0"},
      {"bornTimestamp", "5"},     {"flag", "0"},
      {"properties", "TAGS\001X"}};
  for (const auto& [k, v] : fields) r.ext_fields.Set(k, v);
  r.body = "long";
  RemotingCommand response = b.Send(r);
  CHECK(response.code == rc::kSuccess);
  CHECK(*response.ext_fields.Find("queueId") == "1");
  CHECK(Stored(*b.store, response).queue_id == 1);
}

TEST_CASE("bad sends are refused with the spec's codes and a reason") {
  Broker b;
  SECTION("missing field") {
    RemotingCommand r = SendV2("T", "");
    r.ext_fields = {};
    r.ext_fields.Set("a", "PID");
    RemotingCommand response = b.Send(r);
    CHECK(response.code == rc::kSystemError);
    CHECK_THAT(*response.remark, Catch::Contains("'b'"));
  }
  SECTION("illegal and oversized topic names are MESSAGE_ILLEGAL") {
    CHECK(b.Send(SendV2("bad topic", "")).code == rc::kMessageIllegal);
    CHECK(b.Send(SendV2(std::string(128, 't'), "")).code ==
          rc::kMessageIllegal);
  }
  SECTION("oversized body") {
    RemotingCommand response = b.Send(SendV2(
        "Big", "", std::string(b.config.store.max_message_size + 1, 'x')));
    CHECK(response.code == rc::kMessageIllegal);
    CHECK_THAT(*response.remark, Catch::Contains("maxMessageSize"));
  }
  SECTION("queue out of range; a negative queue picks one") {
    b.Send(SendV2("Q", ""));
    CHECK(b.Send(SendV2("Q", "", "x", "4")).code == rc::kSystemError);
    RemotingCommand any = b.Send(SendV2("Q", "", "x", "-1"));
    CHECK(any.code == rc::kSuccess);
    CHECK(std::stoi(*any.ext_fields.Find("queueId")) < 4);
  }
  SECTION("sends to system topics and transactional sends") {
    CHECK(b.Send(SendV2("SCHEDULE_TOPIC_XXXX", "")).code == rc::kNoPermission);
    CHECK(b.Send(SendV2("Tx", "TRAN_MSG\001true")).code == rc::kNoPermission);
  }
}

TEST_CASE("without auto-create an unknown topic does not exist") {
  Broker b(/*auto_create=*/false);
  RemotingCommand response = b.Send(SendV2("Unknown", ""));
  CHECK(response.code == rc::kTopicNotExist);
  CHECK(response.remark == "topic[Unknown] not exist, apply first please!");
}

TEST_CASE(
    "under SYNC_FLUSH the answer comes after the flush, unless WAIT=false") {
  Broker b(true, 6, FlushDiskType::kSyncFlush);
  int64_t flushed_when_answered = -1;
  absl::Notification done;
  RemotingCommand response;
  b.processor->Handle(SendV2("Sync", "TAGS\001A"), "127.0.0.1:1",
                      [&](RemotingCommand r) {
                        flushed_when_answered = b.store->Stats().flushed_offset;
                        response = std::move(r);
                        done.Notify();
                      });
  REQUIRE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  REQUIRE(response.code == rc::kSuccess);
  const RecordView record = Stored(*b.store, response);
  CHECK(flushed_when_answered >= record.physical_offset + record.total_size);
  CHECK(b.Send(SendV2("Sync", "WAIT\001false")).code == rc::kSuccess);
}

TEST_CASE("store errors map to the send statuses") {
  CHECK(SendErrorResponse(absl::InvalidArgumentError("x")).first ==
        rc::kMessageIllegal);
  CHECK(SendErrorResponse(absl::FailedPreconditionError("read-only")).first ==
        rc::kServiceNotAvailable);
  CHECK(SendErrorResponse(absl::ResourceExhaustedError("disk full")).first ==
        rc::kServiceNotAvailable);
  CHECK(SendErrorResponse(absl::UnavailableError("segment")).first ==
        rc::kServiceNotAvailable);
  CHECK(SendErrorResponse(absl::InternalError("bug")).first ==
        rc::kSystemError);
}

TEST_CASE("a broker without write permission refuses sends") {
  Broker b(/*auto_create=*/true, /*permission=*/4);
  CHECK(b.Send(SendV2("TopicTest", "")).code == rc::kNoPermission);
}

TEST_CASE("a read-only store answers SERVICE_NOT_AVAILABLE") {
  Broker b;
  REQUIRE(b.store->Shutdown().ok());
  RemotingCommand response = b.Send(SendV2("TopicTest", ""));
  CHECK(response.code == rc::kServiceNotAvailable);
  CHECK_THAT(*response.remark, Catch::Contains("shut down"));
}

std::string BatchEntry(int32_t flag, std::string_view body,
                       std::string_view props) {
  std::string e;
  auto put = [&e](uint32_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
      e.push_back(static_cast<char>(v >> (8 * i)));
  };
  put(22 + body.size() + props.size(), 4);
  put(0, 4);
  put(0, 4);
  put(static_cast<uint32_t>(flag), 4);
  put(body.size(), 4);
  e.append(body);
  put(props.size(), 2);
  e.append(props);
  return e;
}

TEST_CASE("a batch lands with consecutive offsets and the batch's properties") {
  Broker b;
  RemotingCommand r = SendV2("Batch", "WAIT\001true\002TAGS\001Outer");
  r.code = code::kSendBatchMessage;
  r.ext_fields.Set("m", "true");
  r.body = BatchEntry(1, "one", "KEYS\001k1\002UNIQ_KEY\001U1") +
           BatchEntry(2, "two", "KEYS\001k2") + BatchEntry(3, "three", "");
  RemotingCommand response = b.Send(r);
  REQUIRE(response.code == rc::kSuccess);
  CHECK(*response.ext_fields.Find("queueOffset") == "0");
  for (int i = 0; i < 3; ++i) {
    const RecordView record = Stored(*b.store, response, i);
    CHECK(record.queue_offset == i);
    CHECK(record.flag == i + 1);
    const MessageProperties p = MessageProperties::Parse(record.properties);
    CHECK(*p.Find("TAGS") == "Outer");
    CHECK(*p.Find("CLUSTER") == "DefaultCluster");
    CHECK(p.Find("WAIT") == nullptr);
  }
  CHECK(Stored(*b.store, response, 1).body == "two");

  RemotingCommand torn = r;
  torn.body.pop_back();
  CHECK(b.Send(torn).code == rc::kMessageIllegal);
  RemotingCommand delayed = r;
  delayed.ext_fields.Set("i", "DELAY\0013");
  CHECK(b.Send(delayed).code == rc::kMessageIllegal);
}

TEST_CASE("retry messages past their max reconsume times go to the DLQ") {
  Broker b;
  REQUIRE(b.groups->FindOrAutoCreate("G", true).ok());
  RemotingCommand retry = SendV2("%RETRY%G", "");
  retry.version = 409;
  retry.ext_fields.Set("j", "2");
  retry.ext_fields.Set("l", "3");
  CHECK(Stored(*b.store, b.Send(retry)).topic == "%RETRY%G");
  retry.ext_fields.Set("j", "3");
  RemotingCommand dead = b.Send(retry);
  CHECK(dead.code == rc::kSuccess);
  CHECK(Stored(*b.store, dead).topic == "%DLQ%G");
  CHECK(b.topics->Find("%DLQ%G").has_value());
}

}  // namespace
}  // namespace rmq::broker
