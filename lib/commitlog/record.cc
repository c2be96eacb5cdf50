#include "rmq/commitlog/record.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/strings/str_format.h"
#include "base/check.h"
#include "base/crc32.h"
#include "base/endian.h"
#include "base/java_hash.h"
#include "base/strings.h"

namespace rmq {
namespace {

constexpr int32_t kHostBitsMask = kSysFlagBornHostV6 | kSysFlagStoreHostV6;

int HostLength(bool v6) { return v6 ? 20 : 8; }

// CommitLog.calMsgLength: the record size implied by its variable parts. In
// 64 bits so that oversized inputs cannot wrap around.
int64_t ComputeRecordSize(int32_t sys_flag, int64_t body_length,
                          int topic_length_width, int64_t topic_length,
                          int64_t properties_length) {
  const int born = HostLength(sys_flag & kSysFlagBornHostV6);
  const int store = HostLength(sys_flag & kSysFlagStoreHostV6);
  return 4                                    // TOTALSIZE
         + 4                                  // MAGICCODE
         + 4                                  // BODYCRC
         + 4                                  // QUEUEID
         + 4                                  // FLAG
         + 8                                  // QUEUEOFFSET
         + 8                                  // PHYSICALOFFSET
         + 4                                  // SYSFLAG
         + 8                                  // BORNTIMESTAMP
         + born + 8                           // BORNHOST, STORETIMESTAMP
         + store                              // STOREHOSTADDRESS
         + 4                                  // RECONSUMETIMES
         + 8                                  // PREPAREDTRANSACTIONOFFSET
         + 4 + body_length                    // BODYLENGTH, BODY
         + topic_length_width + topic_length  // TOPICLENGTH, TOPIC
         + 2 + properties_length;             // PROPERTIESLENGTH, PROPERTIES
}

// The smallest record there is: IPv4 hosts, V1 magic, everything empty.
constexpr int32_t kMinRecordSize = 91;

int TopicLengthWidth(size_t topic_length) {
  return topic_length <= static_cast<size_t>(kMaxTopicLengthV1) ? 1 : 2;
}

int32_t EffectiveSysFlag(const RecordFields& fields) {
  return (fields.sys_flag & ~kHostBitsMask) |
         (fields.born_host.v6 ? kSysFlagBornHostV6 : 0) |
         (fields.store_host.v6 ? kSysFlagStoreHostV6 : 0);
}

// Sequential big-endian writer into a buffer already sized for the record.
class Writer {
 public:
  explicit Writer(std::byte* p) : p_(p) {}
  void I8(int8_t v) { *p_++ = static_cast<std::byte>(v); }
  void I16(int16_t v) {
    StoreBE16(p_, v);
    p_ += 2;
  }
  void I32(int32_t v) {
    StoreBE32(p_, v);
    p_ += 4;
  }
  void I64(int64_t v) {
    StoreBE64(p_, v);
    p_ += 8;
  }
  void Bytes(std::string_view s) {
    if (!s.empty()) std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void Host(const HostAddress& host) {
    const size_t ip_length = host.v6 ? 16 : 4;
    std::memcpy(p_, host.ip.data(), ip_length);
    p_ += ip_length;
    I32(host.port);
  }

 private:
  std::byte* p_;
};

// Bounds-checked reader over the span handed to DecodeRecord: every read is
// checked against the span itself, so garbage lengths can never make it read
// outside memory it was given.
class Reader {
 public:
  Reader(std::span<const std::byte> bytes, size_t pos)
      : bytes_(bytes), pos_(pos) {}
  bool Has(size_t n) const { return n <= bytes_.size() - pos_; }
  size_t pos() const { return pos_; }
  int8_t I8() { return static_cast<int8_t>(bytes_[pos_++]); }
  int16_t I16() { return Take<int16_t>(); }
  int32_t I32() { return Take<int32_t>(); }
  int64_t I64() { return Take<int64_t>(); }
  std::string_view Chars(size_t n) {
    const std::string_view s = AsChars(bytes_.subspan(pos_, n));
    pos_ += n;
    return s;
  }
  HostAddress Host(bool v6) {
    HostAddress host;
    host.v6 = v6;
    const size_t ip_length = v6 ? 16 : 4;
    std::memcpy(host.ip.data(), bytes_.data() + pos_, ip_length);
    pos_ += ip_length;
    host.port = I32();
    return host;
  }

 private:
  template <typename T>
  T Take() {
    const T v = LoadBigEndian<T>(bytes_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }
  std::span<const std::byte> bytes_;
  size_t pos_;
};

absl::Status Overrun(std::string_view field, int64_t length, size_t pos,
                     size_t available) {
  return absl::DataLossError(absl::StrFormat(
      "%s length %d at record byte %d runs past the %d bytes available",
      AsAbsl(field), length, pos, available));
}

// Checks TOTALSIZE/MAGICCODE; OK means "a message record whose TOTALSIZE
// fits in the span" (blank markers are handled by the caller).
absl::Status CheckHeader(const RecordView& v, size_t available) {
  if (v.total_size == 0) {
    return absl::DataLossError("total size 0 (unwritten space)");
  }
  if (v.magic != kMessageMagic && v.magic != kMessageMagicV2) {
    return absl::DataLossError(
        absl::StrFormat("bad magic 0x%08X (total size %d)",
                        static_cast<uint32_t>(v.magic), v.total_size));
  }
  if (v.total_size < kMinRecordSize) {
    return absl::DataLossError(
        absl::StrFormat("total size %d below the minimum record size %d",
                        v.total_size, kMinRecordSize));
  }
  if (static_cast<size_t>(v.total_size) > available) {
    return absl::DataLossError(
        absl::StrFormat("total size %d exceeds the %d bytes available",
                        v.total_size, available));
  }
  return absl::OkStatus();
}

// Reads the fixed-size fields after TOTALSIZE/MAGICCODE. CheckHeader made
// sure TOTALSIZE (>= kMinRecordSize) lies within the span; the host fields
// are checked against TOTALSIZE because IPv6 hosts make them longer.
absl::Status DecodeFixedPart(Reader& r, RecordView& v) {
  v.body_crc = r.I32();
  v.queue_id = r.I32();
  v.flag = r.I32();
  v.queue_offset = r.I64();
  v.physical_offset = r.I64();
  v.sys_flag = r.I32();
  v.born_timestamp = r.I64();
  const bool born_v6 = (v.sys_flag & kSysFlagBornHostV6) != 0;
  const bool store_v6 = (v.sys_flag & kSysFlagStoreHostV6) != 0;
  // Hosts + STORETIMESTAMP, RECONSUMETIMES, PREPAREDTXOFFSET, BODYLENGTH.
  const size_t fixed_end =
      r.pos() + HostLength(born_v6) + HostLength(store_v6) + 24;
  if (fixed_end > static_cast<size_t>(v.total_size)) {
    return absl::DataLossError(absl::StrFormat(
        "total size %d too small for the fixed fields of sysflag 0x%X",
        v.total_size, v.sys_flag));
  }
  v.born_host = r.Host(born_v6);
  v.store_timestamp = r.I64();
  v.store_host = r.Host(store_v6);
  v.reconsume_times = r.I32();
  v.prepared_transaction_offset = r.I64();
  return absl::OkStatus();
}

// Reads BODY, TOPIC and PROPERTIES (with their lengths) and checks that they
// add up to TOTALSIZE, following 4.9.8's checkMessageAndReturnSize: negative
// body/properties lengths count as 0, a V1 topic length is a signed byte.
absl::Status DecodeVariablePart(Reader& r, size_t available, RecordView& v) {
  const int32_t body_length = r.I32();
  const int64_t body = std::max<int32_t>(body_length, 0);
  if (!r.Has(body)) return Overrun("body", body, r.pos(), available);
  v.body = r.Chars(body);

  const bool v2 = v.magic == kMessageMagicV2;
  const int width = v2 ? 2 : 1;
  if (!r.Has(width)) {
    return Overrun("topic length field", width, r.pos(), available);
  }
  const int32_t topic_length = v2 ? r.I16() : r.I8();
  if (topic_length < 0) {
    return absl::DataLossError(absl::StrFormat(
        "topic length %d is negative%s", topic_length,
        v2 ? "" : " (a V1 topic longer than 127 bytes needs the V2 magic)"));
  }
  if (!r.Has(topic_length)) {
    return Overrun("topic", topic_length, r.pos(), available);
  }
  v.topic = r.Chars(topic_length);

  if (!r.Has(2)) {
    return Overrun("properties length field", 2, r.pos(), available);
  }
  const int64_t properties = std::max<int16_t>(r.I16(), 0);
  if (!r.Has(properties)) {
    return Overrun("properties", properties, r.pos(), available);
  }
  v.properties = r.Chars(properties);

  const int64_t computed =
      ComputeRecordSize(v.sys_flag, body, width, topic_length, properties);
  if (computed != v.total_size) {
    return absl::DataLossError(absl::StrFormat(
        "record length %d != computed %d", v.total_size, computed));
  }
  return absl::OkStatus();
}

}  // namespace

int64_t EncodedRecordSize(const RecordFields& fields) {
  return ComputeRecordSize(EffectiveSysFlag(fields), fields.body.size(),
                           TopicLengthWidth(fields.topic.size()),
                           fields.topic.size(), fields.properties.size());
}

absl::StatusOr<int64_t> CheckedRecordSize(const RecordFields& fields) {
  if (fields.topic.empty()) {
    return absl::InvalidArgumentError("topic is empty");
  }
  if (fields.topic.size() > static_cast<size_t>(kMaxTopicLengthV2)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("topic length %d exceeds %d bytes", fields.topic.size(),
                        kMaxTopicLengthV2));
  }
  if (fields.properties.size() > static_cast<size_t>(kMaxPropertiesLength)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("properties length %d exceeds %d bytes",
                        fields.properties.size(), kMaxPropertiesLength));
  }
  const int64_t size = EncodedRecordSize(fields);
  if (size > std::numeric_limits<int32_t>::max()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "record size %d (body %d bytes) does not fit the int32 TOTALSIZE", size,
        fields.body.size()));
  }
  return size;
}

void EncodeRecordTo(const RecordFields& fields, int64_t size, std::byte* out) {
  const bool v2 = TopicLengthWidth(fields.topic.size()) == 2;
  Writer w(out);
  w.I32(static_cast<int32_t>(size));
  w.I32(v2 ? kMessageMagicV2 : kMessageMagic);
  w.I32(BodyCrc(AsBytes(fields.body)));
  w.I32(fields.queue_id);
  w.I32(fields.flag);
  w.I64(fields.queue_offset);
  w.I64(fields.physical_offset);
  w.I32(EffectiveSysFlag(fields));
  w.I64(fields.born_timestamp);
  w.Host(fields.born_host);
  w.I64(fields.store_timestamp);
  w.Host(fields.store_host);
  w.I32(fields.reconsume_times);
  w.I64(fields.prepared_transaction_offset);
  w.I32(static_cast<int32_t>(fields.body.size()));
  w.Bytes(fields.body);
  if (v2) {
    w.I16(static_cast<int16_t>(fields.topic.size()));
  } else {
    w.I8(static_cast<int8_t>(fields.topic.size()));
  }
  w.Bytes(fields.topic);
  w.I16(static_cast<int16_t>(fields.properties.size()));
  w.Bytes(fields.properties);
}

absl::Status EncodeRecord(const RecordFields& fields, std::string* out) {
  absl::StatusOr<int64_t> size = CheckedRecordSize(fields);
  if (!size.ok()) return size.status();
  const size_t start = out->size();
  out->resize(start + static_cast<size_t>(*size));
  EncodeRecordTo(fields, *size,
                 reinterpret_cast<std::byte*>(out->data() + start));
  return absl::OkStatus();
}

void PatchRecordPosition(std::span<std::byte> record, int64_t queue_offset,
                         int64_t physical_offset, int64_t store_timestamp) {
  RMQ_CHECK(record.size() >= static_cast<size_t>(kMinRecordSize),
            "PatchRecordPosition needs a whole encoded record");
  const size_t store_timestamp_pos =
      StoreTimestampPosition(LoadBE32(record.data() + kPosSysFlag));
  RMQ_CHECK(record.size() >= store_timestamp_pos + 8,
            "PatchRecordPosition needs a whole encoded record");
  StoreBE64(record.data() + kPosQueueOffset, queue_offset);
  StoreBE64(record.data() + kPosPhysicalOffset, physical_offset);
  StoreBE64(record.data() + store_timestamp_pos, store_timestamp);
}

absl::StatusOr<RecordView> DecodeRecord(std::span<const std::byte> bytes,
                                        const DecodeOptions& options) {
  if (bytes.size() < static_cast<size_t>(kEndFileMinBlankLength)) {
    return absl::DataLossError(absl::StrFormat(
        "only %d bytes left, a record header needs 8", bytes.size()));
  }
  RecordView v;
  Reader r(bytes, 0);
  v.total_size = r.I32();
  v.magic = r.I32();
  if (v.is_blank()) {
    if (v.total_size < kEndFileMinBlankLength) {
      return absl::DataLossError(
          absl::StrFormat("blank marker length %d is below %d", v.total_size,
                          kEndFileMinBlankLength));
    }
    return v;
  }
  if (absl::Status s = CheckHeader(v, bytes.size()); !s.ok()) return s;

  if (absl::Status s = DecodeFixedPart(r, v); !s.ok()) return s;
  if (absl::Status s = DecodeVariablePart(r, bytes.size(), v); !s.ok()) {
    return s;
  }
  // Like RocketMQ, an empty body is not checked (its stored CRC is 0 anyway).
  if (options.check_crc && !v.body.empty()) {
    const int32_t crc = BodyCrc(AsBytes(v.body));
    if (crc != v.body_crc) {
      return absl::DataLossError(absl::StrFormat(
          "body crc 0x%08X != stored 0x%08X", static_cast<uint32_t>(crc),
          static_cast<uint32_t>(v.body_crc)));
    }
  }
  return v;
}

void EncodeBlank(std::span<std::byte> at, int32_t blank_length) {
  RMQ_CHECK(at.size() >= static_cast<size_t>(kEndFileMinBlankLength),
            "EncodeBlank needs 8 bytes");
  StoreBE32(at.data(), blank_length);
  StoreBE32(at.data() + 4, kBlankMagic);
}

namespace {

// Integer.parseInt: optional sign, decimal digits, int32 range.
bool ParseJavaInt(std::string_view s, int64_t* out) {
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  int64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
    if (value > int64_t{1} << 31) return false;
  }
  value = negative ? -value : value;
  if (value > std::numeric_limits<int32_t>::max()) return false;
  *out = value;
  return true;
}

}  // namespace

int64_t ComputeTagsCode(std::string_view topic, std::string_view properties,
                        int64_t store_timestamp,
                        std::span<const int64_t> delay_level_ms) {
  int64_t code = 0;
  std::string_view value;
  if (FindProperty(properties, kPropertyTags, &value) && !value.empty()) {
    code = JavaStringHash(value);  // sign-extended, as Java's (long) cast
  }
  if (topic != kScheduleTopic ||
      !FindProperty(properties, kPropertyDelayLevel, &value)) {
    return code;
  }
  // Java would reject a record whose DELAY is not a number; a tag code cannot
  // fail, so such a record keeps the normal rule.
  int64_t level = 0;
  if (!ParseJavaInt(value, &level)) return code;
  level = std::min<int64_t>(level, delay_level_ms.size());
  if (level <= 0) return code;
  return store_timestamp + delay_level_ms[level - 1];
}

}  // namespace rmq
