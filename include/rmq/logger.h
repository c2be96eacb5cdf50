#pragma once
// The library never writes logs itself: it calls a Logger the embedder gives
// it (the servers bind spdlog; the default writes to stderr).

#include <memory>
#include <string_view>

namespace rmq {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Implementations must be thread-safe.
class Logger {
 public:
  virtual ~Logger() = default;
  virtual void Log(LogLevel level, std::string_view message) = 0;
};

// Writes "LEVEL message" lines to stderr for levels >= `min_level`.
std::shared_ptr<Logger> StderrLogger(LogLevel min_level = LogLevel::kInfo);
// Discards everything.
std::shared_ptr<Logger> NullLogger();

}  // namespace rmq
