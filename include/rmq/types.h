#pragma once
// Strong offset types. Mixing a commit-log byte offset with a queue index is
// RocketMQ's most natural bug; these make the compiler reject it.

#include <compare>
#include <cstdint>

namespace rmq {

template <typename Tag, typename Rep = int64_t>
class StrongInt {
 public:
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(Rep v) : v_(v) {}
  constexpr Rep value() const { return v_; }
  friend constexpr auto operator<=>(StrongInt, StrongInt) = default;

 private:
  Rep v_ = 0;
};

// Global byte position in the virtual, concatenated commit log.
using PhysicalOffset = StrongInt<struct PhysicalOffsetTag>;
// Index of a message inside one (topic, queue) consume queue: 0, 1, 2, ...
using QueueOffset = StrongInt<struct QueueOffsetTag>;
// Queue number within a topic.
using QueueId = StrongInt<struct QueueIdTag, int32_t>;

}  // namespace rmq
