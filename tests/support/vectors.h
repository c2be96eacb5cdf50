#pragma once
// The byte vectors of shared/spec/test-vectors.md ("TV-n"), transcribed from
// the spec's hex dumps and field tables, never produced by our own encoders.
// Every codec test compares its bytes with these.
//
// Hex strings may contain spaces and newlines; FromHex() decodes them.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/check.h"
#include "base/strings.h"
#include "rmq/commitlog/record.h"
#include "rmq/message.h"

namespace rmq::testing {

// Decodes hex digits, skipping whitespace. Test data only: malformed input is
// a bug in this header and aborts.
inline std::string FromHex(std::string_view hex) {
  std::string digits;
  for (char c : hex) {
    if (c != ' ' && c != '\n') digits.push_back(c);
  }
  std::string out;
  RMQ_CHECK(HexDecode(digits, &out),
            "malformed hex in tests/support/vectors.h");
  return out;
}

inline std::span<const std::byte> ByteSpan(std::string_view s) {
  return AsBytes(s);
}

namespace tv {

// ---- Common inputs -------------------------------------------------------

inline constexpr std::string_view kTopic = "TopicTest";
inline constexpr int32_t kQueueId = 1;
inline constexpr std::string_view kTags = "TagA";
inline constexpr std::string_view kKeys = "k1";
inline constexpr std::string_view kBody = "Hello";
inline constexpr int64_t kBornTimestamp = 1700000000000;   // 0x18BCFE56800
inline constexpr int64_t kStoreTimestamp = 1700000000123;  // 0x18BCFE5687B
inline HostAddress BornHost() {
  return HostAddress::V4(192, 168, 0, 10, 54321);
}
inline HostAddress StoreHost() {
  return HostAddress::V4(192, 168, 0, 1, 10911);
}

// Property strings use octal escapes: an octal escape ends after three
// digits, while "\x01C0" would be read as one hex escape.
// {KEYS=k1, TAGS=TagA} in Java HashMap order (17 bytes).
inline constexpr std::string_view kPropertiesA = "KEYS\001k1\002TAGS\001TagA";
// Unique key of TV-8 / TV-11.
inline constexpr std::string_view kUniqKey = "C0A8000A30391B6D358647B75FFF0000";
// Vector B's stored properties (82 bytes).
inline constexpr std::string_view kPropertiesB =
    "KEYS\001k1\002"
    "UNIQ_KEY\001C0A8000A30391B6D358647B75FFF0000\002"
    "CLUSTER\001DefaultCluster\002"
    "TAGS\001TagA";
// TV-12: the delayed message's stored properties (90 bytes).
inline constexpr std::string_view kPropertiesDelayed =
    "REAL_TOPIC\001TopicTest\002"
    "KEYS\001k1\002"
    "CLUSTER\001DefaultCluster\002"
    "DELAY\0013\002"
    "WAIT\001true\002"
    "TAGS\001TagA\002"
    "REAL_QID\0011";

// A properties string written the way the spec prints it: '^' for the
// name/value separator \x01 and '|' for the property separator \x02.
inline std::string Props(std::string_view readable) {
  std::string out(readable);
  for (char& c : out) {
    if (c == '^') c = '\x01';
    if (c == '|') c = '\x02';
  }
  return out;
}

// ---- TV-1, TV-2: body CRC and tag hash -------------------------------------

inline constexpr uint32_t kCrc32Hello = 0xF7D18982;   // plain zlib crc32
inline constexpr int32_t kBodyCrcHello = 0x77D18982;  // masked: 2010220930
inline constexpr int32_t kTagAHash = 2598919;         // 0x0027A807
inline constexpr std::string_view kNegativeHashTag = "tag-with-neg-hash-ZZZZZ";
inline constexpr int32_t kNegativeHashTagHash = -419481108;  // 0xE6FF39EC

// ---- TV-3: vector A, 122 bytes at commit-log offset 0 ----------------------

inline constexpr int32_t kRecordASize = 122;
inline constexpr std::string_view kRecordAHex =
    "00 00 00 7A DA A3 20 A7 77 D1 89 82 00 00 00 01 "
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
    "00 00 00 00 00 00 00 00 00 00 01 8B CF E5 68 00 "
    "C0 A8 00 0A 00 00 D4 31 00 00 01 8B CF E5 68 7B "
    "C0 A8 00 01 00 00 2A 9F 00 00 00 00 00 00 00 00 "
    "00 00 00 00 00 00 00 05 48 65 6C 6C 6F 09 54 6F "
    "70 69 63 54 65 73 74 00 11 4B 45 59 53 01 6B 31 "
    "02 54 41 47 53 01 54 61 67 41";

inline RecordFields VectorAFields() {
  RecordFields f;
  f.queue_id = kQueueId;
  f.queue_offset = 0;
  f.physical_offset = 0;
  f.born_timestamp = kBornTimestamp;
  f.born_host = BornHost();
  f.store_timestamp = kStoreTimestamp;
  f.store_host = StoreHost();
  f.body = kBody;
  f.topic = kTopic;
  f.properties = kPropertiesA;
  return f;
}

// TV-4: offset message id of vector A.
inline constexpr std::string_view kMessageIdA =
    "C0A8000100002A9F0000000000000000";

// ---- TV-7: vector C, 122 bytes at commit-log offset 122, queue offset 1 ----

inline constexpr int64_t kBornTimestampC = 1700000001000;   // 0x18BCFE56BE8
inline constexpr int64_t kStoreTimestampC = 1700000001123;  // 0x18BCFE56C63
inline constexpr int64_t kPhysicalOffsetC = 122;
inline constexpr std::string_view kRecordCHex =
    "00 00 00 7A DA A3 20 A7 77 D1 89 82 00 00 00 01 "
    "00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 00 "
    "00 00 00 7A 00 00 00 00 00 00 01 8B CF E5 6B E8 "
    "C0 A8 00 0A 00 00 D4 31 00 00 01 8B CF E5 6C 63 "
    "C0 A8 00 01 00 00 2A 9F 00 00 00 00 00 00 00 00 "
    "00 00 00 00 00 00 00 05 48 65 6C 6C 6F 09 54 6F "
    "70 69 63 54 65 73 74 00 11 4B 45 59 53 01 6B 31 "
    "02 54 41 47 53 01 54 61 67 41";
inline constexpr std::string_view kMessageIdC =
    "C0A8000100002A9F000000000000007A";

inline RecordFields VectorCFields() {
  RecordFields f = VectorAFields();
  f.queue_offset = 1;
  f.physical_offset = kPhysicalOffsetC;
  f.born_timestamp = kBornTimestampC;
  f.store_timestamp = kStoreTimestampC;
  return f;
}

// ---- TV-8: vector B, 187 bytes as a 4.9.x broker stores it ------------------

inline constexpr int32_t kRecordBSize = 187;
inline constexpr std::string_view kRecordBHex =
    "00 00 00 BB DA A3 20 A7 77 D1 89 82 00 00 00 01 "
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
    "00 00 00 00 00 00 00 00 00 00 01 8B CF E5 68 00 "
    "C0 A8 00 0A 00 00 D4 31 00 00 01 8B CF E5 68 7B "
    "C0 A8 00 01 00 00 2A 9F 00 00 00 00 00 00 00 00 "
    "00 00 00 00 00 00 00 05 48 65 6C 6C 6F 09 54 6F "
    "70 69 63 54 65 73 74 00 52 4B 45 59 53 01 6B 31 "
    "02 55 4E 49 51 5F 4B 45 59 01 43 30 41 38 30 30 "
    "30 41 33 30 33 39 31 42 36 44 33 35 38 36 34 37 "
    "42 37 35 46 46 46 30 30 30 30 02 43 4C 55 53 54 "
    "45 52 01 44 65 66 61 75 6C 74 43 6C 75 73 74 65 "
    "72 02 54 41 47 53 01 54 61 67 41";

inline RecordFields VectorBFields() {
  RecordFields f = VectorAFields();
  f.properties = kPropertiesB;
  return f;
}

// ---- TV-9: vector A with an IPv6 born host, 134 bytes -----------------------

inline constexpr int32_t kRecordIpv6Size = 134;
// Built field by field from the TV-9 table (offsets 0..35 as vector A's,
// except TOTALSIZE; everything after BORNHOST shifted by 12).
inline constexpr std::string_view kRecordIpv6Hex =
    "00 00 00 86 "                                      // 0 TOTALSIZE 134
    "DA A3 20 A7 "                                      // 4 MAGICCODE
    "77 D1 89 82 "                                      // 8 BODYCRC
    "00 00 00 01 "                                      // 12 QUEUEID
    "00 00 00 00 "                                      // 16 FLAG
    "00 00 00 00 00 00 00 00 "                          // 20 QUEUEOFFSET
    "00 00 00 00 00 00 00 00 "                          // 28 PHYSICALOFFSET
    "00 00 00 10 "                                      // 36 SYSFLAG
    "00 00 01 8B CF E5 68 00 "                          // 40 BORNTIMESTAMP
    "20 01 0D B8 00 00 00 00 00 00 00 00 00 00 00 10 "  // 48 BORNHOST ip
    "00 00 D4 31 "                                      //    port 54321
    "00 00 01 8B CF E5 68 7B "                          // 68 STORETIMESTAMP
    "C0 A8 00 01 00 00 2A 9F "                          // 76 STOREHOST
    "00 00 00 00 "                                      // 84 RECONSUMETIMES
    "00 00 00 00 00 00 00 00 "                          // 88 PREPAREDTXOFFSET
    "00 00 00 05 "                                      // 96 BODYLENGTH
    "48 65 6C 6C 6F "                                   // 100 BODY
    "09 "                                               // 105 TOPICLENGTH
    "54 6F 70 69 63 54 65 73 74 "                       // 106 TOPIC
    "00 11 "                                            // 115 PROPERTIESLENGTH
    "4B 45 59 53 01 6B 31 02 54 41 47 53 01 54 61 67 41";  // 117 PROPERTIES
inline constexpr size_t kRecordIpv6StoreTimestampPos = 68;

inline HostAddress BornHostV6() {
  HostAddress h;
  h.v6 = true;
  h.ip = {0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
  h.port = 54321;
  return h;
}

inline RecordFields VectorIpv6Fields() {
  RecordFields f = VectorAFields();
  f.born_host = BornHostV6();
  return f;
}

// TV-9: IPv6 offset message id: [2001:db8::1]:10911, offset 0x12345678.
inline HostAddress StoreHostV6() {
  HostAddress h;
  h.v6 = true;
  h.ip = {0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
  h.port = 10911;
  return h;
}
inline constexpr int64_t kIpv6MessageIdOffset = 0x12345678;
inline constexpr std::string_view kIpv6MessageId =
    "20010DB800000000000000000000000100002A9F0000000012345678";

// ---- TV-10: end-of-file blank marker ----------------------------------------

inline constexpr int64_t kCommitLogFileSize = 1073741824;
inline constexpr int64_t kBlankWritePosition = 1073741700;
inline constexpr int32_t kBlankLength = 124;
inline constexpr std::string_view kBlankHex = "00 00 00 7C CB D4 31 94";
inline constexpr std::string_view kMinimalBlankHex = "00 00 00 08 CB D4 31 94";

// ---- TV-12: delayed message ------------------------------------------------

inline constexpr int32_t kDelayedQueueId = 2;               // level 3 - 1
inline constexpr int64_t kDelayedTagsCode = 1700000010123;  // store + 10 s
inline constexpr std::string_view kDelayedTagsCodeHex =
    "00 00 01 8B CF E5 8F 8B";
// The default messageDelayLevel "1s 5s 10s 30s 1m 2m ... 1h 2h" in ms.
inline constexpr std::array<int64_t, 18> kDefaultDelayLevelsMs = {
    1000,   5000,   10000,  30000,  60000,  120000,  180000,  240000,  300000,
    360000, 420000, 480000, 540000, 600000, 1200000, 1800000, 3600000, 7200000};

// ---- Consume-queue units (20 bytes) -----------------------------------------

inline constexpr std::string_view kCqUnitAHex =  // TV-5
    "00 00 00 00 00 00 00 00  00 00 00 7A  00 00 00 00 00 27 A8 07";
inline constexpr std::string_view kCqUnitCHex =  // TV-7, at CQ byte 20
    "00 00 00 00 00 00 00 7A  00 00 00 7A  00 00 00 00 00 27 A8 07";
inline constexpr std::string_view kCqUnitBHex =  // TV-8
    "00 00 00 00 00 00 00 00  00 00 00 BB  00 00 00 00 00 27 A8 07";

// ---- Index files (TV-6, TV-7, TV-8) -----------------------------------------

inline constexpr int32_t kIndexSlotCount = 5000000;
inline constexpr std::string_view kIndexKeyA = "TopicTest#k1";
inline constexpr int32_t kIndexKeyAHash = 2746024;  // 0x0029E6A8
inline constexpr int32_t kIndexKeyASlot = 2746024;
inline constexpr int64_t kIndexKeyASlotPos = 10984136;
inline constexpr int64_t kIndexItem1Pos = 20000060;
inline constexpr int64_t kIndexItem2Pos = 20000080;

// TV-6: vector A's item (item 1) and the header after that put.
inline constexpr std::string_view kIndexItemAHex =
    "00 29 E6 A8  00 00 00 00 00 00 00 00  00 00 00 00  00 00 00 00";
inline constexpr std::string_view kIndexHeaderAfterAHex =
    "00 00 01 8B CF E5 68 7B  00 00 01 8B CF E5 68 7B "
    "00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00 "
    "00 00 00 01  00 00 00 02";
// TV-7: vector C's item (item 2, chained to item 1) and the header after it.
inline constexpr std::string_view kIndexItemCHex =
    "00 29 E6 A8  00 00 00 00 00 00 00 7A  00 00 00 01  00 00 00 01";
inline constexpr std::string_view kIndexHeaderAfterCHex =
    "00 00 01 8B CF E5 68 7B  00 00 01 8B CF E5 6C 63 "
    "00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 7A "
    "00 00 00 01  00 00 00 03";

// TV-8: vector B indexes UNIQ_KEY first (item 1), then k1 (item 2).
inline constexpr std::string_view kIndexKeyUniq =
    "TopicTest#C0A8000A30391B6D358647B75FFF0000";
inline constexpr int32_t kIndexKeyUniqJavaHash = -1460823934;
inline constexpr int32_t kIndexKeyUniqHash = 1460823934;  // 0x5712677E
inline constexpr int32_t kIndexKeyUniqSlot = 823934;
inline constexpr int64_t kIndexKeyUniqSlotPos = 3295776;
inline constexpr std::string_view kIndexItemBUniqHex =
    "57 12 67 7E  00 00 00 00 00 00 00 00  00 00 00 00  00 00 00 00";
inline constexpr std::string_view kIndexItemBKeyHex =
    "00 29 E6 A8  00 00 00 00 00 00 00 00  00 00 00 00  00 00 00 00";
inline constexpr std::string_view kIndexHeaderAfterBHex =
    "00 00 01 8B CF E5 68 7B  00 00 01 8B CF E5 68 7B "
    "00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00 "
    "00 00 00 02  00 00 00 03";

// ---- TV-17: index hash edge cases -------------------------------------------

struct IndexHashCase {
  std::string_view key;
  int32_t java_hash;
  int32_t index_hash;
};
inline constexpr std::array<IndexHashCase, 6> kIndexHashCases = {{
    {"TopicTest#k1", 2746024, 2746024},
    {"TopicTest#k2", 2746025, 2746025},
    {"Aa", 2112, 2112},
    {"BB", 2112, 2112},
    {"polygenelubricants", INT32_MIN, 0},
    {"", 0, 0},
}};

}  // namespace tv
}  // namespace rmq::testing
