// rmq-broker: the broker (what `mqbroker` starts).
//   rmq-broker -c broker-a.properties [-n "ns1:9876;ns2:9876"] [-p | -m]

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>

#include "absl/strings/str_cat.h"
#include "broker/broker_config.h"
#include "broker/broker_controller.h"
#include "common/server_logger.h"
#include "common/signals.h"

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "rmq-broker: %s\n", message.c_str());
  return 1;
}

// -n, applied after the file as RocketMQ does; each entry must be host:port.
absl::Status ApplyNamesrvOption(const std::string& value,
                                rmq::broker::BrokerConfig& config) {
  config.namesrv_addr = value;
  for (const std::string& addr : config.NamesrvAddrs()) {
    const size_t colon = addr.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == addr.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("-n: '", addr, "' is not host:port"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  rmq::server::BlockTerminationSignals();
  CLI::App app{"rmq-broker: a RocketMQ-compatible broker"};
  std::string config_file;
  std::string namesrv;
  bool print_all = false;
  bool print_important = false;
  app.add_option("-c,--configFile", config_file, "broker config file");
  app.add_option("-n,--namesrvAddr", namesrv,
                 "nameserver list, e.g. '192.168.0.1:9876;192.168.0.2:9876'");
  app.add_flag("-p,--printConfigItem", print_all,
               "print every effective setting and exit");
  app.add_flag("-m,--printImportantConfig", print_important,
               "print the important settings and exit");
  CLI11_PARSE(app, argc, argv);

  rmq::PropertiesFile file;
  if (!config_file.empty()) {
    auto loaded = rmq::PropertiesFile::Load(config_file);
    if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
    file = *std::move(loaded);
  }
  std::vector<std::string> warnings;
  auto config = rmq::broker::LoadBrokerConfig(file, &warnings);
  if (!config.ok()) return Fail(std::string(config.status().message()));
  if (!namesrv.empty()) {
    if (absl::Status s = ApplyNamesrvOption(namesrv, *config); !s.ok()) {
      return Fail(std::string(s.message()));
    }
  }
  if (print_all || print_important) {
    for (const std::string& w : warnings)
      std::fprintf(stderr, "%s\n", w.c_str());
    std::fputs(rmq::broker::DescribeConfig(
                   *config, print_all ? rmq::broker::ConfigDetail::kAll
                                      : rmq::broker::ConfigDetail::kImportant)
                   .c_str(),
               stdout);
    return 0;
  }

  auto logger = rmq::server::ServerLogger::Open(
      rmq::server::LogDirectory(config->rocketmq_home), "broker");
  if (!logger.ok()) return Fail(std::string(logger.status().message()));
  std::shared_ptr<rmq::Logger> log = *std::move(logger);
  for (const std::string& w : warnings) log->Log(rmq::LogLevel::kWarn, w);

  rmq::broker::BrokerController broker(*std::move(config), log);
  if (absl::Status s = broker.Start(); !s.ok()) {
    log->Log(rmq::LogLevel::kError,
             absl::StrCat("the broker did not start: ", s.message()));
    broker.Shutdown();
    return 1;
  }
  // RocketMQ's start-up line, which scripts wait for.
  std::printf("The broker[%s, %s] boot success. serializeType=JSON\n",
              broker.config().broker_name.c_str(),
              broker.config().BrokerAddr().c_str());
  std::fflush(stdout);
  const int signal = rmq::server::WaitForTerminationSignal();
  log->Log(rmq::LogLevel::kInfo,
           absl::StrCat("signal ", signal, ": shutting down"));
  broker.Shutdown();
  return 0;
}
