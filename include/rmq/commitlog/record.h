#pragma once
// The commit-log record ("stored message"), byte for byte as Apache RocketMQ
// 4.x writes it (docs/format/commitlog.md, store-format §2). One codec serves
// the writer, recovery, dispatch and every reader.
//
//   TOTALSIZE 4 | MAGIC 4 | BODYCRC 4 | QUEUEID 4 | FLAG 4 | QUEUEOFFSET 8 |
//   PHYSICALOFFSET 8 | SYSFLAG 4 | BORNTIMESTAMP 8 | BORNHOST 8/20 |
//   STORETIMESTAMP 8 | STOREHOST 8/20 | RECONSUMETIMES 4 | PREPAREDTXOFFSET 8 |
//   BODYLENGTH 4 | BODY n | TOPICLENGTH 1 (2 for V2 magic) | TOPIC t |
//   PROPERTIESLENGTH 2 | PROPERTIES p                  (all big-endian)

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rmq/message.h"

namespace rmq {

inline constexpr int32_t kMessageMagic = static_cast<int32_t>(0xDAA320A7);
inline constexpr int32_t kMessageMagicV2 = static_cast<int32_t>(0xDAA320AB);
inline constexpr int32_t kBlankMagic = static_cast<int32_t>(0xCBD43194);
// A file always keeps room for the 8-byte end-of-file blank marker.
inline constexpr int32_t kEndFileMinBlankLength = 8;

// SYSFLAG bits (MessageSysFlag).
inline constexpr int32_t kSysFlagCompressed = 0x1;
inline constexpr int32_t kSysFlagMultiTags = 0x2;
inline constexpr int32_t kSysFlagTransactionMask = 0xC;
inline constexpr int32_t kTransactionNotType = 0x0;
inline constexpr int32_t kTransactionPreparedType = 0x4;
inline constexpr int32_t kTransactionCommitType = 0x8;
inline constexpr int32_t kTransactionRollbackType = 0xC;
inline constexpr int32_t kSysFlagBornHostV6 = 0x10;
inline constexpr int32_t kSysFlagStoreHostV6 = 0x20;

// Fixed field positions (valid for every record: they precede the hosts).
inline constexpr size_t kPosTotalSize = 0;
inline constexpr size_t kPosMagic = 4;
inline constexpr size_t kPosBodyCrc = 8;
inline constexpr size_t kPosQueueId = 12;
inline constexpr size_t kPosFlag = 16;
inline constexpr size_t kPosQueueOffset = 20;
inline constexpr size_t kPosPhysicalOffset = 28;
inline constexpr size_t kPosSysFlag = 36;
inline constexpr size_t kPosBornTimestamp = 40;
inline constexpr size_t kPosBornHost = 48;
// STORETIMESTAMP sits at kPosBornHost + born host length (8 or 20).
inline size_t StoreTimestampPosition(int32_t sys_flag) {
  return kPosBornHost + ((sys_flag & kSysFlagBornHostV6) ? 20 : 8);
}

// Limits checked at encode time.
inline constexpr int32_t kMaxTopicLengthV1 = 127;    // signed byte
inline constexpr int32_t kMaxTopicLengthV2 = 32767;  // int16
inline constexpr int32_t kMaxPropertiesLength = 32767;

// Everything one record holds. String fields are views the caller keeps alive
// while encoding; `properties` is the serialized properties string.
struct RecordFields {
  int32_t queue_id = 0;
  int32_t flag = 0;
  int64_t queue_offset = 0;
  int64_t physical_offset = 0;
  int32_t sys_flag = 0;  // host bits are derived from the hosts when encoding
  int64_t born_timestamp = 0;
  HostAddress born_host;
  int64_t store_timestamp = 0;
  HostAddress store_host;
  int32_t reconsume_times = 0;
  int64_t prepared_transaction_offset = 0;
  std::string_view body;
  std::string_view topic;
  std::string_view properties;
};

// Size of the record `fields` encodes to (V1 magic unless the topic needs V2).
int64_t EncodedRecordSize(const RecordFields& fields);

// Appends the encoded record to `out`. Computes BODYCRC and sets the host
// sysflag bits from the hosts. Uses the V1 magic when the topic fits in 127
// bytes (what 4.x can read), else V2. InvalidArgument for a topic that is
// empty or longer than 32767 bytes, or properties longer than 32767 bytes.
absl::Status EncodeRecord(const RecordFields& fields, std::string* out);

// EncodeRecord in two steps, for a caller with its own buffer: the checks
// and the size, then the bytes (exactly that size, written to `out`).
absl::StatusOr<int64_t> CheckedRecordSize(const RecordFields& fields);
void EncodeRecordTo(const RecordFields& fields, int64_t size, std::byte* out);

// Patches the fields that are only known under the append lock into an
// encoded record.
void PatchRecordPosition(std::span<std::byte> record, int64_t queue_offset,
                         int64_t physical_offset, int64_t store_timestamp);

// A decoded record: views into the bytes it was decoded from.
struct RecordView {
  int32_t total_size = 0;
  int32_t magic = 0;
  int32_t body_crc = 0;
  int32_t queue_id = 0;
  int32_t flag = 0;
  int64_t queue_offset = 0;
  int64_t physical_offset = 0;
  int32_t sys_flag = 0;
  int64_t born_timestamp = 0;
  HostAddress born_host;
  int64_t store_timestamp = 0;
  HostAddress store_host;
  int32_t reconsume_times = 0;
  int64_t prepared_transaction_offset = 0;
  std::string_view body;
  std::string_view topic;
  std::string_view properties;

  bool is_blank() const { return magic == kBlankMagic; }
  int32_t transaction_type() const {
    return sys_flag & kSysFlagTransactionMask;
  }
};

struct DecodeOptions {
  // Compare crc32(body) with BODYCRC (recovery, verify).
  bool check_crc = false;
};

// Decodes the record at the start of `bytes` (which may extend past it).
// A BLANK end-of-file marker decodes as a RecordView with is_blank() and
// total_size = the blank length. Anything else that is not a whole, valid
// record is DataLoss naming what is wrong (zeros, bad magic, length beyond
// `bytes`, length mismatch, CRC mismatch) — which is how the end of the
// written data is found.
absl::StatusOr<RecordView> DecodeRecord(std::span<const std::byte> bytes,
                                        const DecodeOptions& options = {});

// Writes the 8-byte end-of-file marker: int32 blank length, BLANK magic.
void EncodeBlank(std::span<std::byte> at, int32_t blank_length);

// The consume-queue tag code of a record (store-format §4.2): the sign-extended
// Java hashCode of TAGS, 0 without tags; for SCHEDULE_TOPIC_XXXX with a DELAY
// level, the delivery time store_timestamp + delay_ms(level).
// `delay_level_ms` lists the delay of each level (level 1 first).
int64_t ComputeTagsCode(std::string_view topic, std::string_view properties,
                        int64_t store_timestamp,
                        std::span<const int64_t> delay_level_ms);

}  // namespace rmq
