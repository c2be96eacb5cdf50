#include "broker/message_batch.h"

#include "absl/strings/str_format.h"

namespace rmq::broker {
namespace {

constexpr size_t kFixedBytes = 22;

uint32_t BE(std::string_view s, size_t pos, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | static_cast<uint8_t>(s[pos + i]);
  return v;
}

}  // namespace

absl::StatusOr<std::vector<BatchEntry>> DecodeMessageBatch(
    std::string_view body) {
  std::vector<BatchEntry> entries;
  size_t pos = 0;
  while (pos < body.size()) {
    const size_t left = body.size() - pos;
    const size_t index = entries.size();
    if (left < kFixedBytes) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "batch entry %d: %d bytes left, an entry needs at least %d", index,
          left, kFixedBytes));
    }
    const uint32_t total = BE(body, pos, 4);
    const uint32_t body_length = BE(body, pos + 16, 4);
    if (total < kFixedBytes || total > left ||
        body_length > total - kFixedBytes) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "batch entry %d: total size %d, body length %d, %d bytes left", index,
          total, body_length, left));
    }
    BatchEntry entry;
    entry.flag = static_cast<int32_t>(BE(body, pos + 12, 4));
    entry.body = body.substr(pos + 20, body_length);
    const size_t props_at = pos + 20 + body_length;
    const uint32_t props_length = BE(body, props_at, 2);
    if (kFixedBytes + body_length + props_length != total) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "batch entry %d: total size %d != 22 + body %d + properties %d",
          index, total, body_length, props_length));
    }
    entry.properties = body.substr(props_at + 2, props_length);
    entries.push_back(entry);
    pos += total;
  }
  if (entries.empty()) {
    return absl::InvalidArgumentError("batch body holds no message");
  }
  return entries;
}

}  // namespace rmq::broker
