// BrokerConfig: defaults, applying a properties file (the keys themselves are
// in broker_config_keys.cc), the start-up rules and the -p/-m description.
//
// Where we deliberately differ from RocketMQ 4.x (broker-config.md §1), in
// line with the store's binding (lib/store/store_config.cc):
//  * RocketMQ silently ignores a value it cannot convert and keeps the
//    default ("listenPort=1091l" would start a broker on 10911). A broker that
//    quietly runs with settings the operator did not ask for is worse than
//    one that refuses to start, so every bad value is an InvalidArgument
//    naming file, line and key, and saying what was expected.
//  * Booleans must be true or false (any case); RocketMQ reads anything else
//    as false.
//  * Values are trimmed on both sides (RocketMQ 5.x trims strings; 4.x keeps
//    trailing blanks, which then either fail a conversion silently or make
//    "broker-a " a different broker group from "broker-a").
//  * Unknown keys are reported as warnings instead of being ignored without a
//    word, and so are switches for RocketMQ features rmq does not have
//    (aclEnable=true ...), a configured haListenPort (4.x overrides it) and
//    a master's brokerId (forced to 0).
//  * namesrvAddr is checked when it is read, with the rule BrokerStartup
//    applies before exiting (every entry host:port).

#include "broker/broker_config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/strings.h"
#include "broker/broker_config_keys.h"
#include "rmq/message.h"

namespace rmq::broker {
namespace {

absl::Status EntryError(const PropertiesFile& file, const PropertyEntry& entry,
                        const absl::Status& status) {
  return absl::InvalidArgumentError(
      absl::StrCat(PropertyErrorPrefix(file, entry), status.message()));
}

// Applies one entry the store did not take. `store_unknown` lists the
// entries ApplyStoreProperties did not know.
absl::Status ApplyEntry(const PropertiesFile& file, const PropertyEntry& entry,
                        const std::vector<const PropertyEntry*>& store_unknown,
                        BrokerConfig& config,
                        std::vector<std::string>& warnings) {
  if (const BrokerKey* key = FindBrokerKey(entry.key); key != nullptr) {
    if (key->set == nullptr) return absl::OkStatus();
    const absl::Status status = key->set(entry.value, config);
    return status.ok() ? status : EntryError(file, entry, status);
  }
  if (IsUnsupportedSwitch(entry.key)) {
    const absl::StatusOr<bool> on =
        ParsePropertyBool(TrimPropertyValue(entry.value));
    if (!on.ok()) return EntryError(file, entry, on.status());
    if (*on) {
      warnings.push_back(absl::StrCat(
          PropertyErrorPrefix(file, entry),
          "true is not supported by rmq (ignored; the feature is off)"));
    }
    return absl::OkStatus();
  }
  const bool store_knows = std::find(store_unknown.begin(), store_unknown.end(),
                                     &entry) == store_unknown.end();
  if (!store_knows && !IsIgnoredKey(entry.key)) {
    warnings.push_back(absl::StrCat(file.source(), ":", entry.line,
                                    ": unknown key '", AsAbsl(entry.key),
                                    "' (ignored)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<HostAddress> StoreHost(const BrokerConfig& config) {
  absl::StatusOr<HostAddress> host =
      HostAddress::Parse(HostPort(config.broker_ip1, config.listen_port));
  if (!host.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("brokerIP1: ", QuotePropertyValue(config.broker_ip1),
                     " is not an IP address"));
  }
  return host;
}

// broker-config.md §1.1, steps 3, 5 and 7.
absl::Status ApplyStartupRules(const PropertiesFile& file, BrokerConfig& config,
                               std::vector<std::string>& warnings) {
  const PropertyEntry* id = file.Find("brokerId");
  if (config.role() == BrokerRole::kSlave) {
    if (config.broker_id <= 0) {
      if (id != nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            PropertyErrorPrefix(file, *id),
            QuotePropertyValue(TrimPropertyValue(id->value)),
            " must be > 0 for a SLAVE (brokerRole=SLAVE; 0 is the master)"));
      }
      const PropertyEntry* role = file.Find("brokerRole");
      return absl::InvalidArgumentError(absl::StrCat(
          role != nullptr ? PropertyErrorPrefix(file, *role) : "brokerRole: ",
          "a SLAVE needs brokerId > 0, and brokerId is not set (default 0)"));
    }
  } else if (config.broker_id != 0) {
    if (id != nullptr) {
      warnings.push_back(absl::StrCat(
          PropertyErrorPrefix(file, *id), config.broker_id,
          " is forced to 0: brokerRole is ", BrokerRoleText(config.role())));
    }
    config.broker_id = 0;
  }

  // 4.x always derives the HA port; a configured one is ignored.
  config.ha_listen_port = config.listen_port + 1;
  if (const PropertyEntry* ha = file.Find("haListenPort");
      ha != nullptr &&
      TrimPropertyValue(ha->value) != absl::StrCat(config.ha_listen_port)) {
    warnings.push_back(
        absl::StrCat(PropertyErrorPrefix(file, *ha),
                     QuotePropertyValue(TrimPropertyValue(ha->value)),
                     " is ignored: the HA port is always listenPort + 1 (",
                     config.ha_listen_port, ")"));
  }

  absl::StatusOr<HostAddress> host = StoreHost(config);
  if (!host.ok()) return host.status();
  config.store.store_host = *host;
  return absl::OkStatus();
}

// A value as a properties file reads it back: backslashes, control
// characters and a leading blank escaped.
std::string EscapeValue(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\f':
        out += "\\f";
        break;
      case ' ':
        out += i == 0 ? "\\ " : " ";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// ---- the environment -------------------------------------------------------

}  // namespace

std::vector<std::string> BrokerConfig::NamesrvAddrs() const {
  std::vector<std::string> addrs;
  std::string_view rest = namesrv_addr;
  while (!rest.empty()) {
    const size_t semi = rest.find(';');
    const std::string_view addr = TrimPropertyValue(rest.substr(0, semi));
    if (!addr.empty()) addrs.emplace_back(addr);
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return addrs;
}

std::string BrokerConfig::BrokerAddr() const {
  return HostPort(broker_ip1, listen_port);
}

std::string BrokerConfig::HaServerAddr() const {
  return HostPort(broker_ip2, ha_listen_port);
}

BrokerConfig DefaultBrokerConfig(const BrokerEnvironment& env) {
  BrokerConfig config;
  config.rocketmq_home = env.rocketmq_home;
  config.namesrv_addr = env.namesrv_addr;
  if (!env.host_name.empty()) config.broker_name = env.host_name;
  if (!env.local_address.empty()) {
    config.broker_ip1 = env.local_address;
    config.broker_ip2 = env.local_address;
  }
  // Java's default root is ${user.home}/store; StoreConfig's own default
  // ("store", relative) is for embedding the library.
  if (!env.user_home.empty()) {
    config.store.store_path_root_dir =
        (std::filesystem::path(env.user_home) / "store").string();
  }
  const int32_t cpus = std::max(1, env.cpus);
  config.send_message_thread_pool_nums = std::min(cpus, 4);
  config.pull_message_thread_pool_nums = 16 + 2 * cpus;
  config.query_message_thread_pool_nums = 8 + cpus;
  config.heartbeat_thread_pool_nums = std::min(32, cpus);
  if (absl::StatusOr<HostAddress> host = StoreHost(config); host.ok()) {
    config.store.store_host = *host;
  }
  return config;
}

absl::StatusOr<BrokerConfig> LoadBrokerConfig(
    const PropertiesFile& file, const BrokerEnvironment& env,
    std::vector<std::string>* warnings) {
  BrokerConfig config = DefaultBrokerConfig(env);
  std::vector<const PropertyEntry*> store_unknown;
  if (absl::Status status =
          ApplyStoreProperties(file, &config.store, &store_unknown);
      !status.ok()) {
    return status;
  }
  std::vector<std::string> notes;
  for (const PropertyEntry& entry : file.entries()) {
    if (absl::Status status =
            ApplyEntry(file, entry, store_unknown, config, notes);
        !status.ok()) {
      return status;
    }
  }
  // BrokerStartup checks the address whatever its source.
  if (file.Find("namesrvAddr") == nullptr) {
    if (absl::Status status = CheckNamesrvAddr(config); !status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("NAMESRV_ADDR: ", status.message()));
    }
  }
  if (absl::Status status = ApplyStartupRules(file, config, notes);
      !status.ok()) {
    return status;
  }
  if (warnings != nullptr) {
    warnings->insert(warnings->end(), std::make_move_iterator(notes.begin()),
                     std::make_move_iterator(notes.end()));
  }
  return config;
}

absl::StatusOr<BrokerConfig> LoadBrokerConfig(
    const PropertiesFile& file, std::vector<std::string>* warnings) {
  return LoadBrokerConfig(file, SystemBrokerEnvironment(), warnings);
}

std::string DescribeConfig(const BrokerConfig& config, ConfigDetail detail) {
  std::vector<std::pair<std::string_view, std::string>> lines;
  for (const BrokerKey& key : BrokerKeys()) {
    if (detail == ConfigDetail::kImportant && !key.important) continue;
    lines.emplace_back(key.name, key.print(config));
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& [name, value] : lines) {
    absl::StrAppend(&out, AsAbsl(name), "=", EscapeValue(value), "\n");
  }
  return out;
}

}  // namespace rmq::broker
