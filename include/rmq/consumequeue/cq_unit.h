#pragma once
// One consume-queue unit (store-format §4.1, docs/format/consumequeue.md):
//   int64 commit-log offset | int32 record size | int64 tag code  (big-endian)
// Unit k of a queue lives at byte k*20 of the queue's concatenated files.

#include <cstddef>
#include <cstdint>

namespace rmq {

struct CqUnit {
  static constexpr int kSize = 20;
  // RocketMQ fills the gap before a queue's first unit with these
  // ("pre-blank").
  static constexpr int32_t kBlankSize = 0x7FFFFFFF;

  int64_t phy_offset = 0;
  int32_t size = 0;
  int64_t tags_code = 0;

  // ConsumeQueue's validity test: a unit written by somebody.
  bool valid() const { return phy_offset >= 0 && size > 0; }
  bool blank() const { return phy_offset == 0 && size == kBlankSize; }

  void EncodeTo(std::byte* p) const;
  static CqUnit DecodeFrom(const std::byte* p);
};

}  // namespace rmq
