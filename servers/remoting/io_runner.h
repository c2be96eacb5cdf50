#pragma once
// An asio::io_context and the threads that run it, owned together: each
// RemotingServer and RemotingClient has its own, so there is no global I/O
// state and every thread has an owner that joins it.
//
// The io_context is held by shared_ptr because a Connection may outlive its
// server or client (a long-polling handler can still hold one): its socket,
// timers and strand must be destroyed before the io_context they belong to,
// so each Connection keeps the io_context alive. The threads, though, end in
// Stop().

#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "remoting/asio.h"
#include "rmq/logger.h"

namespace rmq::remoting {

class IoRunner {
 public:
  // `logger` must outlive this object.
  explicit IoRunner(Logger& logger);
  ~IoRunner();  // Stop(absl::Seconds(5))
  IoRunner(const IoRunner&) = delete;
  IoRunner& operator=(const IoRunner&) = delete;

  const std::shared_ptr<asio::io_context>& context() const { return io_; }

  // Runs the io_context on `threads` (at least 1) new threads. Once only.
  void Start(int threads);

  // Lets the threads finish what is in flight (the caller has closed the
  // sockets, so that is only cancellations) for up to `drain`, then stops
  // the io_context and joins the threads. Idempotent. Must not be called
  // from one of the threads.
  void Stop(absl::Duration drain);

 private:
  void Run();

  Logger& logger_;
  std::shared_ptr<asio::io_context> io_;
  // Keeps run() from returning while there is nothing to do yet.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>>
      work_;
  bool started_ = false;
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace rmq::remoting
