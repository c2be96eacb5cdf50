#pragma once
// Bounded waits on a condition: tests never sleep and hope.

#include <chrono>
#include <functional>
#include <thread>

namespace rmq::testing {

// Polls `condition` (backing off from 50 us to 5 ms) until it holds or
// `timeout` passes. Returns whether it held.
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::microseconds(50);
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::yield();
    std::this_thread::sleep_for(pause);  // bounded backoff inside a deadline
    pause = std::min(pause * 2, std::chrono::microseconds(5000));
  }
  return true;
}

}  // namespace rmq::testing
