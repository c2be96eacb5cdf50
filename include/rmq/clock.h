#pragma once
// The store's only source of wall-clock time (store timestamps, index file
// names, cleanup hours), so tests can drive time by hand.

#include <cstdint>
#include <memory>

namespace rmq {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMs() = 0;
};

// The real clock (CLOCK_REALTIME). Thread-safe; one shared instance.
std::shared_ptr<Clock> SystemClock();

}  // namespace rmq
