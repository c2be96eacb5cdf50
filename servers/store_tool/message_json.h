#pragma once
// JSON lines for rmq-store: a stored record as one JSON object (dump, query)
// and a JSON input line as a MessageToStore (load).

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rmq/commitlog/record.h"
#include "rmq/message.h"

namespace rmq::tool {

// One line (no newline) with every field of the record: topic, queueId,
// queueOffset, commitLogOffset, storeSize, msgId, uniqKey, tags, keys, body
// (or bodyBase64 when the body is not valid UTF-8), bodyLength, bodyCrc32,
// storedBodyCrc, properties, storeTimestamp, bornTimestamp, bornHost,
// storeHost, sysFlag, flag, reconsumeTimes, preparedTransactionOffset.
std::string RecordToJson(const RecordView& record);

// Parses {"topic","queueId","tags","keys","body"|"bodyBase64","properties",
// "flag","bornTimestamp","reconsumeTimes","sysFlag","bornHost"}; only topic
// and body are required. InvalidArgument says what is wrong (the caller adds
// the line number).
absl::StatusOr<MessageToStore> MessageFromJson(std::string_view line);

bool IsValidUtf8(std::string_view text);

// `text` as a quoted, escaped JSON string.
std::string JsonString(std::string_view text);

}  // namespace rmq::tool
