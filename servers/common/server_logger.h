#pragma once
// The servers' logger: RocketMQ's log layout (<home>/logs/rocketmqlogs/
// <name>.log, rotated at 128 MiB, 10 files kept) and the console, through
// spdlog. It implements rmq::Logger, so the store and the remoting layer log
// through it too.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rmq/logger.h"

namespace spdlog {
class logger;
}

namespace rmq::server {

class ServerLogger : public Logger {
 public:
  // Logs to `dir`/`name`.log and stderr. Creates `dir`.
  static absl::StatusOr<std::unique_ptr<ServerLogger>> Open(
      const std::filesystem::path& dir, std::string_view name);
  ~ServerLogger() override;

  void Log(LogLevel level, std::string_view message) override;
  const std::filesystem::path& file() const { return file_; }

  // Not for direct use: Open() builds it.
  ServerLogger(std::shared_ptr<spdlog::logger> logger,
               std::filesystem::path file);

 private:
  std::shared_ptr<spdlog::logger> logger_;
  std::filesystem::path file_;
};

// RocketMQ's log directory: <home>/logs/rocketmqlogs, where home is
// `configured_home` when set, else $HOME (Java's user.home).
std::filesystem::path LogDirectory(const std::string& configured_home);

}  // namespace rmq::server
