#pragma once
// The appender's hot queues keep their current file mapped and pinned
// between batches: taking and dropping the pin on every put cost ~110
// instructions (callgrind: a mutex and two atomic reference counts). Only
// the last kCapacity queues used keep a pin, first in first out, so a store
// with 100,000 queues maps at most that many files beyond what its
// MappingCache allows.
//
// Thread-safety: appender only (the store's append lock). The queues must
// outlive the ring.

#include <array>
#include <cstddef>

namespace rmq {

class ConsumeQueue;

class PinnedQueues {
 public:
  static constexpr size_t kCapacity = 64;

  // Lets `queue` keep its pin; the queue it displaces drops its own.
  void Keep(ConsumeQueue& queue);

 private:
  std::array<ConsumeQueue*, kCapacity> ring_{};
  size_t next_ = 0;
};

}  // namespace rmq
