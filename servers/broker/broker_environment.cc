#include "broker/broker_environment.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace rmq::broker {
namespace {

std::string EnvOr(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::move(fallback);
}

// RocketMQ skips Linux bridge interfaces (docker0 and the like): their
// addresses are not reachable from other hosts.
bool IsBridge(const char* name) {
  std::error_code ec;
  return std::filesystem::exists(
      std::filesystem::path("/sys/class/net") / name / "bridge", ec);
}

// RemotingUtil.getLocalAddress(); see SystemBrokerEnvironment.
std::string DetectLocalAddress() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "127.0.0.1";
  const std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> owner(list,
                                                               &freeifaddrs);
  std::vector<std::string> v4;
  std::vector<std::string> v6;
  for (const ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || IsBridge(it->ifa_name)) continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (it->ifa_addr->sa_family == AF_INET) {
      const in_addr addr =
          reinterpret_cast<const sockaddr_in*>(it->ifa_addr)->sin_addr;
      if ((ntohl(addr.s_addr) >> 24) == 127) continue;
      if (inet_ntop(AF_INET, &addr, text, sizeof(text)) != nullptr) {
        v4.emplace_back(text);
      }
    } else if (it->ifa_addr->sa_family == AF_INET6) {
      const in6_addr& addr =
          reinterpret_cast<const sockaddr_in6*>(it->ifa_addr)->sin6_addr;
      // Link-local addresses need a scope id to be usable; Java would print
      // one ("fe80::1%eth0") that no client can connect to from elsewhere.
      if (IN6_IS_ADDR_LOOPBACK(&addr) || IN6_IS_ADDR_LINKLOCAL(&addr)) {
        continue;
      }
      if (inet_ntop(AF_INET6, &addr, text, sizeof(text)) != nullptr) {
        v6.push_back(absl::StrCat("[", text, "]"));
      }
    }
  }
  for (const std::string& ip : v4) {
    if (!ip.starts_with("127.0") && !ip.starts_with("192.168")) return ip;
  }
  if (!v4.empty()) return v4.back();
  if (!v6.empty()) return v6.front();
  return "127.0.0.1";
}

// Java's availableProcessors() honours the CPU affinity mask.
int AvailableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
    return CPU_COUNT(&set);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

BrokerEnvironment SystemBrokerEnvironment() {
  BrokerEnvironment env;
  env.rocketmq_home = EnvOr("ROCKETMQ_HOME", "");
  env.namesrv_addr = EnvOr("NAMESRV_ADDR", "");
  env.user_home = EnvOr("HOME", "");
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0') {
    env.host_name = host;
  }
  env.local_address = DetectLocalAddress();
  env.cpus = AvailableCpus();
  return env;
}

}  // namespace rmq::broker
