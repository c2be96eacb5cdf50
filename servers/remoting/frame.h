#pragma once
// Frames (remoting-protocol.md §2):
//   [int total length L = 4 + H + B][int: serialize type << 24 |
//   H][header][body]
// L does not count its own 4 bytes. Java peers close a connection whose frame
// (prefix included) passes 16 MiB; so do we, and we never send one.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "remoting/remoting_command.h"

namespace rmq::remoting {

inline constexpr size_t kFrameLengthBytes = 4;
inline constexpr size_t kDefaultMaxFrameBytes = 16 * 1024 * 1024;

// The whole frame, length prefix included.
absl::StatusOr<std::string> EncodeFrame(
    const RemotingCommand& command,
    size_t max_frame_bytes = kDefaultMaxFrameBytes);

// Everything but the body (which the caller sends after it, e.g. straight
// from the commit log), for a body of `body_size` bytes; `command.body` is
// ignored.
absl::StatusOr<std::string> EncodeFrameHead(
    const RemotingCommand& command, size_t body_size,
    size_t max_frame_bytes = kDefaultMaxFrameBytes);

// Reads the 4-byte length prefix: the number of bytes that follow it.
// InvalidArgument when they could not hold a header word, or when the frame
// would pass `max_frame_bytes`.
absl::StatusOr<size_t> DecodeFrameLength(
    std::string_view prefix, size_t max_frame_bytes = kDefaultMaxFrameBytes);

// Decodes what follows the length prefix (exactly L bytes).
absl::StatusOr<RemotingCommand> DecodeFrameContent(std::string_view content);

// Both steps, for a whole frame in one buffer (tests, tools).
absl::StatusOr<RemotingCommand> DecodeFrame(
    std::string_view frame, size_t max_frame_bytes = kDefaultMaxFrameBytes);

}  // namespace rmq::remoting
