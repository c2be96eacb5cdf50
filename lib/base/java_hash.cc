#include "base/java_hash.h"

#include <cstddef>

namespace rmq {
namespace {

constexpr uint32_t kReplacement = 0xFFFD;

// Decodes one code point at `s[i]`, advancing `i`. Follows the WHATWG/Java rule
// that a maximal invalid prefix is replaced by one U+FFFD.
uint32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int need = 0;
  uint32_t cp = 0;
  uint8_t lower = 0x80, upper = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lower = 0xA0;
    if (b0 == 0xED) upper = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lower = 0x90;
    if (b0 == 0xF4) upper = 0x8F;
  } else {
    ++i;
    return kReplacement;
  }
  ++i;
  for (int k = 0; k < need; ++k) {
    if (i >= s.size()) return kReplacement;
    const auto b = static_cast<uint8_t>(s[i]);
    if (b < lower || b > upper) return kReplacement;
    lower = 0x80;
    upper = 0xBF;
    cp = (cp << 6) | (b & 0x3F);
    ++i;
  }
  return cp;
}

template <typename F>
void ForEachUtf16Unit(std::string_view utf8, F&& f) {
  size_t i = 0;
  while (i < utf8.size()) {
    const uint32_t cp = NextCodePoint(utf8, i);
    if (cp >= 0x10000) {
      const uint32_t v = cp - 0x10000;
      f(static_cast<uint16_t>(0xD800 + (v >> 10)));
      f(static_cast<uint16_t>(0xDC00 + (v & 0x3FF)));
    } else {
      f(static_cast<uint16_t>(cp));
    }
  }
}

}  // namespace

int32_t JavaStringHash(std::string_view utf8) {
  uint32_t h = 0;
  bool ascii = true;
  for (char c : utf8) {
    if (static_cast<uint8_t>(c) >= 0x80) {
      ascii = false;
      break;
    }
    h = 31 * h + static_cast<uint8_t>(c);
  }
  if (ascii) return static_cast<int32_t>(h);
  h = 0;
  ForEachUtf16Unit(utf8, [&h](uint16_t unit) { h = 31 * h + unit; });
  return static_cast<int32_t>(h);
}

int64_t JavaStringLength(std::string_view utf8) {
  int64_t n = 0;
  ForEachUtf16Unit(utf8, [&n](uint16_t) { ++n; });
  return n;
}

}  // namespace rmq
