#pragma once
// The appender's hot queues keep their current file mapped and pinned
// between batches: taking and dropping the pin on every put cost ~110
// instructions (callgrind: a mutex and two atomic reference counts) and, at
// 10,000 queues, several cold cache lines per put. Only the last `capacity`
// queues used keep a pin, first in first out, so a store with 100,000 queues
// maps at most that many files beyond what its MappingCache allows. The
// store uses the MappingCache's own capacity: a round-robin appender over
// fewer queues than that never loses a pin (FIFO over a cycle longer than
// the ring would lose every one).
//
// Thread-safety: appender only (the store's append lock). The queues must
// outlive the ring.

#include <cstddef>
#include <vector>

namespace rmq {

class ConsumeQueue;

class PinnedQueues {
 public:
  explicit PinnedQueues(size_t capacity) : ring_(capacity, nullptr) {}

  // Lets `queue` keep its pin; the queue it displaces drops its own.
  void Keep(ConsumeQueue& queue);

 private:
  std::vector<ConsumeQueue*> ring_;
  size_t next_ = 0;
};

}  // namespace rmq
