#include "rmq/consumequeue/cq_unit.h"

#include "base/endian.h"

namespace rmq {

void CqUnit::EncodeTo(std::byte* p) const {
  StoreBE64(p, phy_offset);
  StoreBE32(p + 8, size);
  StoreBE64(p + 12, tags_code);
}

CqUnit CqUnit::DecodeFrom(const std::byte* p) {
  return CqUnit{LoadBE64(p), LoadBE32(p + 8), LoadBE64(p + 12)};
}

}  // namespace rmq
