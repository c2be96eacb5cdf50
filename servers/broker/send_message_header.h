#pragma once
// The custom header of SEND_MESSAGE (10, long names), SEND_MESSAGE_V2 (310,
// one-letter names) and SEND_BATCH_MESSAGE (320, V2 names)
// (remoting-protocol.md §9.2). Clients send numbers as text or as JSON
// numbers (the codec makes both text); optional fields default as Java's.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "remoting/remoting_command.h"

namespace rmq::broker {

struct SendMessageHeader {
  std::string producer_group;
  std::string topic;
  std::string default_topic;
  int32_t default_topic_queue_nums = 0;
  int32_t queue_id = 0;
  int32_t sys_flag = 0;
  int64_t born_timestamp = 0;
  int32_t flag = 0;
  std::string properties;
  int32_t reconsume_times = 0;
  bool unit_mode = false;
  bool batch = false;
  int32_t max_reconsume_times = -1;  // absent
};

// InvalidArgument naming the missing or malformed field.
absl::StatusOr<SendMessageHeader> DecodeSendMessageHeader(
    const remoting::RemotingCommand& request);

}  // namespace rmq::broker
