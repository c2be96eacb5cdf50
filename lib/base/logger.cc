#include "rmq/logger.h"

#include <cstdio>
#include <mutex>
#include <string>

namespace rmq {
namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

class StderrSink final : public Logger {
 public:
  explicit StderrSink(LogLevel min_level) : min_level_(min_level) {}
  void Log(LogLevel level, std::string_view message) override {
    if (level < min_level_) return;
    std::string line = std::string(LevelName(level)) + " rmq: ";
    line.append(message);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);  // one write per line
  }

 private:
  const LogLevel min_level_;
};

class NullSink final : public Logger {
 public:
  void Log(LogLevel, std::string_view) override {}
};

}  // namespace

std::shared_ptr<Logger> StderrLogger(LogLevel min_level) {
  return std::make_shared<StderrSink>(min_level);
}

std::shared_ptr<Logger> NullLogger() { return std::make_shared<NullSink>(); }

}  // namespace rmq
