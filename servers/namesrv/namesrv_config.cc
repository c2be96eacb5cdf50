#include "namesrv/namesrv_config.h"

#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace rmq::namesrv {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

absl::Status Bad(const PropertiesFile& file, const PropertyEntry& e,
                 const std::string& expected) {
  return absl::InvalidArgumentError(absl::StrCat(
      PropertyErrorPrefix(file, e), "'", e.value, "' is not ", expected));
}

absl::Status SetInt(const PropertiesFile& file, const PropertyEntry& e, int min,
                    int* out) {
  int value = 0;
  auto [ptr, ec] =
      std::from_chars(e.value.data(), e.value.data() + e.value.size(), value);
  if (e.value.empty() || ec != std::errc() ||
      ptr != e.value.data() + e.value.size() || value < min) {
    return Bad(file, e, absl::StrCat("an integer >= ", min));
  }
  *out = value;
  return absl::OkStatus();
}

absl::Status SetBool(const PropertiesFile& file, const PropertyEntry& e,
                     bool* out) {
  const std::string v = absl::AsciiStrToLower(e.value);
  if (v != "true" && v != "false") return Bad(file, e, "true or false");
  *out = v == "true";
  return absl::OkStatus();
}

}  // namespace

NamesrvConfig DefaultNamesrvConfig() {
  NamesrvConfig c;
  c.rocketmq_home = Env("ROCKETMQ_HOME");
  const std::string home = Env("HOME").empty() ? "." : Env("HOME");
  c.kv_config_path = home + "/namesrv/kvConfig.json";
  return c;
}

absl::StatusOr<NamesrvConfig> LoadNamesrvConfig(
    const PropertiesFile* file, std::vector<std::string>* warnings) {
  NamesrvConfig c = DefaultNamesrvConfig();
  if (file == nullptr) return c;
  using Setter = std::function<absl::Status(const PropertyEntry&)>;
  int expiry_seconds = 120;
  const std::map<std::string, Setter, std::less<>> setters = {
      {"rocketmqHome",
       [&](const PropertyEntry& e) {
         c.rocketmq_home = e.value;
         return absl::OkStatus();
       }},
      {"kvConfigPath",
       [&](const PropertyEntry& e) {
         c.kv_config_path = e.value;
         return absl::OkStatus();
       }},
      {"orderMessageEnable",
       [&](const PropertyEntry& e) {
         return SetBool(*file, e, &c.order_message_enable);
       }},
      {"rmqListenHost",
       [&](const PropertyEntry& e) {
         c.listen_host = e.value;
         return absl::OkStatus();
       }},
      {"listenPort",
       [&](const PropertyEntry& e) {
         return SetInt(*file, e, 0, &c.listen_port);
       }},
      {"serverWorkerThreads",
       [&](const PropertyEntry& e) {
         return SetInt(*file, e, 1, &c.server_worker_threads);
       }},
      {"rmqBrokerExpiredSeconds",
       [&](const PropertyEntry& e) {
         return SetInt(*file, e, 1, &expiry_seconds);
       }},
  };
  // Keys RocketMQ's namesrv accepts that have no effect here.
  static constexpr std::string_view kAccepted[] = {
      "configStorePath",
      "productEnvName",
      "clusterTest",
      "serverSelectorThreads",
      "serverCallbackExecutorThreads",
      "serverOnewaySemaphoreValue",
      "serverAsyncSemaphoreValue",
      "serverChannelMaxIdleTimeSeconds",
      "serverSocketSndBufSize",
      "serverSocketRcvBufSize",
      "serverPooledByteBufAllocatorEnable",
      "useEpollNativeSelector"};
  for (const PropertyEntry& e : file->entries()) {
    auto setter = setters.find(e.key);
    if (setter != setters.end()) {
      if (absl::Status s = setter->second(e); !s.ok()) return s;
      continue;
    }
    if (std::find(std::begin(kAccepted), std::end(kAccepted), e.key) !=
        std::end(kAccepted)) {
      continue;
    }
    if (warnings != nullptr) {
      warnings->push_back(absl::StrCat(file->source(), ":", e.line,
                                       ": unknown key '", e.key,
                                       "' (ignored)"));
    }
  }
  if (c.listen_port > 65535) {
    const PropertyEntry* e = file->Find("listenPort");
    return Bad(*file, *e, "a port (0-65535)");
  }
  c.broker_expiry = absl::Seconds(expiry_seconds);
  return c;
}

std::string DescribeNamesrvConfig(const NamesrvConfig& c) {
  const std::map<std::string, std::string> values = {
      {"rocketmqHome", c.rocketmq_home},
      {"kvConfigPath", c.kv_config_path},
      {"orderMessageEnable", c.order_message_enable ? "true" : "false"},
      {"rmqListenHost", c.listen_host},
      {"listenPort", std::to_string(c.listen_port)},
      {"serverWorkerThreads", std::to_string(c.server_worker_threads)},
      {"rmqBrokerExpiredSeconds",
       std::to_string(absl::ToInt64Seconds(c.broker_expiry))},
  };
  std::string out;
  for (const auto& [key, value] : values) {
    absl::StrAppend(&out, key, "=", value, "\n");
  }
  return out;
}

}  // namespace rmq::namesrv
