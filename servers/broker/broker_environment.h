#pragma once
// What a broker's defaults depend on besides its properties file: the
// process environment and the machine (RocketMQ's BrokerStartup reads them
// from system properties, the environment and the network interfaces).

#include <string>

namespace rmq::broker {

// The defaults Java takes from the machine and the process environment.
// Separate from BrokerConfig so tests can load a file without depending on
// the host they run on.
struct BrokerEnvironment {
  std::string rocketmq_home;  // ROCKETMQ_HOME
  std::string namesrv_addr;   // NAMESRV_ADDR
  // The local host name; "DEFAULT_BROKER" when it cannot be read (as Java).
  std::string host_name = "DEFAULT_BROKER";
  // RocketMQ's RemotingUtil.getLocalAddress() (see SystemBrokerEnvironment).
  std::string local_address = "127.0.0.1";
  std::string user_home;  // HOME: the default store root is <home>/store
  int cpus = 1;           // available processors: thread-pool defaults
};

// Reads the real environment: ROCKETMQ_HOME, NAMESRV_ADDR, HOME,
// gethostname(), the CPU count, and the local address by RocketMQ's rule:
// the first non-loopback IPv4 address not starting with 127.0 or 192.168,
// else the last non-loopback IPv4 address, else the first IPv6 address, else
// 127.0.0.1. Bridge interfaces are skipped, as RocketMQ 4.9 does.
BrokerEnvironment SystemBrokerEnvironment();

}  // namespace rmq::broker
