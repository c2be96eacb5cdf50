#pragma once
// The ROCKETMQ binary header (serialize type 1, remoting-protocol.md §5.4):
// code (short), language (byte), version (short), opaque, flag, remark
// (int length + UTF-8, 0 = none), extFields (int block length, then entries
// of short key length + key, int value length + value). Big-endian.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "remoting/remoting_command.h"

namespace rmq::remoting {

// Appends the header of `command` (not its body) to `out`.
void EncodeBinaryHeader(const RemotingCommand& command, std::string* out);

// Fills the header fields of `out` (not its body). InvalidArgument, saying
// where, when `header` is truncated or its lengths do not add up.
absl::Status DecodeBinaryHeader(std::string_view header, RemotingCommand* out);

}  // namespace rmq::remoting
