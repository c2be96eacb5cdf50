#pragma once
// Big-endian loads and stores: every integer in RocketMQ's files and frames is
// big-endian (Java ByteBuffer). GCC 12 has no std::byteswap, so we use
// builtins.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace rmq {

inline uint16_t ByteSwap(uint16_t v) { return __builtin_bswap16(v); }
inline uint32_t ByteSwap(uint32_t v) { return __builtin_bswap32(v); }
inline uint64_t ByteSwap(uint64_t v) { return __builtin_bswap64(v); }

template <typename T>
inline T LoadBigEndian(const std::byte* p) {
  static_assert(std::is_integral_v<T>);
  using U = std::make_unsigned_t<T>;
  U v;
  std::memcpy(&v, p, sizeof(v));
  if constexpr (sizeof(U) > 1 && std::endian::native == std::endian::little) {
    v = ByteSwap(v);
  }
  return static_cast<T>(v);
}

template <typename T>
inline void StoreBigEndian(std::byte* p, T value) {
  static_assert(std::is_integral_v<T>);
  using U = std::make_unsigned_t<T>;
  U v = static_cast<U>(value);
  if constexpr (sizeof(U) > 1 && std::endian::native == std::endian::little) {
    v = ByteSwap(v);
  }
  std::memcpy(p, &v, sizeof(v));
}

inline int16_t LoadBE16(const std::byte* p) {
  return LoadBigEndian<int16_t>(p);
}
inline int32_t LoadBE32(const std::byte* p) {
  return LoadBigEndian<int32_t>(p);
}
inline int64_t LoadBE64(const std::byte* p) {
  return LoadBigEndian<int64_t>(p);
}
inline void StoreBE16(std::byte* p, int16_t v) { StoreBigEndian(p, v); }
inline void StoreBE32(std::byte* p, int32_t v) { StoreBigEndian(p, v); }
inline void StoreBE64(std::byte* p, int64_t v) { StoreBigEndian(p, v); }

}  // namespace rmq
