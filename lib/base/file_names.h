#pragma once
// RocketMQ names segment files by their 20-digit, zero-padded start offset
// (UtilAll.offset2FileName), so lexical order is numeric order.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rmq {

std::string OffsetToFileName(int64_t offset);

// Parses a 20-digit segment name; nullopt for anything else (tmp files etc.).
std::optional<int64_t> FileNameToOffset(std::string_view name);

}  // namespace rmq
