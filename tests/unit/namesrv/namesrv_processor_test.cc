#include "namesrv/namesrv_processor.h"

#include <zlib.h>

#include <catch2/catch.hpp>

#include "remoting/codes.h"
#include "rmq/io/mem_file_system.h"

namespace rmq::namesrv {
namespace {

using remoting::RemotingCommand;
namespace code = remoting::request;
namespace rc = remoting::response;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);
constexpr char kBody[] =
    R"({"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"timestamp":1700000000000},"topicConfigTable":{"TopicTest":{"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}}}})";

struct Namesrv {
  std::shared_ptr<MemFileSystem> fs = NewMemFileSystem();
  std::shared_ptr<Logger> logger = NullLogger();
  RouteInfoManager routes;
  KvConfigManager kv{*fs, "/home/namesrv/kvConfig.json"};
  NamesrvProcessor processor{routes, kv, *logger, true};

  RemotingCommand Call(RemotingCommand request, uint64_t connection = 1) {
    std::optional<RemotingCommand> response =
        processor.Process(request, connection, kNow);
    REQUIRE(response.has_value());
    CHECK(response->is_response());
    CHECK(response->opaque == request.opaque);
    return *std::move(response);
  }
};

RemotingCommand Request(
    int32_t c,
    std::initializer_list<std::pair<const char*, const char*>> fields = {}) {
  RemotingCommand r = RemotingCommand::Request(c);
  r.opaque = 42;
  for (const auto& [k, v] : fields) r.ext_fields.Set(k, v);
  return r;
}

RemotingCommand Register(std::string body = kBody) {
  RemotingCommand r =
      Request(code::kRegisterBroker, {{"brokerName", "broker-a"},
                                      {"brokerAddr", "127.0.0.1:10911"},
                                      {"clusterName", "DefaultCluster"},
                                      {"haServerAddr", "127.0.0.1:10912"},
                                      {"brokerId", "0"}});
  r.body = std::move(body);
  return r;
}

TEST_CASE("a registered broker's topic is routed; unknown topics are not") {
  Namesrv ns;
  RemotingCommand missing =
      ns.Call(Request(code::kGetRouteInfoByTopic, {{"topic", "TopicTest"}}));
  CHECK(missing.code == rc::kTopicNotExist);
  CHECK(missing.remark ==
        "No topic route info in name server for the topic: TopicTest");
  CHECK(missing.body.empty());

  RemotingCommand registered = ns.Call(Register());
  CHECK(registered.code == rc::kSuccess);
  CHECK(registered.ext_fields.empty());  // a master gets no masterAddr
  RemotingCommand route =
      ns.Call(Request(code::kGetRouteInfoByTopic, {{"topic", "TopicTest"}}));
  CHECK(route.code == rc::kSuccess);
  CHECK(
      route.body ==
      R"({"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]})");

  CHECK(ns.Call(Request(code::kGetAllTopicListFromNameserver)).body ==
        R"({"topicList":["TopicTest"]})");
  CHECK(ns.Call(Request(code::kUnregisterBroker,
                        {{"brokerName", "broker-a"},
                         {"brokerAddr", "127.0.0.1:10911"},
                         {"clusterName", "DefaultCluster"},
                         {"brokerId", "0"}}))
            .code == rc::kSuccess);
  CHECK(ns.Call(Request(code::kGetRouteInfoByTopic, {{"topic", "TopicTest"}}))
            .code == rc::kTopicNotExist);
}

TEST_CASE("bad registrations are refused with a reason") {
  Namesrv ns;
  RemotingCommand no_name = Register();
  no_name.ext_fields = {};
  no_name.ext_fields.Set("brokerAddr", "x:1");
  RemotingCommand r = ns.Call(no_name);
  CHECK(r.code == rc::kSystemError);
  CHECK(r.remark == "the custom field <brokerName> is null");

  RemotingCommand bad_id = Register();
  bad_id.ext_fields.Set("brokerId", "zero");
  CHECK(ns.Call(bad_id).remark ==
        "the custom field <brokerId> is not a number");

  RemotingCommand bad_crc = Register();
  bad_crc.ext_fields.Set("bodyCrc32", "12345");
  CHECK(ns.Call(bad_crc).remark == "crc32 not match");
  RemotingCommand good_crc = Register();
  const uLong crc =
      crc32(0, reinterpret_cast<const Bytef*>(kBody), sizeof(kBody) - 1) &
      0x7FFFFFFF;
  good_crc.ext_fields.Set("bodyCrc32", std::to_string(crc));
  CHECK(ns.Call(good_crc).code == rc::kSuccess);

  RemotingCommand bad_body = Register("{not json");
  RemotingCommand answer = ns.Call(bad_body);
  CHECK(answer.code == rc::kSystemError);
  CHECK_THAT(*answer.remark, Catch::Contains("does not parse"));
}

TEST_CASE("unknown codes are answered 3; oneway requests get no answer") {
  Namesrv ns;
  RemotingCommand r = ns.Call(Request(999));
  CHECK(r.code == rc::kRequestCodeNotSupported);
  CHECK(r.remark == " request type 999 not supported");
  RemotingCommand oneway = Register();
  oneway.flag = remoting::kFlagOneway;
  CHECK_FALSE(ns.processor.Process(oneway, 1, kNow).has_value());
  // ... but it was carried out.
  CHECK(ns.routes.Route("TopicTest").has_value());
}

TEST_CASE("KV config: put, get, list, delete, persisted across restarts") {
  Namesrv ns;
  CHECK(ns.Call(Request(code::kGetKvConfig,
                        {{"namespace", "ORDER_TOPIC_CONFIG"}, {"key", "T"}}))
            .remark == "No config item, Namespace: ORDER_TOPIC_CONFIG Key: T");
  CHECK(
      ns.Call(Request(code::kPutKvConfig, {{"namespace", "ORDER_TOPIC_CONFIG"},
                                           {"key", "TopicTest"},
                                           {"value", "broker-a:4"}}))
          .code == rc::kSuccess);
  RemotingCommand got =
      ns.Call(Request(code::kGetKvConfig, {{"namespace", "ORDER_TOPIC_CONFIG"},
                                           {"key", "TopicTest"}}));
  CHECK(*got.ext_fields.Find("value") == "broker-a:4");
  CHECK(ns.Call(Request(code::kGetKvListByNamespace,
                        {{"namespace", "ORDER_TOPIC_CONFIG"}}))
            .body == R"({"table":{"TopicTest":"broker-a:4"}})");

  // Order-message mode: routes carry orderTopicConf, registrations the table.
  RemotingCommand registered = ns.Call(Register());
  CHECK(registered.body == R"({"table":{"TopicTest":"broker-a:4"}})");
  CHECK_THAT(
      ns.Call(Request(code::kGetRouteInfoByTopic, {{"topic", "TopicTest"}}))
          .body,
      Catch::Contains(R"("orderTopicConf":"broker-a:4")"));

  KvConfigManager reloaded(*ns.fs, "/home/namesrv/kvConfig.json");
  REQUIRE(reloaded.Load().ok());
  CHECK(reloaded.Get("ORDER_TOPIC_CONFIG", "TopicTest") == "broker-a:4");

  CHECK(ns.Call(Request(code::kDeleteKvConfig,
                        {{"namespace", "ORDER_TOPIC_CONFIG"},
                         {"key", "TopicTest"}}))
            .code == rc::kSuccess);
  CHECK(ns.Call(Request(code::kGetKvListByNamespace,
                        {{"namespace", "ORDER_TOPIC_CONFIG"}}))
            .code == rc::kQueryNotFound);
}

TEST_CASE("write permission, data version, cluster listings over the wire") {
  Namesrv ns;
  ns.Call(Register());
  RemotingCommand wiped = ns.Call(
      Request(code::kWipeWritePermOfBroker, {{"brokerName", "broker-a"}}));
  CHECK(*wiped.ext_fields.Find("wipeTopicCount") == "1");
  RemotingCommand added = ns.Call(
      Request(code::kAddWritePermOfBroker, {{"brokerName", "broker-a"}}));
  CHECK(*added.ext_fields.Find("addTopicCount") == "1");

  RemotingCommand query =
      Request(code::kQueryDataVersion, {{"brokerName", "broker-a"},
                                        {"brokerAddr", "127.0.0.1:10911"},
                                        {"clusterName", "DefaultCluster"},
                                        {"brokerId", "0"}});
  query.body = R"({"counter":3,"timestamp":1700000000000})";
  CHECK(*ns.Call(query).ext_fields.Find("changed") == "false");
  query.body = R"({"counter":4,"timestamp":1700000000000})";
  CHECK(*ns.Call(query).ext_fields.Find("changed") == "true");

  CHECK_THAT(
      ns.Call(Request(code::kGetBrokerClusterInfo)).body,
      Catch::Contains(R"("clusterAddrTable":{"DefaultCluster":["broker-a"]})"));
  CHECK(ns.Call(Request(code::kGetTopicsByCluster,
                        {{"cluster", "DefaultCluster"}}))
            .body == R"({"topicList":["TopicTest"]})");
  CHECK(ns.Call(Request(code::kDeleteTopicInNamesrv, {{"topic", "TopicTest"}}))
            .code == rc::kSuccess);
  CHECK(ns.Call(Request(code::kGetRouteInfoByTopic, {{"topic", "TopicTest"}}))
            .code == rc::kTopicNotExist);
}

}  // namespace
}  // namespace rmq::namesrv
