#pragma once
// Java String.hashCode() of a UTF-8 string: RocketMQ's tag codes and index keys
// hash the string's UTF-16 code units, not its bytes (TV-17: "é" hashes to
// 233).

#include <cstdint>
#include <string_view>

namespace rmq {

// h = 31*h + unit over the UTF-16 code units of `utf8`, with 32-bit
// wrap-around. Malformed UTF-8 is decoded the way Java's decoder does it: each
// maximal invalid subsequence becomes U+FFFD. Code points above U+FFFF count as
// a surrogate pair.
int32_t JavaStringHash(std::string_view utf8);

// Number of UTF-16 code units (Java String.length()) of `utf8`.
int64_t JavaStringLength(std::string_view utf8);

// RocketMQ's index hash: abs(hashCode), and 0 for Integer.MIN_VALUE.
inline int32_t IndexKeyHash(std::string_view utf8) {
  const int32_t h = JavaStringHash(utf8);
  if (h == INT32_MIN) return 0;
  return h < 0 ? -h : h;
}

}  // namespace rmq
