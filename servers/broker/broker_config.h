#pragma once
// BrokerConfig: the broker's settings under RocketMQ 4.9.8's BrokerConfig,
// NettyServerConfig and NettyClientConfig property names
// (shared/spec/broker-config.md §3-§5), plus the whole store configuration
// (MessageStoreConfig, §2) as `store`. Field `auto_create_topic_enable` is
// property key `autoCreateTopicEnable`, and so on.
//
// LoadBrokerConfig reads the file an operator passes to `mqbroker -c`,
// applies RocketMQ's start-up rules (§1.1) and, unlike RocketMQ, refuses bad
// values instead of silently keeping the default.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/broker_environment.h"
#include "rmq/properties.h"
#include "rmq/store_config.h"

namespace rmq::broker {

struct BrokerConfig {
  // --- identity, cluster, name server (§3.1) --------------------------------
  std::string rocketmq_home;  // rocketmqHome
  // namesrvAddr: "host:port;host:port"; see NamesrvAddrs().
  std::string namesrv_addr;
  std::string broker_ip1 = "127.0.0.1";  // brokerIP1: clients and store host
  std::string broker_ip2 = "127.0.0.1";  // brokerIP2: registered HA address
  std::string broker_name = "DEFAULT_BROKER";
  std::string broker_cluster_name = "DefaultCluster";
  int64_t broker_id = 0;          // 0 = master; forced by role (§1.1)
  int32_t broker_permission = 6;  // PermName bits: 4 read | 2 write
  // Clamped to 10000..60000 on load, as RocketMQ's getter does.
  int32_t register_name_server_period = 30000;
  int32_t register_broker_timeout_mills = 6000;
  bool compressed_register = false;
  bool force_register = true;
  std::string region_id = "DefaultRegion";
  bool trace_on = true;

  // --- topics and subscription groups (§3.2) -------------------------------
  int32_t default_topic_queue_nums = 8;
  bool auto_create_topic_enable = true;
  bool cluster_topic_enable = true;
  bool broker_topic_enable = true;
  bool auto_create_subscription_group = true;
  std::string msg_trace_topic_name = "RMQ_SYS_TRACE_TOPIC";
  bool trace_topic_enable = false;
  bool store_reply_message_enable = true;
  bool reject_transaction_message = false;

  // --- thread pools (§3.3) ---------------------------------------------------
  // The CPU-dependent ones are 0 here and set by DefaultBrokerConfig.
  int32_t send_message_thread_pool_nums = 0;   // min(CPU, 4)
  int32_t pull_message_thread_pool_nums = 0;   // 16 + 2 x CPU
  int32_t query_message_thread_pool_nums = 0;  // 8 + CPU
  int32_t admin_broker_thread_pool_nums = 16;
  int32_t client_manage_thread_pool_nums = 32;
  int32_t consumer_manage_thread_pool_nums = 32;
  int32_t heartbeat_thread_pool_nums = 0;  // min(32, CPU)
  int32_t send_thread_pool_queue_capacity = 10000;
  int32_t pull_thread_pool_queue_capacity = 100000;
  int32_t query_thread_pool_queue_capacity = 20000;

  // --- flow control (§3.4) ---------------------------------------------------
  bool broker_fast_failure_enable = true;
  int64_t wait_time_mills_in_send_queue = 200;
  int64_t wait_time_mills_in_pull_queue = 5000;
  int64_t wait_time_mills_in_heartbeat_queue = 31000;
  int64_t start_accept_send_request_time_stamp = 0;

  // --- pull and consumption (§3.5) ------------------------------------------
  bool long_polling_enable = true;
  int64_t short_polling_time_mills = 1000;
  bool notify_consumer_ids_changed_enable = true;
  bool slave_read_enable = false;
  bool transfer_msg_by_heap = true;
  int32_t flush_consumer_offset_interval = 5000;

  // --- transactions and statistics (§3.6, §3.7) -----------------------------
  int64_t transaction_time_out = 6000;  // transactionTimeOut
  int32_t transaction_check_max = 15;
  int64_t transaction_check_interval = 60000;
  bool enable_detail_stat = true;

  // --- remoting server, NettyServerConfig (§4) ------------------------------
  // The broker sets 10911 before reading the file (the class default 8888 is
  // never used). The HA port is always listenPort + 1 and the fast ("VIP")
  // port listenPort - 2 (§1.1), so listenPort must lie in 3..65534.
  // rmqListenHost (ours): the address both remoting ports bind. RocketMQ
  // always binds every interface; "127.0.0.1" keeps a broker local.
  std::string listen_host = "0.0.0.0";
  int32_t listen_port = 10911;
  int32_t ha_listen_port = 10912;  // derived; a configured value is ignored
  int32_t server_worker_threads = 8;
  int32_t server_selector_threads = 3;
  int32_t server_oneway_semaphore_value = 256;
  int32_t server_async_semaphore_value = 64;
  int32_t server_channel_max_idle_time_seconds = 120;
  int32_t server_socket_snd_buf_size = 0;  // 0 = OS default
  int32_t server_socket_rcv_buf_size = 0;  // 0 = OS default
  int32_t server_socket_backlog = 1024;

  // --- remoting client to name servers and brokers (§5) ---------------------
  int32_t connect_timeout_millis = 3000;
  int32_t client_channel_max_idle_time_seconds = 120;

  // --- the store (§2): storePathRootDir, flushDiskType, brokerRole, ... -----
  // The role lives here (store.broker_role) because the store needs it too;
  // store.store_host is kept equal to brokerIP1:listenPort.
  StoreConfig store;

  // The name servers, in file order; empty entries (a trailing ';') dropped,
  // blanks around entries trimmed.
  std::vector<std::string> NamesrvAddrs() const;
  int32_t FastListenPort() const { return listen_port - 2; }
  BrokerRole role() const { return store.broker_role; }
  // "brokerIP1:listenPort": the address registered for clients.
  std::string BrokerAddr() const;
  // "brokerIP2:haListenPort": the HA address registered for slaves.
  std::string HaServerAddr() const;
};

// BrokerConfig{} plus the defaults Java takes from the machine: brokerName
// (host name), brokerIP1/brokerIP2 (local address), rocketmqHome and
// namesrvAddr (environment), the store root <home>/store, and the
// CPU-dependent thread-pool sizes.
BrokerConfig DefaultBrokerConfig(const BrokerEnvironment& env);

// Applies `file` to DefaultBrokerConfig(env): every store key through
// ApplyStoreProperties, then the broker and remoting keys, then the start-up
// rules of broker-config.md §1.1 (masters get brokerId 0, a SLAVE needs
// brokerId > 0, haListenPort = listenPort + 1, store host =
// brokerIP1:listenPort).
//
// A bad value is an InvalidArgument whose message starts with
// PropertyErrorPrefix ("broker-a.properties:7: listenPort: ") and says what
// was expected. Keys that no configuration object knows, and settings that
// are accepted but have no effect, are appended to `warnings` (may be null)
// as "<file>:<line>: ...".
absl::StatusOr<BrokerConfig> LoadBrokerConfig(
    const PropertiesFile& file, const BrokerEnvironment& env,
    std::vector<std::string>* warnings);
// The same with SystemBrokerEnvironment().
absl::StatusOr<BrokerConfig> LoadBrokerConfig(
    const PropertiesFile& file, std::vector<std::string>* warnings);

enum class ConfigDetail {
  kAll,        // mqbroker -p: every effective key
  kImportant,  // mqbroker -m: the keys RocketMQ marks @ImportantField
};

// One "key=value" line per effective setting, sorted by key, each ending in
// '\n'. Values are printed so that the output reads back as a properties file
// with the same effect.
std::string DescribeConfig(const BrokerConfig& config,
                           ConfigDetail detail = ConfigDetail::kAll);

}  // namespace rmq::broker
