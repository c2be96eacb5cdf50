// rmq-namesrv: the nameserver (what `mqnamesrv` starts). Brokers register
// with it; clients ask it where topics live.
//   rmq-namesrv [-c FILE] [-p]

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/server_logger.h"
#include "common/signals.h"
#include "namesrv/kv_config_manager.h"
#include "namesrv/namesrv_config.h"
#include "namesrv/namesrv_processor.h"
#include "namesrv/route_info_manager.h"
#include "remoting/server.h"

namespace rmq::namesrv {
namespace {

uint64_t ConnectionId(const std::shared_ptr<remoting::Connection>& c) {
  return reinterpret_cast<uintptr_t>(c.get());
}

int Run(const NamesrvConfig& config, const std::vector<std::string>& warnings) {
  auto logger = server::ServerLogger::Open(
      server::LogDirectory(config.rocketmq_home), "namesrv");
  if (!logger.ok()) {
    std::fprintf(stderr, "rmq-namesrv: %s\n",
                 std::string(logger.status().message()).c_str());
    return 1;
  }
  Logger& log = **logger;
  for (const std::string& w : warnings) log.Log(LogLevel::kWarn, w);

  std::shared_ptr<FileSystem> fs = PosixFileSystem();
  KvConfigManager kv(*fs, config.kv_config_path);
  if (absl::Status s = kv.Load(); !s.ok()) {
    log.Log(LogLevel::kError,
            absl::StrCat("loading the KV config: ", s.message()));
    return 1;
  }
  RouteInfoManager routes;
  NamesrvProcessor processor(routes, kv, log, config.order_message_enable);

  remoting::TransportOptions transport;
  transport.io_threads = config.server_worker_threads;
  remoting::RemotingServer server(
      transport, log,
      [&](const std::shared_ptr<remoting::Connection>& connection,
          remoting::RemotingCommand request) {
        std::optional<remoting::RemotingCommand> response =
            processor.Process(request, ConnectionId(connection), absl::Now());
        if (!response.has_value()) return;
        if (absl::Status s = connection->Send(*response); !s.ok()) {
          log.Log(LogLevel::kWarn,
                  absl::StrCat("answering ", connection->remote_address(), ": ",
                               s.message()));
        }
      },
      [&](const std::shared_ptr<remoting::Connection>& connection) {
        for (const std::string& addr :
             routes.RemoveBrokersOf(ConnectionId(connection))) {
          log.Log(LogLevel::kInfo,
                  absl::StrCat("broker ", addr, " removed: its connection ",
                               connection->remote_address(), " closed"));
        }
      });
  if (absl::Status s = server.Start(config.listen_host,
                                    static_cast<uint16_t>(config.listen_port));
      !s.ok()) {
    log.Log(LogLevel::kError, std::string(s.message()));
    return 1;
  }

  // RocketMQ's scanNotActiveBroker: first after 5 s, then every 10 s.
  absl::Notification stop;
  std::thread scanner([&] {
    absl::Duration wait = std::min(absl::Seconds(5), config.scan_interval);
    while (!stop.WaitForNotificationWithTimeout(wait)) {
      for (const std::string& addr :
           routes.RemoveSilentBrokers(absl::Now(), config.broker_expiry)) {
        log.Log(LogLevel::kWarn,
                absl::StrCat("broker ", addr, " removed: silent for more than ",
                             absl::FormatDuration(config.broker_expiry)));
      }
      wait = config.scan_interval;
    }
  });

  log.Log(LogLevel::kInfo,
          absl::StrCat("rmq-namesrv listening on ", config.listen_host, ":",
                       server.port()));
  // RocketMQ's start-up line, which scripts wait for.
  std::printf("The Name Server boot success. serializeType=JSON\n");
  std::fflush(stdout);

  const int signal = server::WaitForTerminationSignal();
  log.Log(LogLevel::kInfo, absl::StrCat("signal ", signal, ": shutting down"));
  stop.Notify();
  scanner.join();
  server.Stop();
  log.Log(LogLevel::kInfo, "rmq-namesrv stopped");
  return 0;
}

}  // namespace
}  // namespace rmq::namesrv

int main(int argc, char** argv) {
  rmq::server::BlockTerminationSignals();
  CLI::App app{"rmq-namesrv: a RocketMQ-compatible nameserver"};
  std::string config_file;
  bool print = false;
  app.add_option("-c,--configFile", config_file, "name server config file");
  app.add_flag("-p,--printConfigItem", print,
               "print the effective configuration and exit");
  CLI11_PARSE(app, argc, argv);

  std::optional<rmq::PropertiesFile> file;
  if (!config_file.empty()) {
    auto loaded = rmq::PropertiesFile::Load(config_file);
    if (!loaded.ok()) {
      std::fprintf(stderr, "rmq-namesrv: %s\n",
                   std::string(loaded.status().message()).c_str());
      return 1;
    }
    file = *std::move(loaded);
  }
  std::vector<std::string> warnings;
  auto config = rmq::namesrv::LoadNamesrvConfig(
      file.has_value() ? &*file : nullptr, &warnings);
  if (!config.ok()) {
    std::fprintf(stderr, "rmq-namesrv: %s\n",
                 std::string(config.status().message()).c_str());
    return 1;
  }
  if (print) {
    for (const std::string& w : warnings)
      std::fprintf(stderr, "%s\n", w.c_str());
    std::fputs(rmq::namesrv::DescribeNamesrvConfig(*config).c_str(), stdout);
    return 0;
  }
  return rmq::namesrv::Run(*config, warnings);
}
