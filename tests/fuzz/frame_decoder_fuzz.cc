// libFuzzer target for the remoting frame decoder: whatever bytes arrive,
// decoding never reads out of bounds or crashes, and a frame that decodes
// re-encodes (in its own serialization) to one that decodes to the same
// command.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "remoting/frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rmq::remoting;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.size() >= kFrameLengthBytes) {
    (void)DecodeFrameLength(input.substr(0, kFrameLengthBytes));
  }
  absl::StatusOr<RemotingCommand> command = DecodeFrame(input);
  if (!command.ok()) return 0;
  absl::StatusOr<std::string> frame = EncodeFrame(*command);
  if (!frame.ok()) return 0;  // e.g. a re-escaped JSON header past 16 MiB
  absl::StatusOr<RemotingCommand> again = DecodeFrame(*frame);
  if (!again.ok() || !(*again == *command)) std::abort();
  return 0;
}
