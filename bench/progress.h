#pragma once
// Progress of a long run on stderr: a bar (done, rate, ETA) redrawn in place
// when stderr is a terminal, plain periodic lines otherwise. Update() is
// thread-safe and cheap (an atomic add; printing at most every 0.5 s/5 s).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace rmq::bench {

class Progress {
 public:
  Progress(std::string label, int64_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(int64_t n);

 private:
  void Print(bool final);

  const std::string label_;
  const int64_t total_;
  const bool tty_;
  const std::chrono::steady_clock::time_point start_;
  std::atomic<int64_t> done_{0};
  std::atomic<int64_t> next_print_ns_{0};
  std::mutex print_mu_;
};

}  // namespace rmq::bench
