#include "io/mem_buffer.h"

#include <algorithm>
#include <cstring>

#include "base/check.h"

namespace rmq {

ZeroedBuffer::ZeroedBuffer(uint64_t size) : size_(size) {
  if (size == 0) return;
  data_.reset(static_cast<std::byte*>(std::calloc(size, 1)));
  RMQ_CHECK(data_ != nullptr, "out of memory for a MemFileSystem file");
}

ZeroedBuffer ZeroedBuffer::Resized(uint64_t size) const {
  ZeroedBuffer out(size);
  const uint64_t keep = std::min(size, size_);
  if (keep > 0) std::memcpy(out.data_.get(), data_.get(), keep);
  return out;
}

void ZeroedBuffer::CopyFrom(const ZeroedBuffer& other) {
  if (size_ != other.size_) *this = ZeroedBuffer(other.size_);
  if (size_ > 0) std::memcpy(data_.get(), other.data_.get(), size_);
}

uint64_t ByteRanges::CountMissing(uint64_t offset, uint64_t length) const {
  const uint64_t end = offset + length;
  uint64_t present = 0;
  auto it = ranges_.upper_bound(offset);
  if (it != ranges_.begin()) --it;
  for (; it != ranges_.end() && it->first < end; ++it) {
    const uint64_t lo = std::max(it->first, offset);
    const uint64_t hi = std::min(it->second, end);
    if (hi > lo) present += hi - lo;
  }
  return length - present;
}

uint64_t ByteRanges::Add(uint64_t offset, uint64_t length) {
  if (length == 0) return 0;
  const uint64_t added = CountMissing(offset, length);
  uint64_t begin = offset;
  uint64_t end = offset + length;
  auto it = ranges_.upper_bound(begin);
  if (it != ranges_.begin() && std::prev(it)->second >= begin) --it;
  // Swallow every range that overlaps or touches [begin, end).
  while (it != ranges_.end() && it->first <= end) {
    begin = std::min(begin, it->first);
    end = std::max(end, it->second);
    it = ranges_.erase(it);
  }
  ranges_.emplace(begin, end);
  total_ += added;
  return added;
}

uint64_t ByteRanges::Remove(uint64_t offset, uint64_t length) {
  if (length == 0) return 0;
  const uint64_t end = offset + length;
  const uint64_t removed = length - CountMissing(offset, length);
  auto it = ranges_.upper_bound(offset);
  if (it != ranges_.begin()) --it;
  while (it != ranges_.end() && it->first < end) {
    const uint64_t lo = it->first;
    const uint64_t hi = it->second;
    if (hi <= offset) {
      ++it;
      continue;
    }
    it = ranges_.erase(it);
    if (lo < offset) ranges_.emplace(lo, offset);
    if (hi > end) ranges_.emplace(end, hi);
  }
  total_ -= removed;
  return removed;
}

}  // namespace rmq
