#include "common/server_logger.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace rmq::server {
namespace {

constexpr size_t kRotateBytes = 128 * 1024 * 1024;
constexpr size_t kKeptFiles = 10;

spdlog::level::level_enum ToSpd(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

ServerLogger::ServerLogger(std::shared_ptr<spdlog::logger> logger,
                           std::filesystem::path file)
    : logger_(std::move(logger)), file_(std::move(file)) {}

ServerLogger::~ServerLogger() {
  if (logger_ != nullptr) logger_->flush();
}

absl::StatusOr<std::unique_ptr<ServerLogger>> ServerLogger::Open(
    const std::filesystem::path& dir, std::string_view name) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create the log directory ", dir.string(), ": ", ec.message()));
  }
  const std::filesystem::path file = dir / (std::string(name) + ".log");
  std::vector<spdlog::sink_ptr> sinks;
  try {
    // spdlog reports errors by exception: caught here, never past this API.
    sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        file.string(), kRotateBytes, kKeptFiles));
  } catch (const spdlog::spdlog_ex& e) {
    return absl::UnavailableError(absl::StrCat("cannot open the log file ",
                                               file.string(), ": ", e.what()));
  }
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  // Not registered with spdlog's global registry: no global state.
  auto logger = std::make_shared<spdlog::logger>(std::string(name),
                                                 sinks.begin(), sinks.end());
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%t] %v");
  logger->set_level(spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  return std::make_unique<ServerLogger>(std::move(logger), file);
}

void ServerLogger::Log(LogLevel level, std::string_view message) {
  logger_->log(ToSpd(level), "{}", message);
}

std::filesystem::path LogDirectory(const std::string& configured_home) {
  std::filesystem::path home = configured_home;
  if (home.empty()) {
    const char* env = std::getenv("HOME");
    home = env != nullptr ? env : ".";
  }
  return home / "logs" / "rocketmqlogs";
}

}  // namespace rmq::server
