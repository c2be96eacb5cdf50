#pragma once
// rmq-namesrv's configuration: RocketMQ's NamesrvConfig and NettyServerConfig
// keys from a .properties file (`mqnamesrv -c FILE`). Unknown keys are
// warned about; a bad value is refused naming the file, line and key (Java
// silently keeps the default — we do not).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rmq/properties.h"

namespace rmq::namesrv {

struct NamesrvConfig {
  std::string rocketmq_home;          // rocketmqHome, default $ROCKETMQ_HOME
  std::string kv_config_path;         // kvConfigPath, default $HOME/namesrv/...
  bool order_message_enable = false;  // orderMessageEnable
  std::string listen_host = "0.0.0.0";  // rmqListenHost (ours)
  int listen_port = 9876;               // listenPort
  int server_worker_threads = 2;        // serverWorkerThreads (I/O threads)
  // A broker not heard from for this long is dropped (RocketMQ: a fixed
  // 120 s; rmqBrokerExpiredSeconds makes it configurable).
  absl::Duration broker_expiry = absl::Seconds(120);
  absl::Duration scan_interval = absl::Seconds(10);  // fixed, as RocketMQ's
};

// Defaults from the environment (ROCKETMQ_HOME, HOME), then `file`.
absl::StatusOr<NamesrvConfig> LoadNamesrvConfig(
    const PropertiesFile* file, std::vector<std::string>* warnings);
NamesrvConfig DefaultNamesrvConfig();

// Every effective key=value, one per line, sorted (for `-p`).
std::string DescribeNamesrvConfig(const NamesrvConfig& config);

}  // namespace rmq::namesrv
