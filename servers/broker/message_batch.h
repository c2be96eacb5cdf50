#pragma once
// The body of SEND_BATCH_MESSAGE (remoting-protocol.md §12.5): inner messages
// back to back, each
//   [int total = 22 + body + props][int magic (0)][int crc (0)][int flag]
//   [int body length][body][short properties length][properties]

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace rmq::broker {

struct BatchEntry {
  int32_t flag = 0;
  std::string_view body;        // a view into the request body
  std::string_view properties;  // serialized (§12.1)
};

// InvalidArgument saying which entry is malformed and how; never reads past
// `body`.
absl::StatusOr<std::vector<BatchEntry>> DecodeMessageBatch(
    std::string_view body);

}  // namespace rmq::broker
