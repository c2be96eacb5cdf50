#pragma once
// The broker's own properties keys (broker_config_keys.cc): how each value
// is parsed into BrokerConfig and printed back, and the RocketMQ keys rmq
// accepts without acting on. broker_config.cc applies them.

#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "broker/broker_config.h"

namespace rmq::broker {

using Setter = absl::Status (*)(std::string_view value, BrokerConfig& config);
using Printer = std::string (*)(const BrokerConfig& config);

struct BrokerKey {
  std::string_view name;
  Setter set;  // null: applied by ApplyStoreProperties or a start-up rule
  Printer print;
  // mqbroker -m: the keys RocketMQ 4.9 marks @ImportantField where rmq has
  // the setting, plus the ports.
  bool important = false;
};

// Every setting DescribeConfig prints; the ones with a setter are the
// broker's own keys.
std::span<const BrokerKey> BrokerKeys();
const BrokerKey* FindBrokerKey(std::string_view name);
// Switches for RocketMQ features rmq does not have (true is warned about).
bool IsUnsupportedSwitch(std::string_view name);
// Other RocketMQ 4.9.8 keys with no counterpart: accepted, no warning.
bool IsIgnoredKey(std::string_view name);
// "ASYNC_MASTER", "SYNC_MASTER" or "SLAVE".
std::string BrokerRoleText(BrokerRole role);

// "ip:port", bracketing a bare IPv6 address.
std::string HostPort(std::string_view ip, int32_t port);
// BrokerStartup's check of namesrvAddr: every ';'-separated entry must be
// host:port (RemotingUtil.string2SocketAddress).
absl::Status CheckNamesrvAddr(const BrokerConfig& config);

}  // namespace rmq::broker
