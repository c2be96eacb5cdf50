#pragma once
// Building blocks of MemFileSystem: a zero-filled byte buffer and a set of
// byte ranges (which bytes of a file have blocks allocated).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <span>

namespace rmq {

// A heap buffer that starts as zeros. calloc lets large files cost only the
// pages that are actually touched. Move-only; never resized in place, so
// bytes() stays valid until the buffer is replaced.
class ZeroedBuffer {
 public:
  ZeroedBuffer() = default;
  explicit ZeroedBuffer(uint64_t size);
  ZeroedBuffer(ZeroedBuffer&&) noexcept = default;
  ZeroedBuffer& operator=(ZeroedBuffer&&) noexcept = default;
  ZeroedBuffer(const ZeroedBuffer&) = delete;
  ZeroedBuffer& operator=(const ZeroedBuffer&) = delete;

  uint64_t size() const { return size_; }
  std::span<std::byte> bytes() { return {data_.get(), size_}; }
  std::span<const std::byte> bytes() const { return {data_.get(), size_}; }

  // A buffer of `size` bytes starting with this one's content (zero-padded).
  ZeroedBuffer Resized(uint64_t size) const;
  // Makes this an exact copy of `other`, reallocating only on a size change.
  void CopyFrom(const ZeroedBuffer& other);

 private:
  struct Free {
    void operator()(std::byte* p) const { std::free(p); }
  };
  std::unique_ptr<std::byte, Free> data_;
  uint64_t size_ = 0;
};

// Disjoint, coalesced half-open byte ranges.
class ByteRanges {
 public:
  // Bytes of [offset, offset+length) not yet in the set.
  uint64_t CountMissing(uint64_t offset, uint64_t length) const;
  // Adds the range; returns how many bytes were new.
  uint64_t Add(uint64_t offset, uint64_t length);
  // Removes the range; returns how many bytes were present.
  uint64_t Remove(uint64_t offset, uint64_t length);
  uint64_t total() const { return total_; }

 private:
  std::map<uint64_t, uint64_t> ranges_;  // begin -> end
  uint64_t total_ = 0;
};

}  // namespace rmq
