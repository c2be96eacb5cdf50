#include "namesrv/route_info_manager.h"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <string>

#include "namesrv/route_json.h"

namespace rmq::namesrv {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

BrokerRegistration Broker(std::string name, std::string addr, int64_t id = 0,
                          std::vector<std::string> topics = {"TopicTest"}) {
  BrokerRegistration r;
  r.cluster = "DefaultCluster";
  r.broker_name = std::move(name);
  r.broker_addr = addr;
  r.ha_server_addr = addr + "-ha";
  r.broker_id = id;
  r.data_version = DataVersion{.timestamp = 1, .counter = 1};
  for (std::string& t : topics) {
    r.topics.push_back(TopicQueueConfig{.topic = std::move(t),
                                        .read_queue_nums = 4,
                                        .write_queue_nums = 4,
                                        .perm = 6});
  }
  return r;
}

TEST_CASE("a registered master's topic has a route, as protocol-vectors §4.3") {
  RouteInfoManager routes;
  CHECK_FALSE(routes.Route("TopicTest").has_value());
  routes.RegisterBroker(Broker("broker-a", "127.0.0.1:10911"), 1, kT0);
  std::optional<TopicRouteData> route = routes.Route("TopicTest");
  REQUIRE(route.has_value());
  CHECK(
      EncodeTopicRouteData(*route) ==
      R"({"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]})");
  CHECK_FALSE(routes.Route("Unknown").has_value());
}

TEST_CASE("registrations merge topics and never drop missing ones") {
  RouteInfoManager routes;
  routes.RegisterBroker(Broker("broker-a", "a:1", 0, {"T1", "T2"}), 1, kT0);
  // A partial body (one topic, after UPDATE_AND_CREATE_TOPIC), new version.
  BrokerRegistration partial = Broker("broker-a", "a:1", 0, {"T3"});
  partial.data_version.counter = 2;
  routes.RegisterBroker(partial, 1, kT0);
  CHECK(routes.AllTopics() == std::vector<std::string>{"T1", "T2", "T3"});

  // Same data version: the body is not applied again (RocketMQ's rule).
  BrokerRegistration same = Broker("broker-a", "a:1", 0, {"T1"});
  same.data_version.counter = 2;
  same.topics[0].write_queue_nums = 99;
  routes.RegisterBroker(same, 1, kT0);
  CHECK(routes.Route("T1")->queue_datas[0].write_queue_nums == 4);
  same.data_version.counter = 3;
  routes.RegisterBroker(same, 1, kT0);
  CHECK(routes.Route("T1")->queue_datas[0].write_queue_nums == 99);
}

TEST_CASE("two masters of a cluster share a topic; slaves join their master") {
  RouteInfoManager routes;
  routes.RegisterBroker(Broker("broker-b", "b:1"), 1, kT0);
  routes.RegisterBroker(Broker("broker-a", "a:1"), 2, kT0);
  // A slave's topics are not applied; it learns its master's addresses.
  RegisterResult slave = routes.RegisterBroker(
      Broker("broker-a", "a:2", 1, {"SlaveOnly"}), 3, kT0);
  CHECK(slave.master_addr == "a:1");
  CHECK(slave.ha_server_addr == "a:1-ha");
  CHECK_FALSE(routes.Route("SlaveOnly").has_value());

  TopicRouteData route = *routes.Route("TopicTest");
  REQUIRE(route.queue_datas.size() == 2);
  CHECK(route.queue_datas[0].broker_name == "broker-a");
  CHECK(route.queue_datas[1].broker_name == "broker-b");
  REQUIRE(route.broker_datas.size() == 2);
  CHECK(route.broker_datas[0].broker_addrs ==
        std::map<int64_t, std::string>{{0, "a:1"}, {1, "a:2"}});

  CHECK(
      EncodeClusterInfo(routes.Cluster()) ==
      R"({"brokerAddrTable":{"broker-a":{"brokerAddrs":{"0":"a:1","1":"a:2"},"brokerName":"broker-a","cluster":"DefaultCluster"},"broker-b":{"brokerAddrs":{"0":"b:1"},"brokerName":"broker-b","cluster":"DefaultCluster"}},"clusterAddrTable":{"DefaultCluster":["broker-a","broker-b"]}})");
  CHECK(routes.TopicsByCluster("DefaultCluster") ==
        std::vector<std::string>{"TopicTest"});
  CHECK(routes.TopicsByCluster("Other").empty());
  CHECK(EncodeTopicList(routes.AllTopics()) ==
        R"({"topicList":["TopicTest"]})");
}

TEST_CASE("unregistering the last address of a broker removes its topics") {
  RouteInfoManager routes;
  routes.RegisterBroker(Broker("broker-a", "a:1", 0, {"Shared", "OnlyA"}), 1,
                        kT0);
  routes.RegisterBroker(Broker("broker-a", "a:2", 1), 2, kT0);
  routes.RegisterBroker(Broker("broker-b", "b:1", 0, {"Shared"}), 3, kT0);
  routes.UnregisterBroker("DefaultCluster", "broker-a", "a:1", 0);
  // The slave is still there, so broker-a's topics stay.
  CHECK(routes.Route("OnlyA").has_value());
  routes.UnregisterBroker("DefaultCluster", "broker-a", "a:2", 1);
  CHECK_FALSE(routes.Route("OnlyA").has_value());
  TopicRouteData shared = *routes.Route("Shared");
  REQUIRE(shared.queue_datas.size() == 1);
  CHECK(shared.queue_datas[0].broker_name == "broker-b");
  CHECK(routes.Cluster().cluster_addr_table.at("DefaultCluster") ==
        std::set<std::string>{"broker-b"});
}

TEST_CASE("silent brokers expire; a registration keeps a broker alive") {
  RouteInfoManager routes;
  routes.RegisterBroker(Broker("broker-a", "a:1"), 1, kT0);
  routes.RegisterBroker(Broker("broker-b", "b:1"), 2, kT0);
  const absl::Duration expiry = absl::Seconds(120);
  routes.RegisterBroker(Broker("broker-b", "b:1"), 2, kT0 + absl::Seconds(60));
  CHECK(routes.RemoveSilentBrokers(kT0 + absl::Seconds(120), expiry).empty());
  CHECK(routes.RemoveSilentBrokers(kT0 + absl::Seconds(121), expiry) ==
        std::vector<std::string>{"a:1"});
  TopicRouteData route = *routes.Route("TopicTest");
  REQUIRE(route.queue_datas.size() == 1);
  CHECK(route.queue_datas[0].broker_name == "broker-b");
  // QUERY_DATA_VERSION refreshes too.
  CHECK_FALSE(routes.DataVersionChanged("b:1", DataVersion{1, 1},
                                        kT0 + absl::Seconds(170)));
  CHECK(routes.DataVersionChanged("b:1", DataVersion{1, 2},
                                  kT0 + absl::Seconds(170)));
  CHECK(routes.RemoveSilentBrokers(kT0 + absl::Seconds(200), expiry).empty());
  CHECK(routes.RemoveSilentBrokers(kT0 + absl::Seconds(291), expiry) ==
        std::vector<std::string>{"b:1"});
  CHECK(routes.AllTopics().empty());
}

TEST_CASE("a closed connection removes the brokers registered over it") {
  RouteInfoManager routes;
  routes.RegisterBroker(Broker("broker-a", "a:1"), 7, kT0);
  routes.RegisterBroker(Broker("broker-b", "b:1"), 8, kT0);
  CHECK(routes.RemoveBrokersOf(9).empty());
  CHECK(routes.RemoveBrokersOf(7) == std::vector<std::string>{"a:1"});
  CHECK(routes.Route("TopicTest")->broker_datas.size() == 1);
}

TEST_CASE("write permission is wiped and restored per broker name") {
  RouteInfoManager routes;
  routes.RegisterBroker(Broker("broker-a", "a:1", 0, {"T1", "T2"}), 1, kT0);
  routes.RegisterBroker(Broker("broker-b", "b:1", 0, {"T1"}), 2, kT0);
  CHECK(routes.WipeWritePerm("broker-a") == 2);
  CHECK(routes.Route("T2")->queue_datas[0].perm == 4);
  CHECK(routes.Route("T1")->queue_datas[1].perm == 6);  // broker-b untouched
  CHECK(routes.AddWritePerm("broker-a") == 2);
  CHECK(routes.Route("T2")->queue_datas[0].perm == 6);
  CHECK(routes.WipeWritePerm("broker-z") == 0);
}

TEST_CASE("register bodies: RegisterBrokerBody, bare wrapper, compressed") {
  // remoting-protocol.md §11.6.
  const std::string body =
      R"({"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"timestamp":1700000000000},"topicConfigTable":{"TopicTest":{"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}}}})";
  BrokerRegistration r;
  REQUIRE(DecodeRegisterBrokerBody(body, &r).ok());
  CHECK(r.data_version == DataVersion{1700000000000, 3});
  REQUIRE(r.topics.size() == 1);
  CHECK(r.topics[0].topic == "TopicTest");
  CHECK(r.topics[0].read_queue_nums == 4);
  CHECK(r.topics[0].perm == 6);

  BrokerRegistration bare;
  REQUIRE(
      DecodeRegisterBrokerBody(
          R"({"dataVersion":{"counter":1,"timestamp":5},"topicConfigTable":{"X":{}}})",
          &bare)
          .ok());
  REQUIRE(bare.topics.size() == 1);
  CHECK(bare.topics[0].write_queue_nums == 16);  // TopicConfig's default

  BrokerRegistration bad;
  CHECK_FALSE(DecodeRegisterBrokerBody("{", &bad).ok());
  CHECK_FALSE(DecodeRegisterBrokerBody(
                  R"({"topicConfigTable":{"X":{"perm":"six"}}})", &bad)
                  .ok());

  // The compressed form, built as RocketMQ's RegisterBrokerBody.encode(true).
  auto part = [](std::string_view s) {
    std::string out(4, '\0');
    for (int i = 0; i < 4; ++i)
      out[i] = static_cast<char>(s.size() >> (24 - 8 * i));
    return out + std::string(s);
  };
  std::string raw = part(R"({"counter":9,"timestamp":7})");
  raw += std::string("\0\0\0\2", 4);
  raw += part("TopicTest 4 4 6 SINGLE_TAG");
  raw += part("Other 8 2 4 SINGLE_TAG");
  raw += part("[]");
  std::string compressed(compressBound(raw.size()), '\0');
  uLongf size = compressed.size();
  REQUIRE(compress2(reinterpret_cast<Bytef*>(compressed.data()), &size,
                    reinterpret_cast<const Bytef*>(raw.data()), raw.size(),
                    9) == Z_OK);
  compressed.resize(size);
  BrokerRegistration c;
  REQUIRE(DecodeCompressedRegisterBrokerBody(compressed, &c).ok());
  CHECK(c.data_version == DataVersion{7, 9});
  REQUIRE(c.topics.size() == 2);
  CHECK(c.topics[1].topic == "Other");
  CHECK(c.topics[1].read_queue_nums == 8);
  CHECK(c.topics[1].write_queue_nums == 2);
  CHECK(c.topics[1].perm == 4);
  BrokerRegistration truncated;
  CHECK_FALSE(DecodeCompressedRegisterBrokerBody(
                  compressed.substr(0, compressed.size() / 2), &truncated)
                  .ok());
  CHECK_FALSE(DecodeCompressedRegisterBrokerBody("not zlib", &truncated).ok());
}

TEST_CASE("small bodies") {
  CHECK(EncodeDataVersion({.timestamp = 5, .counter = 2}) ==
        R"({"counter":2,"timestamp":5})");
  CHECK(*DecodeDataVersion(R"({"timestamp":5,"counter":2})") ==
        DataVersion{5, 2});
  CHECK(EncodeKvTable({{"TopicTest", "broker-a:4;broker-b:4"}}) ==
        R"({"table":{"TopicTest":"broker-a:4;broker-b:4"}})");
}

}  // namespace
}  // namespace rmq::namesrv
