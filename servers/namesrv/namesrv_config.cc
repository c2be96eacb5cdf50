#include "namesrv/namesrv_config.h"

#include <cstdlib>
#include <functional>
#include <limits>
#include <map>

#include "absl/strings/str_cat.h"

namespace rmq::namesrv {
namespace {

constexpr int kIntMax = std::numeric_limits<int>::max();

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// The store's Java-style parsers (rmq/properties.h), with the file, line and
// key in front of their message.
absl::Status Refused(const PropertiesFile& file, const PropertyEntry& e,
                     const absl::Status& why) {
  return absl::InvalidArgumentError(
      absl::StrCat(PropertyErrorPrefix(file, e), why.message()));
}

absl::Status SetInt(const PropertiesFile& file, const PropertyEntry& e, int min,
                    int max, int* out) {
  absl::StatusOr<int64_t> value =
      ParseJavaInteger(TrimPropertyValue(e.value), min, max);
  if (!value.ok()) return Refused(file, e, value.status());
  *out = static_cast<int>(*value);
  return absl::OkStatus();
}

absl::Status SetBool(const PropertiesFile& file, const PropertyEntry& e,
                     bool* out) {
  absl::StatusOr<bool> value = ParsePropertyBool(TrimPropertyValue(e.value));
  if (!value.ok()) return Refused(file, e, value.status());
  *out = *value;
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
         c.listen_host = std::string(TrimPropertyValue(e.value));
         return absl::OkStatus();
       }},
      {"listenPort",
       [&](const PropertyEntry& e) {
         return SetInt(*file, e, 0, 65535, &c.listen_port);
       }},
      {"serverWorkerThreads",
       [&](const PropertyEntry& e) {
         return SetInt(*file, e, 1, kIntMax, &c.server_worker_threads);
       }},
      {"rmqBrokerExpiredSeconds",
       [&](const PropertyEntry& e) {
         return SetInt(*file, e, 1, kIntMax, &expiry_seconds);
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
