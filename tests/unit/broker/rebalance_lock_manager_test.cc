#include "broker/rebalance_lock_manager.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "broker/lock_processor.h"
#include "remoting/codes.h"

namespace rmq::broker {
namespace {

using remoting::RemotingCommand;
namespace rc = remoting::response;

const absl::Time kT0 = absl::FromUnixMillis(1700000000000);

MessageQueue Mq(int32_t queue_id, std::string topic = "TopicTest",
                std::string broker = "broker-a") {
  return MessageQueue{.topic = std::move(topic),
                      .broker_name = std::move(broker),
                      .queue_id = queue_id};
}

RemotingCommand Request(int32_t code, std::string body) {
  RemotingCommand request = RemotingCommand::Request(code);
  request.opaque = 7;
  request.body = std::move(body);
  return request;
}

TEST_CASE("a second client cannot lock a queue until the first unlocks",
          "[locks]") {
  RebalanceLockManager locks;
  const std::vector<MessageQueue> q0 = {Mq(0)};
  CHECK(locks.TryLockBatch("g", q0, "c1", kT0) == q0);
  CHECK(locks.IsLocked("g", Mq(0), "c1", kT0));

  CHECK(locks.TryLockBatch("g", q0, "c2", kT0 + absl::Seconds(1)).empty());
  CHECK_FALSE(locks.IsLocked("g", Mq(0), "c2", kT0 + absl::Seconds(1)));
  CHECK(locks.IsLocked("g", Mq(0), "c1", kT0 + absl::Seconds(1)));

  locks.UnlockBatch("g", q0, "c1");
  CHECK_FALSE(locks.IsLocked("g", Mq(0), "c1", kT0 + absl::Seconds(2)));
  CHECK(locks.TryLockBatch("g", q0, "c2", kT0 + absl::Seconds(2)) == q0);
  CHECK(locks.IsLocked("g", Mq(0), "c2", kT0 + absl::Seconds(2)));
}

TEST_CASE("a lock expires 60 s after its last refresh and ownership moves",
          "[locks]") {
  RebalanceLockManager locks;
  CHECK(locks.lock_max_live_time() == absl::Seconds(60));
  const std::vector<MessageQueue> q0 = {Mq(0)};
  REQUIRE(locks.TryLockBatch("g", q0, "c1", kT0) == q0);

  // Java: expired when now - lastUpdate > maxLiveTime, so 60 s is still held.
  const absl::Time at_60s = kT0 + absl::Seconds(60);
  CHECK(locks.IsLocked("g", Mq(0), "c1", at_60s));
  CHECK(locks.TryLockBatch("g", q0, "c2", at_60s).empty());

  const absl::Time past = at_60s + absl::Milliseconds(1);
  CHECK_FALSE(locks.IsLocked("g", Mq(0), "c1", past));
  CHECK(locks.TryLockBatch("g", q0, "c2", past) == q0);
  CHECK(locks.IsLocked("g", Mq(0), "c2", past));
  CHECK_FALSE(locks.IsLocked("g", Mq(0), "c1", past));
  CHECK(locks.TryLockBatch("g", q0, "c1", past).empty());
}

TEST_CASE("the lock lifetime is configurable", "[locks]") {
  RebalanceLockManager locks(absl::Seconds(5));
  const std::vector<MessageQueue> q0 = {Mq(0)};
  REQUIRE(locks.TryLockBatch("g", q0, "c1", kT0) == q0);
  CHECK(locks.TryLockBatch("g", q0, "c2", kT0 + absl::Seconds(5)).empty());
  CHECK(locks.TryLockBatch("g", q0, "c2", kT0 + absl::Seconds(6)) == q0);
}

TEST_CASE("refreshing keeps ownership past the first 60 s", "[locks]") {
  RebalanceLockManager locks;
  const std::vector<MessageQueue> q0 = {Mq(0)};
  REQUIRE(locks.TryLockBatch("g", q0, "c1", kT0) == q0);
  // The Java client re-locks every 20 s.
  for (int i = 1; i <= 6; ++i) {
    const absl::Time now = kT0 + absl::Seconds(20 * i);
    CHECK(locks.TryLockBatch("g", q0, "c1", now) == q0);
    CHECK(locks.TryLockBatch("g", q0, "c2", now).empty());
  }
  const absl::Time last = kT0 + absl::Seconds(120);
  CHECK(locks.IsLocked("g", Mq(0), "c1", last + absl::Seconds(60)));
  CHECK_FALSE(locks.IsLocked("g", Mq(0), "c1", last + absl::Seconds(61)));
}

TEST_CASE("a batch lock returns only the queues the client now holds",
          "[locks]") {
  RebalanceLockManager locks;
  REQUIRE(locks.TryLockBatch("g", std::vector{Mq(1)}, "c2", kT0).size() == 1);
  const std::vector<MessageQueue> want = {Mq(0), Mq(1), Mq(2), Mq(0)};
  CHECK(locks.TryLockBatch("g", want, "c1", kT0) ==
        std::vector<MessageQueue>{Mq(0), Mq(2)});
}

TEST_CASE("unlock by a client that does not own the queue does nothing",
          "[locks]") {
  RebalanceLockManager locks;
  const std::vector<MessageQueue> q0 = {Mq(0)};
  REQUIRE(locks.TryLockBatch("g", q0, "c1", kT0) == q0);
  locks.UnlockBatch("g", q0, "c2");
  locks.UnlockBatch("other-group", q0, "c1");
  CHECK(locks.IsLocked("g", Mq(0), "c1", kT0));
  CHECK(locks.TryLockBatch("g", q0, "c2", kT0).empty());
}

TEST_CASE("groups and queue identities are independent", "[locks]") {
  RebalanceLockManager locks;
  const std::vector<MessageQueue> q0 = {Mq(0)};
  REQUIRE(locks.TryLockBatch("g1", q0, "c1", kT0) == q0);
  CHECK(locks.TryLockBatch("g2", q0, "c2", kT0) == q0);
  CHECK(locks.IsLocked("g1", Mq(0), "c1", kT0));
  CHECK(locks.IsLocked("g2", Mq(0), "c2", kT0));
  CHECK_FALSE(locks.IsLocked("g2", Mq(0), "c1", kT0));
  locks.UnlockBatch("g2", q0, "c2");
  CHECK(locks.IsLocked("g1", Mq(0), "c1", kT0));

  // Every field of a MessageQueue is part of its identity.
  const std::vector<MessageQueue> others = {Mq(1), Mq(0, "OtherTopic"),
                                            Mq(0, "TopicTest", "broker-b")};
  CHECK(locks.TryLockBatch("g1", others, "c2", kT0) == others);
}

TEST_CASE("MessageQueue JSON is fastjson's and decodes leniently", "[locks]") {
  std::string out;
  AppendMessageQueueJson(Mq(3, "T\"x", "b"), &out);
  CHECK(out == R"({"brokerName":"b","queueId":3,"topic":"T\"x"})");

  absl::StatusOr<LockBatchRequestBody> body = DecodeLockBatchRequestBody(
      R"({"mqSet":[{"topic":"T","extra":[1,{}],"queueId":"5","brokerName":"b"}],)"
      R"("unknown":null,"clientId":"c","onlyThisBroker":false,)"
      R"("consumerGroup":"g"})");
  REQUIRE(body.ok());
  CHECK(body->mq_set == std::vector<MessageQueue>{Mq(5, "T", "b")});
}

TEST_CASE("the spec's example lock body parses and round-trips", "[locks]") {
  // remoting-protocol.md §11.4, byte for byte.
  const std::string request =
      R"({"clientId":"127.0.0.1@4242","consumerGroup":"g","mqSet":[{"brokerName":"broker-a","queueId":0,"topic":"TopicTest"}]})";
  absl::StatusOr<LockBatchRequestBody> body =
      DecodeLockBatchRequestBody(request);
  REQUIRE(body.ok());
  CHECK(body->client_id == "127.0.0.1@4242");
  CHECK(body->consumer_group == "g");
  CHECK(body->mq_set == std::vector<MessageQueue>{Mq(0)});
  CHECK(EncodeLockBatchRequestBody(*body) == request);
  CHECK(
      EncodeLockBatchResponseBody(body->mq_set) ==
      R"({"lockOKMQSet":[{"brokerName":"broker-a","queueId":0,"topic":"TopicTest"}]})");
  CHECK(EncodeLockBatchResponseBody({}) == R"({"lockOKMQSet":[]})");
}

TEST_CASE("LOCK_BATCH_MQ answers the exact lockOKMQSet body", "[locks]") {
  RebalanceLockManager locks;
  LockProcessor processor(locks);
  REQUIRE(LockProcessor::Handles(remoting::request::kLockBatchMq));
  REQUIRE(LockProcessor::Handles(remoting::request::kUnlockBatchMq));
  CHECK_FALSE(LockProcessor::Handles(remoting::request::kHeartBeat));

  const std::string c1_body =
      R"({"clientId":"127.0.0.1@1","consumerGroup":"g","mqSet":[)"
      R"({"brokerName":"broker-a","queueId":0,"topic":"TopicTest"},)"
      R"({"brokerName":"broker-a","queueId":1,"topic":"TopicTest"}]})";
  RemotingCommand response =
      processor.Handle(Request(remoting::request::kLockBatchMq, c1_body), kT0);
  CHECK(response.is_response());
  CHECK(response.opaque == 7);
  CHECK(response.code == rc::kSuccess);
  CHECK(
      response.body ==
      R"({"lockOKMQSet":[{"brokerName":"broker-a","queueId":0,"topic":"TopicTest"},)"
      R"({"brokerName":"broker-a","queueId":1,"topic":"TopicTest"}]})");

  // Another client asks for queues 1 and 2 and gets only 2.
  response = processor.Handle(
      Request(remoting::request::kLockBatchMq,
              R"({"clientId":"127.0.0.1@2","consumerGroup":"g","mqSet":[)"
              R"({"brokerName":"broker-a","queueId":1,"topic":"TopicTest"},)"
              R"({"brokerName":"broker-a","queueId":2,"topic":"TopicTest"}]})"),
      kT0);
  CHECK(response.code == rc::kSuccess);
  CHECK(
      response.body ==
      R"({"lockOKMQSet":[{"brokerName":"broker-a","queueId":2,"topic":"TopicTest"}]})");

  // UNLOCK answers 0 with no body and frees the queues.
  response = processor.Handle(
      Request(remoting::request::kUnlockBatchMq, c1_body), kT0);
  CHECK(response.code == rc::kSuccess);
  CHECK(response.opaque == 7);
  CHECK(response.body.empty());
  CHECK_FALSE(locks.IsLocked("g", Mq(0), "127.0.0.1@1", kT0));
  CHECK_FALSE(locks.IsLocked("g", Mq(1), "127.0.0.1@1", kT0));
  CHECK(locks.IsLocked("g", Mq(2), "127.0.0.1@2", kT0));
}

TEST_CASE("malformed lock bodies are refused with the reason", "[locks]") {
  RebalanceLockManager locks;
  LockProcessor processor(locks);
  struct Case {
    std::string body;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"", "the body is empty"},
      {"{", "does not parse"},
      {"[]", "not an object"},
      {R"({"clientId":"c","mqSet":[]})", "\"consumerGroup\""},
      {R"({"consumerGroup":"g","mqSet":[]})", "\"clientId\""},
      {R"({"clientId":7,"consumerGroup":"g","mqSet":[]})",
       "\"clientId\" is not a string"},
      {R"({"clientId":"c","consumerGroup":"g"})", "\"mqSet\" is missing"},
      {R"({"clientId":"c","consumerGroup":"g","mqSet":{}})",
       "\"mqSet\" is not an array"},
      {R"({"clientId":"c","consumerGroup":"g","mqSet":[1]})",
       "mqSet[0]: not a MessageQueue object"},
      {R"({"clientId":"c","consumerGroup":"g","mqSet":[)"
       R"({"brokerName":"b","queueId":0,"topic":"T"},)"
       R"({"brokerName":"b","queueId":"x","topic":"T"}]})",
       "mqSet[1]: \"queueId\" is not an integer"},
      {R"({"clientId":"c","consumerGroup":"g","mqSet":[)"
       R"({"brokerName":"b","topic":"T"}]})",
       "mqSet[0]: \"queueId\" is missing"},
      {R"({"clientId":"c","consumerGroup":"g","mqSet":[)"
       R"({"brokerName":"b","queueId":-1,"topic":"T"}]})",
       "mqSet[0]: \"queueId\" is -1"},
      {R"({"clientId":"c","consumerGroup":"g","mqSet":[)"
       R"({"queueId":0,"topic":"T"}]})",
       "mqSet[0]: \"brokerName\" is missing or empty"},
      {R"({"clientId":"c","consumerGroup":"g","mqSet":[)"
       R"({"brokerName":"b","queueId":0,"topic":""}]})",
       "mqSet[0]: \"topic\" is missing or empty"},
  };
  for (const int32_t code :
       {remoting::request::kLockBatchMq, remoting::request::kUnlockBatchMq}) {
    for (const Case& c : cases) {
      INFO(code << " " << c.body);
      RemotingCommand response = processor.Handle(Request(code, c.body), kT0);
      CHECK(response.is_response());
      CHECK(response.code == rc::kSystemError);
      REQUIRE(response.remark.has_value());
      CHECK_THAT(*response.remark, Catch::Contains(c.reason));
      CHECK_THAT(*response.remark,
                 Catch::StartsWith(code == remoting::request::kLockBatchMq
                                       ? "LOCK_BATCH_MQ body: "
                                       : "UNLOCK_BATCH_MQ body: "));
      CHECK(response.body.empty());
    }
  }
  // Nothing was locked by any refused request.
  CHECK_FALSE(locks.IsLocked("g", Mq(0, "T", "b"), "c", kT0));
}

}  // namespace
}  // namespace rmq::broker
