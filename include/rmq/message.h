#pragma once
// What a producer hands the store (MessageToStore) and the pieces of a message
// RocketMQ gives meaning to: host addresses, the properties string, the two
// kinds of message id. The byte layout itself is in commitlog/record.h.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace rmq {

// Property names the store and the broker interpret (MessageConst).
inline constexpr std::string_view kPropertyTags = "TAGS";
inline constexpr std::string_view kPropertyKeys = "KEYS";
inline constexpr std::string_view kPropertyUniqKey = "UNIQ_KEY";
inline constexpr std::string_view kPropertyWait = "WAIT";
inline constexpr std::string_view kPropertyDelayLevel = "DELAY";
inline constexpr std::string_view kPropertyRealTopic = "REAL_TOPIC";
inline constexpr std::string_view kPropertyRealQueueId = "REAL_QID";
inline constexpr std::string_view kPropertyCluster = "CLUSTER";

inline constexpr std::string_view kScheduleTopic = "SCHEDULE_TOPIC_XXXX";

// An IPv4 or IPv6 address plus port, as stored in BORNHOST/STOREHOSTADDRESS.
struct HostAddress {
  std::array<uint8_t, 16> ip{};  // IPv4 uses the first 4 bytes
  bool v6 = false;
  int32_t port = 0;

  static HostAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d,
                        int32_t port);
  // "1.2.3.4:10911" or "[2001:db8::1]:10911".
  static absl::StatusOr<HostAddress> Parse(std::string_view text);
  std::string ToString() const;
  // 8 bytes (IPv4) or 20 bytes (IPv6): address then int32 port.
  int encoded_length() const { return v6 ? 20 : 8; }
  friend bool operator==(const HostAddress&, const HostAddress&) = default;
};

// The properties map, kept in insertion order. Serialized RocketMQ's way:
// name \x01 value \x02 ... without a trailing \x02.
class MessageProperties {
 public:
  using Entry = std::pair<std::string, std::string>;

  MessageProperties() = default;
  MessageProperties(std::initializer_list<Entry> entries);

  // Replaces an existing value, else appends.
  void Set(std::string_view name, std::string_view value);
  // nullptr when absent.
  const std::string* Find(std::string_view name) const;
  bool Erase(std::string_view name);
  bool empty() const { return entries_.empty(); }
  const std::vector<Entry>& entries() const { return entries_; }

  std::string Serialize() const;
  // Serialize into `out` (replacing it), reusing its capacity.
  void SerializeTo(std::string* out) const;
  // RocketMQ's tolerant parser (string2messageProperties): segments split on
  // \x02; a segment counts if it is >= 3 chars and its first \x01 is neither
  // first nor last; later duplicates win. Never fails.
  static MessageProperties Parse(std::string_view text);

  friend bool operator==(const MessageProperties&,
                         const MessageProperties&) = default;

 private:
  std::vector<Entry> entries_;
};

// Looks one property up in a serialized properties string without building a
// map (the dispatch hot path). Same acceptance rules as Parse; last one wins.
bool FindProperty(std::string_view serialized, std::string_view name,
                  std::string_view* value);
// Several at once, in one pass (the put path): values[i] is set when
// names[i] is found. Returns a mask with bit i set for each name found; at
// most 32 names.
uint32_t FindProperties(std::string_view serialized,
                        std::span<const std::string_view> names,
                        std::span<std::string_view> values);

// A message as a producer hands it to the store. The store fills in the store
// host, store timestamp and offsets, and sets the IPv6 sysflag bits itself.
struct MessageToStore {
  std::string topic;
  int32_t queue_id = 0;
  int32_t flag = 0;
  std::string body;
  MessageProperties properties;
  int32_t sys_flag = 0;  // compression and transaction bits
  int64_t born_timestamp_ms = 0;
  HostAddress born_host;
  int32_t reconsume_times = 0;
  int64_t prepared_transaction_offset = 0;
  // SYNC_FLUSH: whether the put waits for the flush. The WAIT=false property
  // also says no; a broker strips WAIT from what it stores (as RocketMQ
  // 4.9.8 does) and passes it here instead.
  bool wait_for_flush = true;
};

// Generates UNIQ_KEY values laid out as a RocketMQ producer's
// MessageClientIDSetter does (store-format §2.8): producer IP, pid, a
// per-process constant, ms since the start of the month, a counter.
// Thread-compatible.
class UniqueKeyGenerator {
 public:
  UniqueKeyGenerator(const HostAddress& producer, int32_t pid,
                     int32_t process_constant);
  std::string Next(int64_t now_ms);

 private:
  std::string prefix_;  // hex of ip + pid + constant
  int64_t month_start_ms_ = -1;
  int64_t next_month_ms_ = -1;
  uint16_t counter_ = 0;
};

// The "offset message id" (store-format §2.7): store host + port + physical
// offset, upper-case hex (32 chars for IPv4, 56 for IPv6).
std::string OffsetMessageId(const HostAddress& store_host,
                            int64_t physical_offset);
struct DecodedMessageId {
  HostAddress store_host;
  int64_t physical_offset = 0;
};
// A 32-character id is IPv4, anything else IPv6 (as MessageDecoder does).
absl::StatusOr<DecodedMessageId> DecodeOffsetMessageId(std::string_view id);

}  // namespace rmq
