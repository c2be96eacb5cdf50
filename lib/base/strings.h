#pragma once
// Bridges std::string_view to Debian 12's Abseil, whose absl::string_view is a
// distinct type (ABSL_OPTION_USE_STD_STRING_VIEW is 0 there).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace rmq {

inline absl::string_view AsAbsl(std::string_view sv) {
  return absl::string_view(sv.data(), sv.size());
}
inline std::string_view AsStd(absl::string_view sv) {
  return std::string_view(sv.data(), sv.size());
}

inline std::span<const std::byte> AsBytes(std::string_view sv) {
  return std::as_bytes(std::span<const char>(sv.data(), sv.size()));
}
inline std::string_view AsChars(std::span<const std::byte> bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()),
                          bytes.size());
}

// Upper-case hex, two characters per byte (RocketMQ message ids).
std::string HexUpper(std::span<const std::byte> bytes);
// Decodes hex (either case). Returns false on odd length or a non-hex digit.
bool HexDecode(std::string_view hex, std::string* out);

}  // namespace rmq
