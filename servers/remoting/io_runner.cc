#include "remoting/io_runner.h"

#include <exception>

#include "absl/strings/str_cat.h"

namespace rmq::remoting {

IoRunner::IoRunner(Logger& logger)
    : logger_(logger), io_(std::make_shared<asio::io_context>()) {}

IoRunner::~IoRunner() { Stop(absl::Seconds(5)); }

void IoRunner::Start(int threads) {
  if (started_) return;
  started_ = true;
  work_.emplace(io_->get_executor());
  const int count = threads < 1 ? 1 : threads;
  {
    absl::MutexLock lock(&mu_);
    running_ = count;
  }
  threads_.reserve(count);
  for (int i = 0; i < count; ++i) threads_.emplace_back([this] { Run(); });
}

void IoRunner::Run() {
  // A handler that throws must not take the thread (and with it every
  // connection it serves) down; log it and keep serving.
  for (;;) {
    try {
      io_->run();
      break;
    } catch (const std::exception& e) {
      logger_.Log(LogLevel::kError,
                  absl::StrCat("remoting: I/O handler threw: ", e.what()));
    } catch (...) {
      logger_.Log(LogLevel::kError, "remoting: I/O handler threw");
    }
  }
  absl::MutexLock lock(&mu_);
  --running_;
}

void IoRunner::Stop(absl::Duration drain) {
  if (threads_.empty()) return;
  work_.reset();
  {
    // run() returns by itself once the closed sockets and cancelled timers
    // have delivered their completions; that lets every connection finish
    // its teardown (failing its pending invokes) before we stop.
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(
        absl::Condition(
            +[](int* running) { return *running == 0; }, &running_),
        drain);
  }
  io_->stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

}  // namespace rmq::remoting
