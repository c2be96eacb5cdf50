#include "broker/broker_config.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "support/status_matchers.h"

namespace rmq::broker {
namespace {

using ::rmq::testing::StatusIs;

// A fixed machine, so the tests do not depend on the host they run on.
BrokerEnvironment TestEnv() {
  BrokerEnvironment env;
  env.rocketmq_home = "/opt/rocketmq";
  env.host_name = "testhost";
  env.local_address = "10.1.2.3";
  env.user_home = "/home/mq";
  env.cpus = 2;
  return env;
}

PropertiesFile MustParse(std::string_view text,
                         std::string source = "broker-a.properties") {
  absl::StatusOr<PropertiesFile> file =
      PropertiesFile::Parse(text, std::move(source));
  INFO(file.status().ToString());
  REQUIRE(file.ok());
  return *std::move(file);
}

struct Loaded {
  BrokerConfig config;
  std::vector<std::string> warnings;
};

Loaded MustLoad(std::string_view text,
                const BrokerEnvironment& env = TestEnv()) {
  Loaded loaded;
  absl::StatusOr<BrokerConfig> config =
      LoadBrokerConfig(MustParse(text), env, &loaded.warnings);
  INFO(text);
  INFO(config.status().ToString());
  REQUIRE(config.ok());
  loaded.config = *std::move(config);
  return loaded;
}

// The message of the error loading `text`.
std::string LoadError(std::string_view text,
                      const BrokerEnvironment& env = TestEnv()) {
  std::vector<std::string> warnings;
  absl::StatusOr<BrokerConfig> config =
      LoadBrokerConfig(MustParse(text), env, &warnings);
  INFO(text);
  REQUIRE_THAT(config.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  return std::string(config.status().message());
}

Loaded MustLoadFile(const std::string& path) {
  absl::StatusOr<PropertiesFile> file = PropertiesFile::Load(path);
  INFO(path << ": " << file.status().ToString());
  REQUIRE(file.ok());
  Loaded loaded;
  absl::StatusOr<BrokerConfig> config =
      LoadBrokerConfig(*file, TestEnv(), &loaded.warnings);
  INFO(config.status().ToString());
  REQUIRE(config.ok());
  loaded.config = *std::move(config);
  return loaded;
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST_CASE("BrokerConfig: RocketMQ's 2m-noslave files load as shipped",
          "[unit][broker][config]") {
  for (const char* name : {"a", "b"}) {
    const Loaded loaded =
        MustLoadFile(std::string(RMQ_SOURCE_DIR "/conf/2m-noslave/broker-") +
                     name + ".properties");
    const BrokerConfig& c = loaded.config;
    CHECK(loaded.warnings.empty());
    CHECK(c.broker_cluster_name == "DefaultCluster");
    CHECK(c.broker_name == std::string("broker-") + name);
    CHECK(c.broker_id == 0);
    CHECK(c.store.delete_when == "04");
    CHECK(c.store.file_reserved_time == 48);
    CHECK(c.role() == BrokerRole::kAsyncMaster);
    CHECK(c.store.flush_disk_type == FlushDiskType::kAsyncFlush);
    // Not in the file: the defaults.
    CHECK(c.listen_port == 10911);
    CHECK(c.ha_listen_port == 10912);
    CHECK(c.store.store_path_root_dir == "/home/mq/store");
    CHECK(c.NamesrvAddrs().empty());
  }
}

TEST_CASE("BrokerConfig: RocketMQ's broker.conf (key = value) loads",
          "[unit][broker][config]") {
  const Loaded loaded = MustLoadFile(RMQ_SOURCE_DIR "/conf/broker.conf");
  CHECK(loaded.warnings.empty());
  CHECK(loaded.config.broker_cluster_name == "DefaultCluster");
  CHECK(loaded.config.broker_name == "broker-a");
  CHECK(loaded.config.store.delete_when == "04");
  CHECK(loaded.config.store.file_reserved_time == 48);
  CHECK(loaded.config.role() == BrokerRole::kAsyncMaster);
  CHECK(loaded.config.store.flush_disk_type == FlushDiskType::kAsyncFlush);
}

TEST_CASE("BrokerConfig: rmq-single.properties is a loopback single node",
          "[unit][broker][config]") {
  const Loaded loaded =
      MustLoadFile(RMQ_SOURCE_DIR "/conf/rmq-single.properties");
  const BrokerConfig& c = loaded.config;
  CHECK(loaded.warnings.empty());
  CHECK(c.broker_name == "broker-a");
  CHECK(c.NamesrvAddrs() == std::vector<std::string>{"127.0.0.1:9876"});
  CHECK(c.broker_ip1 == "127.0.0.1");
  CHECK(c.listen_port == 10911);
  CHECK(c.store.store_path_root_dir == "./store");
  CHECK(c.store.CommitLogDir() == "./store/commitlog");
  CHECK(c.auto_create_topic_enable);
  CHECK(c.store.flush_disk_type == FlushDiskType::kAsyncFlush);
  CHECK(c.BrokerAddr() == "127.0.0.1:10911");
  CHECK(c.store.store_host.ToString() == "127.0.0.1:10911");
}

TEST_CASE("BrokerConfig: an empty file gives RocketMQ 4.9.8's defaults",
          "[unit][broker][config]") {
  const Loaded loaded = MustLoad("");
  const BrokerConfig& c = loaded.config;
  CHECK(loaded.warnings.empty());
  CHECK(c.rocketmq_home == "/opt/rocketmq");
  CHECK(c.broker_cluster_name == "DefaultCluster");
  CHECK(c.broker_name == "testhost");
  CHECK(c.broker_id == 0);
  CHECK(c.broker_ip1 == "10.1.2.3");
  CHECK(c.broker_ip2 == "10.1.2.3");
  CHECK(c.namesrv_addr.empty());
  CHECK(c.broker_permission == 6);
  CHECK(c.default_topic_queue_nums == 8);
  CHECK(c.auto_create_topic_enable);
  CHECK(c.auto_create_subscription_group);
  CHECK(c.cluster_topic_enable);
  CHECK(c.broker_topic_enable);
  CHECK(c.register_broker_timeout_mills == 6000);
  CHECK(c.register_name_server_period == 30000);
  CHECK(c.flush_consumer_offset_interval == 5000);
  CHECK(c.server_channel_max_idle_time_seconds == 120);
  CHECK(c.listen_port == 10911);
  CHECK(c.ha_listen_port == 10912);
  CHECK(c.FastListenPort() == 10909);
  // CPU-dependent pools, for 2 CPUs.
  CHECK(c.send_message_thread_pool_nums == 2);
  CHECK(c.pull_message_thread_pool_nums == 20);
  CHECK(c.query_message_thread_pool_nums == 10);
  CHECK(c.heartbeat_thread_pool_nums == 2);
  // The store's defaults, with Java's root ${user.home}/store.
  CHECK(c.store.store_path_root_dir == "/home/mq/store");
  CHECK(c.store.CommitLogDir() == "/home/mq/store/commitlog");
  CHECK(c.store.max_message_size == 4194304);
  CHECK(c.store.mapped_file_size_commit_log == 1073741824);
  CHECK(c.role() == BrokerRole::kAsyncMaster);
  CHECK(c.store.store_host.ToString() == "10.1.2.3:10911");
  CHECK(c.BrokerAddr() == "10.1.2.3:10911");
  CHECK(c.HaServerAddr() == "10.1.2.3:10912");
}

TEST_CASE("BrokerConfig: the system environment gives usable defaults",
          "[unit][broker][config]") {
  const BrokerEnvironment env = SystemBrokerEnvironment();
  CHECK(!env.host_name.empty());
  CHECK(env.cpus >= 1);
  // The detected address must be usable as the store host.
  const BrokerConfig config = DefaultBrokerConfig(env);
  CHECK(config.broker_ip1 == env.local_address);
  CHECK(HostAddress::Parse(config.BrokerAddr()).ok());
  CHECK(config.send_message_thread_pool_nums >= 1);
}

TEST_CASE("BrokerConfig: NAMESRV_ADDR is the default namesrvAddr",
          "[unit][broker][config]") {
  BrokerEnvironment env = TestEnv();
  env.namesrv_addr = "10.0.0.1:9876;10.0.0.2:9876";
  CHECK(MustLoad("", env).config.NamesrvAddrs() ==
        std::vector<std::string>{"10.0.0.1:9876", "10.0.0.2:9876"});
  // The file wins.
  CHECK(MustLoad("namesrvAddr=10.0.0.9:9876", env).config.NamesrvAddrs() ==
        std::vector<std::string>{"10.0.0.9:9876"});
  env.namesrv_addr = "nonsense";
  CHECK_THAT(LoadError("", env), Catch::StartsWith("NAMESRV_ADDR: "));
}

TEST_CASE("BrokerConfig: namesrvAddr is a ';'-separated list of any length",
          "[unit][broker][config]") {
  using V = std::vector<std::string>;
  CHECK(MustLoad("namesrvAddr=127.0.0.1:9876").config.NamesrvAddrs() ==
        V{"127.0.0.1:9876"});
  CHECK(MustLoad("namesrvAddr=10.0.0.1:9876;10.0.0.2:9877")
            .config.NamesrvAddrs() == V{"10.0.0.1:9876", "10.0.0.2:9877"});
  CHECK(MustLoad("namesrvAddr=ns1:9876;ns2:9876;[::1]:9876")
            .config.NamesrvAddrs() == V{"ns1:9876", "ns2:9876", "[::1]:9876"});
  CHECK(MustLoad("namesrvAddr=10.0.0.1:9876;10.0.0.2:9876;")
            .config.NamesrvAddrs() == V{"10.0.0.1:9876", "10.0.0.2:9876"});
  CHECK(MustLoad("namesrvAddr = 10.0.0.1:9876; 10.0.0.2:9876 ")
            .config.NamesrvAddrs() == V{"10.0.0.1:9876", "10.0.0.2:9876"});
  CHECK(MustLoad("namesrvAddr=").config.NamesrvAddrs().empty());

  CHECK_THAT(LoadError("brokerName=b\nnamesrvAddr=10.0.0.1"),
             Catch::StartsWith("broker-a.properties:2: namesrvAddr: "
                               "'10.0.0.1' is not host:port"));
  CHECK_THAT(LoadError("namesrvAddr=10.0.0.1:9876;10.0.0.2:port"),
             Catch::StartsWith("broker-a.properties:1: namesrvAddr: "
                               "'10.0.0.2:port' is not host:port"));
}

TEST_CASE("BrokerConfig: the HA port is always listenPort + 1",
          "[unit][broker][config]") {
  const Loaded loaded = MustLoad("listenPort=20911");
  CHECK(loaded.config.listen_port == 20911);
  CHECK(loaded.config.ha_listen_port == 20912);
  CHECK(loaded.config.FastListenPort() == 20909);
  CHECK(loaded.config.store.store_host.port == 20911);
  CHECK(loaded.warnings.empty());

  // 4.x ignores a configured haListenPort; we say so.
  const Loaded ha = MustLoad("listenPort=20911\nhaListenPort=30000");
  CHECK(ha.config.ha_listen_port == 20912);
  REQUIRE(ha.warnings.size() == 1);
  CHECK_THAT(ha.warnings[0],
             Catch::StartsWith("broker-a.properties:2: haListenPort: "));
  CHECK(MustLoad("listenPort=20911\nhaListenPort=20912").warnings.empty());

  // The fast port (-2) and the HA port (+1) must be ports too.
  CHECK_THAT(LoadError("listenPort=65535"),
             Catch::StartsWith("broker-a.properties:1: listenPort: "));
  CHECK_THAT(LoadError("listenPort=2"),
             Catch::StartsWith("broker-a.properties:1: listenPort: "));
}

TEST_CASE("BrokerConfig: masters get brokerId 0, a slave needs brokerId > 0",
          "[unit][broker][config]") {
  for (const char* role : {"ASYNC_MASTER", "SYNC_MASTER"}) {
    const Loaded loaded =
        MustLoad(std::string("brokerId=3\nbrokerRole=") + role);
    CHECK(loaded.config.broker_id == 0);
    REQUIRE(loaded.warnings.size() == 1);
    CHECK_THAT(loaded.warnings[0],
               Catch::StartsWith("broker-a.properties:1: brokerId: "));
  }

  const Loaded slave = MustLoad("brokerRole=SLAVE\nbrokerId=2");
  CHECK(slave.config.role() == BrokerRole::kSlave);
  CHECK(slave.config.broker_id == 2);
  CHECK(slave.warnings.empty());

  const std::string zero = LoadError(
      "brokerName=broker-a\nbrokerId=0\n"
      "brokerRole=SLAVE\n");
  CHECK_THAT(zero, Catch::StartsWith("broker-a.properties:2: brokerId: '0'"));
  CHECK_THAT(zero, Catch::Contains("SLAVE"));
  CHECK_THAT(LoadError("brokerRole=SLAVE\nbrokerId=-1"),
             Catch::StartsWith("broker-a.properties:2: brokerId: "));
  // No brokerId at all: the role's line is the one to fix.
  CHECK_THAT(LoadError("brokerName=x\nbrokerRole=SLAVE"),
             Catch::StartsWith("broker-a.properties:2: brokerRole: "));
}

TEST_CASE("BrokerConfig: unknown keys are warnings naming the line",
          "[unit][broker][config]") {
  const Loaded loaded = MustLoad(
      "brokerName=broker-a\n"
      "brokerNmae=typo\n"
      "# a comment\n"
      "checkTransactionMessageEnable=false\n");
  CHECK(loaded.config.broker_name == "broker-a");
  CHECK(loaded.warnings ==
        std::vector<std::string>{
            "broker-a.properties:2: unknown key 'brokerNmae' (ignored)",
            "broker-a.properties:4: unknown key "
            "'checkTransactionMessageEnable' (ignored)"});

  // RocketMQ keys rmq has no use for are not unknown: RocketMQ files load
  // without noise.
  CHECK(MustLoad("clientWorkerThreads=8\nwriteBufferHighWaterMark=0\n"
                 "slaveTimeout=3000\nconfigBlackList=a;b\n")
            .warnings.empty());

  // Switches for features rmq lacks: silent when off, a warning when on.
  CHECK(MustLoad("aclEnable=false").warnings.empty());
  const Loaded acl = MustLoad("brokerName=b\naclEnable=true");
  REQUIRE(acl.warnings.size() == 1);
  CHECK_THAT(acl.warnings[0],
             Catch::StartsWith("broker-a.properties:2: aclEnable: "));
  CHECK_THAT(LoadError("aclEnable=maybe"),
             Catch::StartsWith("broker-a.properties:1: aclEnable: 'maybe'"));
}

TEST_CASE("BrokerConfig: bad values are refused naming file, line and key",
          "[unit][broker][config]") {
  // Integers (a broker key, and a shared one).
  CHECK(LoadError("brokerName=b\ndefaultTopicQueueNums=eight") ==
        "broker-a.properties:2: defaultTopicQueueNums: 'eight' is not an "
        "integer");
  CHECK_THAT(LoadError("brokerName=b\n\nlistenPort=abc"),
             Catch::StartsWith("broker-a.properties:3: listenPort: 'abc'"));
  CHECK_THAT(LoadError("brokerId=1x"),
             Catch::StartsWith("broker-a.properties:1: brokerId: '1x' is not "
                               "an integer"));
  CHECK_THAT(
      LoadError("registerBrokerTimeoutMills=99999999999"),
      Catch::StartsWith("broker-a.properties:1: registerBrokerTimeoutMills: "));
  CHECK_THAT(LoadError("sendMessageThreadPoolNums=0"),
             Catch::StartsWith("broker-a.properties:1: "
                               "sendMessageThreadPoolNums: '0' is below the "
                               "minimum 1"));
  CHECK_THAT(LoadError("brokerPermission=16"),
             Catch::StartsWith("broker-a.properties:1: brokerPermission: "));
  // Booleans.
  CHECK(LoadError("autoCreateTopicEnable=yes") ==
        "broker-a.properties:1: autoCreateTopicEnable: 'yes' is not true or "
        "false");
  CHECK_THAT(LoadError("flushCommitLogTimed=1"),
             Catch::StartsWith("broker-a.properties:1: flushCommitLogTimed: "));
  // Enumerations.
  CHECK_THAT(LoadError("brokerName=b\nbrokerRole=MASTER"),
             Catch::StartsWith("broker-a.properties:2: brokerRole: 'MASTER'"));
  CHECK_THAT(LoadError("flushDiskType=SYNC"),
             Catch::StartsWith("broker-a.properties:1: flushDiskType: 'SYNC'"));
  // Names.
  CHECK_THAT(LoadError("brokerName=  "),
             Catch::StartsWith("broker-a.properties:1: brokerName: "));
  // The file's name is the one it was loaded from.
  std::vector<std::string> warnings;
  const absl::StatusOr<BrokerConfig> other = LoadBrokerConfig(
      MustParse("listenPort=x", "other.conf"), TestEnv(), &warnings);
  CHECK_THAT(std::string(other.status().message()),
             Catch::StartsWith("other.conf:1: listenPort: "));
}

TEST_CASE("BrokerConfig: booleans are true or false in any case",
          "[unit][broker][config]") {
  const Loaded loaded = MustLoad(
      "autoCreateTopicEnable=FALSE\nautoCreateSubscriptionGroup=False\n"
      "slaveReadEnable=TRUE\nclusterTopicEnable = false \n");
  CHECK(!loaded.config.auto_create_topic_enable);
  CHECK(!loaded.config.auto_create_subscription_group);
  CHECK(loaded.config.slave_read_enable);
  CHECK(!loaded.config.cluster_topic_enable);
}

TEST_CASE("BrokerConfig: broker keys reach their fields",
          "[unit][broker][config]") {
  const Loaded loaded = MustLoad(
      "brokerClusterName=c1\nbrokerIP1=192.0.2.7\nbrokerIP2=192.0.2.8\n"
      "rocketmqHome=/srv/rmq\nbrokerPermission=4\ndefaultTopicQueueNums=4\n"
      "registerBrokerTimeoutMills=24000\nflushConsumerOffsetInterval=1000\n"
      "serverChannelMaxIdleTimeSeconds=60\nsendMessageThreadPoolNums=16\n"
      "waitTimeMillsInSendQueue=500\nlongPollingEnable=false\n");
  const BrokerConfig& c = loaded.config;
  CHECK(loaded.warnings.empty());
  CHECK(c.broker_cluster_name == "c1");
  CHECK(c.broker_ip1 == "192.0.2.7");
  CHECK(c.broker_ip2 == "192.0.2.8");
  CHECK(c.store.store_host.ToString() == "192.0.2.7:10911");
  CHECK(c.HaServerAddr() == "192.0.2.8:10912");
  CHECK(c.rocketmq_home == "/srv/rmq");
  CHECK(c.broker_permission == 4);
  CHECK(c.default_topic_queue_nums == 4);
  CHECK(c.register_broker_timeout_mills == 24000);
  CHECK(c.flush_consumer_offset_interval == 1000);
  CHECK(c.server_channel_max_idle_time_seconds == 60);
  CHECK(c.send_message_thread_pool_nums == 16);
  CHECK(c.wait_time_mills_in_send_queue == 500);
  CHECK(!c.long_polling_enable);

  // RocketMQ's getter clamps the registration period to 10..60 s.
  CHECK(MustLoad("registerNameServerPeriod=1000")
            .config.register_name_server_period == 10000);
  CHECK(MustLoad("registerNameServerPeriod=90000")
            .config.register_name_server_period == 60000);

  // An IPv6 brokerIP1 is bracketed in addresses.
  const BrokerConfig v6 = MustLoad("brokerIP1=2001:db8::1").config;
  CHECK(v6.BrokerAddr() == "[2001:db8::1]:10911");
  CHECK(v6.store.store_host.v6);
}

TEST_CASE("BrokerConfig: store keys reach config.store",
          "[unit][broker][config]") {
  const Loaded loaded = MustLoad(
      "flushDiskType=SYNC_FLUSH\nmapedFileSizeCommitLog=104857600\n"
      "storePathRootDir=/data/store\nmaxMessageSize=1048576\n"
      "brokerRole=SYNC_MASTER\n");
  const StoreConfig& s = loaded.config.store;
  CHECK(loaded.warnings.empty());
  CHECK(s.flush_disk_type == FlushDiskType::kSyncFlush);
  CHECK(s.mapped_file_size_commit_log == 104857600);
  CHECK(s.CommitLogDir() == "/data/store/commitlog");
  CHECK(s.max_message_size == 1048576);
  CHECK(s.broker_role == BrokerRole::kSyncMaster);
  CHECK(MustLoad("mappedFileSizeCommitLog=2097152")
            .config.store.mapped_file_size_commit_log == 2097152);
}

TEST_CASE("BrokerConfig: commented keys are ignored",
          "[unit][broker][config]") {
  const Loaded loaded = MustLoad(
      "#brokerName=commented\n"
      "! listenPort=1\n"
      "  # namesrvAddr=bad\n"
      "brokerName=real\n");
  CHECK(loaded.warnings.empty());
  CHECK(loaded.config.broker_name == "real");
  CHECK(loaded.config.listen_port == 10911);
  CHECK(loaded.config.namesrv_addr.empty());
}

TEST_CASE("DescribeConfig prints every effective key=value, sorted",
          "[unit][broker][config]") {
  const BrokerConfig config =
      MustLoad(
          "brokerName=broker-a\nnamesrvAddr=10.0.0.1:9876;10.0.0.2:9876\n"
          "listenPort=20911\nflushDiskType=SYNC_FLUSH\n")
          .config;
  const std::string all = DescribeConfig(config);
  const std::vector<std::string> lines = Lines(all);
  CHECK(std::is_sorted(lines.begin(), lines.end()));
  for (const char* line :
       {"brokerName=broker-a", "brokerClusterName=DefaultCluster", "brokerId=0",
        "namesrvAddr=10.0.0.1:9876;10.0.0.2:9876", "listenPort=20911",
        "haListenPort=20912", "flushDiskType=SYNC_FLUSH",
        "brokerRole=ASYNC_MASTER", "autoCreateTopicEnable=true",
        "defaultTopicQueueNums=8", "storePathRootDir=/home/mq/store",
        "storePathCommitLog=/home/mq/store/commitlog",
        "mappedFileSizeCommitLog=1073741824", "maxMessageSize=4194304",
        "serverChannelMaxIdleTimeSeconds=120", "brokerIP1=10.1.2.3"}) {
    INFO(line);
    CHECK(std::find(lines.begin(), lines.end(), line) != lines.end());
  }

  // -m: the important subset.
  const std::vector<std::string> important =
      Lines(DescribeConfig(config, ConfigDetail::kImportant));
  CHECK(important.size() < lines.size());
  CHECK(std::is_sorted(important.begin(), important.end()));
  for (const char* line :
       {"brokerName=broker-a", "listenPort=20911", "brokerRole=ASYNC_MASTER",
        "flushDiskType=SYNC_FLUSH", "storePathRootDir=/home/mq/store"}) {
    INFO(line);
    CHECK(std::find(important.begin(), important.end(), line) !=
          important.end());
  }
  CHECK_THAT(DescribeConfig(config, ConfigDetail::kImportant),
             !Catch::Contains("serverSocketBacklog="));
}

TEST_CASE("DescribeConfig output loads back to the same configuration",
          "[unit][broker][config]") {
  const BrokerConfig config =
      MustLoad(
          "brokerName=broker-b\nbrokerId=1\nbrokerRole=SLAVE\n"
          "rocketmqHome=C:\\\\rmq\\\\home\n"
          "storePathRootDir=/data/store\nfileReservedTime=24\n")
          .config;
  CHECK(config.rocketmq_home == "C:\\rmq\\home");
  const std::string described = DescribeConfig(config);
  const Loaded again = MustLoad(described);
  CHECK(again.warnings.empty());
  CHECK(DescribeConfig(again.config) == described);
  CHECK(again.config.rocketmq_home == "C:\\rmq\\home");
  CHECK(again.config.broker_id == 1);
}

}  // namespace
}  // namespace rmq::broker
