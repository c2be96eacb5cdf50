#include "broker/pull_message_processor.h"

#include <catch2/catch.hpp>

#include "absl/synchronization/notification.h"
#include "base/strings.h"
#include "broker/heartbeat_data.h"
#include "remoting/codes.h"
#include "rmq/io/mem_file_system.h"
#include "support/store_fixture.h"
#include "support/temp_dir.h"

namespace rmq::broker {
namespace {

using remoting::RemotingCommand;
namespace code = remoting::request;
namespace rc = remoting::response;

struct Committed {
  std::string group, topic;
  int32_t queue = -1;
  int64_t offset = -1;
};

struct Broker {
  Broker() {
    BrokerEnvironment env;
    env.user_home = dir.str();
    config = DefaultBrokerConfig(env);
    config.broker_name = "broker-a";
    config.store = testing::SmallStoreConfig(fs);
    config.store.on_message_arrived = [this](std::string_view t, int32_t q,
                                             int64_t next, int64_t tags) {
      hold.NotifyMessageArriving(t, q, next, tags);
    };
    store = testing::MustOpen(config.store);
    topics = std::make_unique<TopicConfigManager>(
        TopicConfigManagerOptions{.config_dir = dir / "config",
                                  .broker_name = "broker-a",
                                  .clock = nullptr});
    REQUIRE(topics->Load().ok());
    REQUIRE(
        topics
            ->UpdateOrCreate(TopicConfig{
                .topic_name = "T", .read_queue_nums = 2, .write_queue_nums = 2})
            .ok());
    groups = std::make_unique<SubscriptionGroupManager>(dir / "config");
    REQUIRE(groups->Load().ok());
    hold.Start();
    pull = std::make_unique<PullMessageProcessor>(
        config, *store, *topics, *groups, clients, hold,
        [this](const std::string& g, const std::string& t, int32_t q,
               int64_t o) {
          committed = {g, t, q, o};
        });
  }
  ~Broker() { hold.Stop(); }

  // Starts a pull; the reply lands in `reply` and `done` fires.
  struct Pending {
    absl::Notification done;
    PullReply reply;
  };
  std::unique_ptr<Pending> Start(const RemotingCommand& request) {
    auto pending = std::make_unique<Pending>();
    pull->Handle(request, "127.0.0.1:1", [p = pending.get()](PullReply r) {
      p->reply = std::move(r);
      p->done.Notify();
    });
    return pending;
  }
  PullReply Pull(const RemotingCommand& request) {
    auto pending = Start(request);
    REQUIRE(pending->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    return std::move(pending->reply);
  }

  testing::TempDir dir;
  std::shared_ptr<MemFileSystem> fs = NewMemFileSystem();
  BrokerConfig config;
  PullRequestHoldService hold{nullptr};  // retries run inline
  std::unique_ptr<MessageStore> store;
  std::unique_ptr<TopicConfigManager> topics;
  std::unique_ptr<SubscriptionGroupManager> groups;
  ClientManager clients;
  std::unique_ptr<PullMessageProcessor> pull;
  Committed committed;
};

RemotingCommand PullRequest(int64_t offset, int32_t sys_flag,
                            std::string subscription = "*",
                            std::string suspend_ms = "15000",
                            std::string topic = "T", std::string queue = "0") {
  RemotingCommand r = RemotingCommand::Request(code::kPullMessage);
  r.opaque = 3;
  const std::pair<const char*, std::string> fields[] = {
      {"consumerGroup", "G"},
      {"topic", std::move(topic)},
      {"queueId", std::move(queue)},
      {"queueOffset", std::to_string(offset)},
      {"maxMsgNums", "32"},
      {"sysFlag", std::to_string(sys_flag)},
      {"commitOffset", "7"},
      {"suspendTimeoutMillis", std::move(suspend_ms)},
      {"subVersion", "0"},
      {"subscription", std::move(subscription)}};
  for (const auto& [k, v] : fields) r.ext_fields.Set(k, v);
  return r;
}

std::string Body(const PullReply& reply) {
  std::string out;
  for (auto part : reply.body) {
    out.append(reinterpret_cast<const char*>(part.data()), part.size());
  }
  return out;
}

int64_t Ext(const PullReply& reply, const char* name) {
  return std::stoll(*reply.response.ext_fields.Find(name));
}

constexpr int32_t kSuspend = 2;
constexpr int32_t kSubscription = 4;

TEST_CASE("a held pull is answered the moment a message arrives") {
  Broker b;
  auto pending = b.Start(PullRequest(0, kSuspend | kSubscription));
  CHECK_FALSE(pending->done.HasBeenNotified());
  CHECK(b.hold.parked() == 1);
  auto put = b.store->Put(testing::Message("T", 0, "hello", "TagA"));
  REQUIRE(put.ok());
  REQUIRE(pending->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  const PullReply& reply = pending->reply;
  CHECK(reply.response.code == rc::kSuccess);
  CHECK(reply.response.remark == "FOUND");
  CHECK(reply.response.opaque == 3);
  CHECK(Ext(reply, "nextBeginOffset") == 1);
  CHECK(Ext(reply, "maxOffset") == 1);
  CHECK(Ext(reply, "minOffset") == 0);
  CHECK(Ext(reply, "suggestWhichBrokerId") == 0);
  CHECK(testing::Decode(AsBytes(Body(reply))).body == "hello");
  CHECK(b.hold.parked() == 0);
}

TEST_CASE("only a message matching the held pull's tags wakes it") {
  Broker b;
  auto pending = b.Start(PullRequest(0, kSuspend | kSubscription, "TagA"));
  REQUIRE(b.store->Put(testing::Message("T", 0, "b", "TagB")).ok());
  CHECK(b.hold.parked() == 1);
  CHECK_FALSE(pending->done.HasBeenNotified());
  REQUIRE(b.store->Put(testing::Message("T", 0, "a", "TagA")).ok());
  REQUIRE(pending->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  CHECK(pending->reply.response.code == rc::kSuccess);
  // The TagB entry was scanned and skipped: next is past both.
  CHECK(Ext(pending->reply, "nextBeginOffset") == 2);
  CHECK(testing::Decode(AsBytes(Body(pending->reply))).body == "a");
}

TEST_CASE(
    "a held pull with nothing new answers PULL_NOT_FOUND at its timeout") {
  Broker b;
  const absl::Time start = absl::Now();
  PullReply reply =
      b.Pull(PullRequest(0, kSuspend | kSubscription, "*", "200"));
  CHECK(reply.response.code == 19);
  CHECK(Ext(reply, "nextBeginOffset") == 0);
  CHECK(absl::Now() - start >= absl::Milliseconds(150));
}

TEST_CASE("offsets out of range move the consumer; no-match retries at once") {
  Broker b;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(b.store->Put(testing::Message("T", 1, "x", "TagB")).ok());
  }
  PullReply past = b.Pull(PullRequest(9, kSubscription, "*", "0", "T", "1"));
  CHECK(past.response.code == 21);
  CHECK(Ext(past, "nextBeginOffset") == 3);
  PullReply caught_up =
      b.Pull(PullRequest(3, kSubscription, "*", "0", "T", "1"));
  CHECK(caught_up.response.code == 19);
  PullReply none = b.Pull(PullRequest(0, kSubscription, "TagA", "0", "T", "1"));
  CHECK(none.response.code == 20);
  CHECK(Ext(none, "nextBeginOffset") == 3);
  PullReply empty = b.Pull(PullRequest(5, kSubscription, "*", "0", "T", "0"));
  CHECK(empty.response.code == 21);
  CHECK(Ext(empty, "nextBeginOffset") == 0);
}

TEST_CASE("the heartbeat's subscription is used unless the pull carries one") {
  Broker b;
  CHECK(b.Pull(PullRequest(0, 0)).response.code == 24);  // no heartbeat
  HeartbeatData hb;
  hb.client_id = "c1";
  ConsumerData consumer;
  consumer.group_name = "G";
  SubscriptionData sub;
  sub.topic = "T";
  sub.sub_string = "TagA";
  sub.sub_version = 5;
  DeriveTagsFromSubString(sub.sub_string, &sub.tags_set, &sub.code_set);
  consumer.subscriptions.push_back(sub);
  hb.consumers.push_back(consumer);
  ClientChannel channel;
  channel.id = 1;
  channel.remote_addr = "127.0.0.1:1";
  channel.client_id = "c1";
  b.clients.Heartbeat(channel, hb, absl::Now());
  REQUIRE(b.store->Put(testing::Message("T", 0, "b", "TagB")).ok());
  REQUIRE(b.store->Put(testing::Message("T", 0, "a", "TagA")).ok());
  PullReply reply = b.Pull(PullRequest(0, 0));
  CHECK(reply.response.code == rc::kSuccess);
  CHECK(testing::Decode(AsBytes(Body(reply))).body == "a");
  RemotingCommand newer = PullRequest(0, 0);
  newer.ext_fields.Set("subVersion", "6");
  CHECK(b.Pull(newer).response.code == 25);
}

TEST_CASE("pull errors and the commit-offset bit") {
  Broker b;
  CHECK(b.Pull(PullRequest(0, kSubscription, "*", "0", "Nope")).response.code ==
        rc::kTopicNotExist);
  CHECK(
      b.Pull(PullRequest(0, kSubscription, "*", "0", "T", "2")).response.code ==
      rc::kSystemError);
  RemotingCommand missing = PullRequest(0, kSubscription);
  missing.ext_fields = {};
  CHECK(b.Pull(missing).response.code == rc::kSystemError);
  CHECK(b.Pull(PullRequest(0, kSubscription, "A || ")).response.code == 23);

  REQUIRE(b.store->Put(testing::Message("T", 0, "x")).ok());
  CHECK(b.Pull(PullRequest(0, kSubscription | 1)).response.code ==
        rc::kSuccess);
  CHECK(b.committed.group == "G");
  CHECK(b.committed.topic == "T");
  CHECK(b.committed.queue == 0);
  CHECK(b.committed.offset == 7);
}

}  // namespace
}  // namespace rmq::broker
