#include "remoting/frame.h"

#include <cstring>

#include "absl/strings/str_format.h"
#include "remoting/binary_header.h"
#include "remoting/json_header.h"

namespace rmq::remoting {
namespace {

constexpr size_t kHeaderWordBytes = 4;
constexpr size_t kMaxHeaderBytes = 0xFFFFFF;  // 24 bits

void PutBE32(uint32_t value, char* out) {
  out[0] = static_cast<char>(value >> 24);
  out[1] = static_cast<char>(value >> 16);
  out[2] = static_cast<char>(value >> 8);
  out[3] = static_cast<char>(value);
}

uint32_t GetBE32(std::string_view in) {
  return static_cast<uint32_t>(static_cast<uint8_t>(in[0])) << 24 |
         static_cast<uint32_t>(static_cast<uint8_t>(in[1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(in[2])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(in[3]));
}

}  // namespace

absl::StatusOr<std::string> EncodeFrameHead(const RemotingCommand& command,
                                            size_t body_size,
                                            size_t max_frame_bytes) {
  std::string frame(kFrameLengthBytes + kHeaderWordBytes, '\0');
  if (command.serialize_type == SerializeType::kRocketMq) {
    EncodeBinaryHeader(command, &frame);
  } else {
    EncodeJsonHeader(command, &frame);
  }
  const size_t header = frame.size() - kFrameLengthBytes - kHeaderWordBytes;
  if (header > kMaxHeaderBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "header of %d bytes does not fit the 24-bit header length", header));
  }
  const size_t total = frame.size() + body_size;
  if (total > max_frame_bytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("frame of %d bytes exceeds the %d-byte maximum", total,
                        max_frame_bytes));
  }
  PutBE32(static_cast<uint32_t>(total - kFrameLengthBytes), frame.data());
  PutBE32(static_cast<uint32_t>(command.serialize_type) << 24 |
              static_cast<uint32_t>(header),
          frame.data() + kFrameLengthBytes);
  return frame;
}

absl::StatusOr<std::string> EncodeFrame(const RemotingCommand& command,
                                        size_t max_frame_bytes) {
  absl::StatusOr<std::string> frame =
      EncodeFrameHead(command, command.body.size(), max_frame_bytes);
  if (frame.ok()) frame->append(command.body);
  return frame;
}

absl::StatusOr<size_t> DecodeFrameLength(std::string_view prefix,
                                         size_t max_frame_bytes) {
  if (prefix.size() != kFrameLengthBytes) {
    return absl::InvalidArgumentError("a frame length prefix is 4 bytes");
  }
  const uint32_t length = GetBE32(prefix);
  if (length < kHeaderWordBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "frame length %d cannot hold the 4-byte header word", length));
  }
  if (length > max_frame_bytes - kFrameLengthBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "frame of %d bytes exceeds the %d-byte maximum",
        static_cast<uint64_t>(length) + kFrameLengthBytes, max_frame_bytes));
  }
  return length;
}

absl::StatusOr<RemotingCommand> DecodeFrameContent(std::string_view content) {
  if (content.size() < kHeaderWordBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("frame content of %d bytes cannot hold the header word",
                        content.size()));
  }
  const uint32_t word = GetBE32(content);
  const uint32_t type = word >> 24;
  const size_t header = word & kMaxHeaderBytes;
  if (header > content.size() - kHeaderWordBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "header length %d exceeds the %d bytes of the frame after its header "
        "word",
        header, content.size() - kHeaderWordBytes));
  }
  const std::string_view header_bytes =
      content.substr(kHeaderWordBytes, header);
  RemotingCommand command;
  absl::Status decoded;
  if (type == static_cast<uint32_t>(SerializeType::kJson)) {
    decoded = DecodeJsonHeader(header_bytes, &command);
  } else if (type == static_cast<uint32_t>(SerializeType::kRocketMq)) {
    decoded = DecodeBinaryHeader(header_bytes, &command);
  } else {
    return absl::InvalidArgumentError(absl::StrFormat(
        "unknown serialize type %d (0 = JSON, 1 = ROCKETMQ)", type));
  }
  if (!decoded.ok()) return decoded;
  command.body = std::string(content.substr(kHeaderWordBytes + header));
  return command;
}

absl::StatusOr<RemotingCommand> DecodeFrame(std::string_view frame,
                                            size_t max_frame_bytes) {
  if (frame.size() < kFrameLengthBytes) {
    return absl::InvalidArgumentError("a frame starts with a 4-byte length");
  }
  absl::StatusOr<size_t> length =
      DecodeFrameLength(frame.substr(0, kFrameLengthBytes), max_frame_bytes);
  if (!length.ok()) return length.status();
  if (*length != frame.size() - kFrameLengthBytes) {
    return absl::InvalidArgumentError(
        absl::StrFormat("frame length %d, but %d bytes follow it", *length,
                        frame.size() - kFrameLengthBytes));
  }
  return DecodeFrameContent(frame.substr(kFrameLengthBytes));
}

}  // namespace rmq::remoting
