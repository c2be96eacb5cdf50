#include "rmq/commitlog/record.h"

#include <catch2/catch.hpp>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include "base/crc32.h"
#include "base/endian.h"
#include "support/status_matchers.h"
#include "support/vectors.h"

namespace rmq {
namespace {

namespace tv = testing::tv;
using testing::ByteSpan;
using testing::FromHex;
using testing::StatusIs;

std::string Encode(const RecordFields& fields) {
  std::string out;
  REQUIRE_OK(EncodeRecord(fields, &out));
  return out;
}

std::span<std::byte> MutableBytes(std::string& s) {
  return std::as_writable_bytes(std::span<char>(s.data(), s.size()));
}

std::byte* At(std::string& s, size_t pos) {
  return reinterpret_cast<std::byte*>(s.data() + pos);
}

// Decodes a record that must be corrupt; returns the DataLoss message.
std::string DataLossMessage(const std::string& bytes,
                            DecodeOptions options = {}) {
  const absl::StatusOr<RecordView> view =
      DecodeRecord(ByteSpan(bytes), options);
  REQUIRE_THAT(view.status(), StatusIs(absl::StatusCode::kDataLoss));
  return std::string(view.status().message());
}

void CheckSameFields(const RecordView& v, const RecordFields& f) {
  CHECK(v.queue_id == f.queue_id);
  CHECK(v.flag == f.flag);
  CHECK(v.queue_offset == f.queue_offset);
  CHECK(v.physical_offset == f.physical_offset);
  CHECK(v.born_timestamp == f.born_timestamp);
  CHECK(v.born_host == f.born_host);
  CHECK(v.store_timestamp == f.store_timestamp);
  CHECK(v.store_host == f.store_host);
  CHECK(v.reconsume_times == f.reconsume_times);
  CHECK(v.prepared_transaction_offset == f.prepared_transaction_offset);
  CHECK(v.body == f.body);
  CHECK(v.topic == f.topic);
  CHECK(v.properties == f.properties);
}

TEST_CASE("TV-1: BODYCRC is zlib crc32 of the body with the sign bit cleared",
          "[unit][record]") {
  CHECK(Crc32(ByteSpan(tv::kBody)) == tv::kCrc32Hello);
  CHECK(BodyCrc(ByteSpan(tv::kBody)) == tv::kBodyCrcHello);
  CHECK(tv::kBodyCrcHello == 2010220930);
}

TEST_CASE("TV-2: the tag code is the sign-extended Java hash of TAGS",
          "[unit][record]") {
  CHECK(ComputeTagsCode(tv::kTopic, tv::kPropertiesA, tv::kStoreTimestamp,
                        tv::kDefaultDelayLevelsMs) == tv::kTagAHash);

  const std::string negative =
      tv::Props("TAGS^") + std::string(tv::kNegativeHashTag);
  const int64_t code = ComputeTagsCode(tv::kTopic, negative, 0, {});
  CHECK(code == tv::kNegativeHashTagHash);
  CHECK(static_cast<uint64_t>(code) == 0xFFFFFFFFE6FF39ECull);
}

TEST_CASE("a record without TAGS has tag code 0", "[unit][record]") {
  CHECK(ComputeTagsCode(tv::kTopic, "", tv::kStoreTimestamp, {}) == 0);
  CHECK(ComputeTagsCode(tv::kTopic, tv::Props("KEYS^k1"), tv::kStoreTimestamp,
                        {}) == 0);
}

TEST_CASE("TV-3: vector A encodes byte for byte", "[unit][record]") {
  const RecordFields fields = tv::VectorAFields();
  CHECK(EncodedRecordSize(fields) == tv::kRecordASize);
  CHECK(Encode(fields) == FromHex(tv::kRecordAHex));
}

TEST_CASE("TV-3: decoding vector A yields the fields the spec lists",
          "[unit][record]") {
  const std::string bytes = FromHex(tv::kRecordAHex);
  const auto view = DecodeRecord(ByteSpan(bytes), {.check_crc = true});
  REQUIRE_OK(view);
  const RecordView& v = *view;
  CHECK_FALSE(v.is_blank());
  CHECK(v.total_size == 122);
  CHECK(v.magic == kMessageMagic);
  CHECK(v.body_crc == tv::kBodyCrcHello);
  CHECK(v.queue_id == 1);
  CHECK(v.flag == 0);
  CHECK(v.queue_offset == 0);
  CHECK(v.physical_offset == 0);
  CHECK(v.sys_flag == 0);
  CHECK(v.transaction_type() == kTransactionNotType);
  CHECK(v.born_timestamp == 1700000000000);
  CHECK(v.born_host.ToString() == "192.168.0.10:54321");
  CHECK(v.store_timestamp == 1700000000123);
  CHECK(v.store_host.ToString() == "192.168.0.1:10911");
  CHECK(v.reconsume_times == 0);
  CHECK(v.prepared_transaction_offset == 0);
  CHECK(v.body == "Hello");
  CHECK(v.topic == "TopicTest");
  CHECK(v.properties == tv::kPropertiesA);
  CheckSameFields(v, tv::VectorAFields());

  // What the dispatcher derives from it (TV-3's last paragraph).
  CHECK(ComputeTagsCode(v.topic, v.properties, v.store_timestamp, {}) ==
        2598919);
  std::string_view keys;
  REQUIRE(FindProperty(v.properties, kPropertyKeys, &keys));
  CHECK(keys == "k1");
  std::string_view uniq;
  CHECK_FALSE(FindProperty(v.properties, kPropertyUniqKey, &uniq));
}

TEST_CASE("TV-7: vector C encodes and decodes at physical offset 122",
          "[unit][record]") {
  const std::string expected = FromHex(tv::kRecordCHex);
  CHECK(Encode(tv::VectorCFields()) == expected);
  const auto view = DecodeRecord(ByteSpan(expected), {.check_crc = true});
  REQUIRE_OK(view);
  CHECK(view->total_size == 122);
  CheckSameFields(*view, tv::VectorCFields());
}

TEST_CASE("records encoded back to back form the commit log of TV-3 + TV-7",
          "[unit][record]") {
  std::string log;
  REQUIRE_OK(EncodeRecord(tv::VectorAFields(), &log));
  REQUIRE_OK(EncodeRecord(tv::VectorCFields(), &log));
  CHECK(log == FromHex(tv::kRecordAHex) + FromHex(tv::kRecordCHex));

  // The span may run past the record: each decode stops at its TOTALSIZE.
  const auto a = DecodeRecord(ByteSpan(log));
  REQUIRE_OK(a);
  CHECK(a->physical_offset == 0);
  const auto c = DecodeRecord(ByteSpan(log).subspan(a->total_size));
  REQUIRE_OK(c);
  CHECK(c->physical_offset == 122);
  CHECK(c->queue_offset == 1);
}

TEST_CASE("TV-8: vector B, as a 4.9.x broker stores it, round-trips",
          "[unit][record]") {
  const std::string expected = FromHex(tv::kRecordBHex);
  CHECK(EncodedRecordSize(tv::VectorBFields()) == tv::kRecordBSize);
  CHECK(Encode(tv::VectorBFields()) == expected);
  const auto view = DecodeRecord(ByteSpan(expected), {.check_crc = true});
  REQUIRE_OK(view);
  CHECK(view->total_size == 187);
  CheckSameFields(*view, tv::VectorBFields());
  std::string_view uniq;
  REQUIRE(FindProperty(view->properties, kPropertyUniqKey, &uniq));
  CHECK(uniq == tv::kUniqKey);
  CHECK(ComputeTagsCode(view->topic, view->properties, view->store_timestamp,
                        {}) == tv::kTagAHash);
}

TEST_CASE("TV-9: an IPv6 born host sets sysflag 0x10 and shifts later fields",
          "[unit][record]") {
  const std::string expected = FromHex(tv::kRecordIpv6Hex);
  REQUIRE(expected.size() == 134);
  CHECK(EncodedRecordSize(tv::VectorIpv6Fields()) == tv::kRecordIpv6Size);
  CHECK(Encode(tv::VectorIpv6Fields()) == expected);
  CHECK(StoreTimestampPosition(kSysFlagBornHostV6) ==
        tv::kRecordIpv6StoreTimestampPos);

  const auto view = DecodeRecord(ByteSpan(expected), {.check_crc = true});
  REQUIRE_OK(view);
  CHECK(view->sys_flag == kSysFlagBornHostV6);
  CHECK(view->born_host.v6);
  CHECK(view->born_host.ToString() == "[2001:db8::10]:54321");
  CHECK_FALSE(view->store_host.v6);
  CheckSameFields(*view, tv::VectorIpv6Fields());
}

TEST_CASE("the encoder derives the host sysflag bits from the hosts",
          "[unit][record]") {
  RecordFields fields = tv::VectorAFields();
  fields.sys_flag = kSysFlagBornHostV6 | kSysFlagStoreHostV6 |
                    kTransactionCommitType | kSysFlagCompressed;
  std::string bytes = Encode(fields);
  CHECK(LoadBE32(At(bytes, kPosSysFlag)) ==
        (kTransactionCommitType | kSysFlagCompressed));

  fields.store_host = tv::StoreHostV6();
  bytes = Encode(fields);
  CHECK(bytes.size() == 122 + 12);
  const auto view = DecodeRecord(ByteSpan(bytes), {.check_crc = true});
  REQUIRE_OK(view);
  CHECK(view->sys_flag ==
        (kSysFlagStoreHostV6 | kTransactionCommitType | kSysFlagCompressed));
  CHECK(view->transaction_type() == kTransactionCommitType);
  CHECK(view->store_host == tv::StoreHostV6());
}

TEST_CASE("PatchRecordPosition fills in what is known under the append lock",
          "[unit][record]") {
  SECTION("IPv4 hosts: vector C") {
    RecordFields fields = tv::VectorCFields();
    fields.queue_offset = 0;
    fields.physical_offset = 0;
    fields.store_timestamp = 0;
    std::string bytes = Encode(fields);
    PatchRecordPosition(MutableBytes(bytes), 1, tv::kPhysicalOffsetC,
                        tv::kStoreTimestampC);
    CHECK(bytes == FromHex(tv::kRecordCHex));
  }
  SECTION("IPv6 born host: the store timestamp sits at 68") {
    RecordFields fields = tv::VectorIpv6Fields();
    fields.store_timestamp = 0;
    std::string bytes = Encode(fields);
    PatchRecordPosition(MutableBytes(bytes), 0, 0, tv::kStoreTimestamp);
    CHECK(bytes == FromHex(tv::kRecordIpv6Hex));
  }
}

TEST_CASE("TV-4, TV-7: IPv4 offset message ids both ways", "[unit][record]") {
  CHECK(OffsetMessageId(tv::StoreHost(), 0) == tv::kMessageIdA);
  CHECK(OffsetMessageId(tv::StoreHost(), 122) == tv::kMessageIdC);

  const auto decoded = DecodeOffsetMessageId(tv::kMessageIdC);
  REQUIRE_OK(decoded);
  CHECK(decoded->store_host == tv::StoreHost());
  CHECK(decoded->store_host.ToString() == "192.168.0.1:10911");
  CHECK(decoded->physical_offset == 122);
}

TEST_CASE("TV-9: IPv6 offset message ids both ways", "[unit][record]") {
  CHECK(OffsetMessageId(tv::StoreHostV6(), tv::kIpv6MessageIdOffset) ==
        tv::kIpv6MessageId);
  const auto decoded = DecodeOffsetMessageId(tv::kIpv6MessageId);
  REQUIRE_OK(decoded);
  CHECK(decoded->store_host == tv::StoreHostV6());
  CHECK(decoded->store_host.ToString() == "[2001:db8::1]:10911");
  CHECK(decoded->physical_offset == 0x12345678);
}

TEST_CASE("TV-10: the message id of a record in the second file",
          "[unit][record]") {
  const std::string id = OffsetMessageId(tv::StoreHost(), 1073741824);
  CHECK(id.substr(16) == "0000000040000000");
}

TEST_CASE("message ids that are not 32 or 56 hex characters are rejected",
          "[unit][record]") {
  for (std::string_view bad :
       {"", "C0A8000100002A9F000000000000007",
        "C0A8000100002A9F000000000000007AA", "G0A8000100002A9F0000000000000000",
        "not a message id at all"}) {
    INFO(bad);
    CHECK_THAT(DecodeOffsetMessageId(bad).status(),
               StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST_CASE("TV-10: the end-of-file blank marker", "[unit][record]") {
  std::string bytes(tv::kBlankLength, '\xEE');  // the rest stays untouched
  EncodeBlank(MutableBytes(bytes), tv::kBlankLength);
  CHECK(bytes.substr(0, 8) == FromHex(tv::kBlankHex));
  CHECK(bytes.substr(8) == std::string(tv::kBlankLength - 8, '\xEE'));
  CHECK(tv::kCommitLogFileSize - tv::kBlankWritePosition == tv::kBlankLength);

  const auto view = DecodeRecord(ByteSpan(bytes), {.check_crc = true});
  REQUIRE_OK(view);
  CHECK(view->is_blank());
  CHECK(view->total_size == 124);

  // The smallest marker is decodable from exactly 8 bytes.
  const std::string minimal = FromHex(tv::kMinimalBlankHex);
  const auto min_view = DecodeRecord(ByteSpan(minimal));
  REQUIRE_OK(min_view);
  CHECK(min_view->is_blank());
  CHECK(min_view->total_size == kEndFileMinBlankLength);
}

TEST_CASE("a blank marker shorter than 8 bytes is corrupt", "[unit][record]") {
  std::string bytes(8, '\0');
  EncodeBlank(MutableBytes(bytes), 4);
  CHECK_THAT(DataLossMessage(bytes), Catch::Contains("blank marker length 4"));
  EncodeBlank(MutableBytes(bytes), -1);
  CHECK_THAT(DataLossMessage(bytes), Catch::Contains("blank marker length -1"));
}

TEST_CASE("TV-12: a delayed message's tag code is its delivery time",
          "[unit][record]") {
  RecordFields fields = tv::VectorAFields();
  fields.topic = kScheduleTopic;
  fields.queue_id = tv::kDelayedQueueId;
  fields.properties = tv::kPropertiesDelayed;
  REQUIRE(fields.properties.size() == 90);
  const std::string bytes = Encode(fields);
  const auto view = DecodeRecord(ByteSpan(bytes), {.check_crc = true});
  REQUIRE_OK(view);
  CHECK(view->topic == "SCHEDULE_TOPIC_XXXX");
  CHECK(view->queue_id == 2);

  const int64_t code =
      ComputeTagsCode(view->topic, view->properties, view->store_timestamp,
                      tv::kDefaultDelayLevelsMs);
  CHECK(code == tv::kDelayedTagsCode);
  std::string be(8, '\0');
  StoreBE64(At(be, 0), code);
  CHECK(be == FromHex(tv::kDelayedTagsCodeHex));
}

TEST_CASE("delay levels: clamped to the max level, ignored when not positive",
          "[unit][record]") {
  const auto code = [](std::string_view topic, std::string_view delay) {
    const std::string props =
        tv::Props("TAGS^TagA|DELAY^") + std::string(delay);
    return ComputeTagsCode(topic, props, tv::kStoreTimestamp,
                           tv::kDefaultDelayLevelsMs);
  };
  CHECK(code(kScheduleTopic, "1") == tv::kStoreTimestamp + 1000);
  CHECK(code(kScheduleTopic, "18") == tv::kStoreTimestamp + 7200000);
  CHECK(code(kScheduleTopic, "99") == tv::kStoreTimestamp + 7200000);
  CHECK(code(kScheduleTopic, "0") == tv::kTagAHash);
  CHECK(code(kScheduleTopic, "-3") == tv::kTagAHash);
  CHECK(code(kScheduleTopic, "three") == tv::kTagAHash);
  CHECK(code(tv::kTopic, "3") == tv::kTagAHash);  // only the schedule topic
  // No levels configured: the max level is 0.
  CHECK(ComputeTagsCode(kScheduleTopic, tv::Props("DELAY^3"),
                        tv::kStoreTimestamp, {}) == 0);
}

TEST_CASE("topics up to 127 bytes use the V1 magic, longer ones V2",
          "[unit][record]") {
  RecordFields fields = tv::VectorAFields();
  const std::string t127(127, 't');
  fields.topic = t127;
  std::string bytes = Encode(fields);
  CHECK(LoadBE32(At(bytes, kPosMagic)) == kMessageMagic);
  CHECK(bytes.size() == static_cast<size_t>(91 + 5 + 127 + 17));

  const std::string t200(200, 'T');
  fields.topic = t200;
  bytes = Encode(fields);
  CHECK(EncodedRecordSize(fields) == 92 + 5 + 200 + 17);
  CHECK(bytes.size() == static_cast<size_t>(92 + 5 + 200 + 17));
  CHECK(LoadBE32(At(bytes, kPosMagic)) == kMessageMagicV2);
  CHECK(LoadBE16(At(bytes, 88 + 5)) == 200);  // 2-byte TOPICLENGTH
  const auto view = DecodeRecord(ByteSpan(bytes), {.check_crc = true});
  REQUIRE_OK(view);
  CHECK(view->magic == kMessageMagicV2);
  CheckSameFields(*view, fields);
}

TEST_CASE("a V2 record with a short topic decodes", "[unit][record]") {
  // 5.x may write V2 with a 2-byte topic length for any topic.
  std::string bytes = FromHex(tv::kRecordAHex);
  bytes.insert(93, 1, '\0');
  StoreBE32(At(bytes, kPosTotalSize), 123);
  StoreBE32(At(bytes, kPosMagic), kMessageMagicV2);
  const auto view = DecodeRecord(ByteSpan(bytes), {.check_crc = true});
  REQUIRE_OK(view);
  CHECK(view->total_size == 123);
  CHECK(view->topic == "TopicTest");
  CHECK(view->properties == tv::kPropertiesA);
}

TEST_CASE("a V1 record cannot carry a topic longer than 127 bytes",
          "[unit][record]") {
  // Turn a V2 record with a 200-byte topic into V1 by dropping the high byte
  // of its topic length: the signed byte 0xC8 reads as -56.
  RecordFields fields = tv::VectorAFields();
  const std::string t200(200, 'T');
  fields.topic = t200;
  std::string bytes = Encode(fields);
  bytes.erase(93, 1);
  StoreBE32(At(bytes, kPosTotalSize), static_cast<int32_t>(bytes.size()));
  StoreBE32(At(bytes, kPosMagic), kMessageMagic);
  CHECK_THAT(DataLossMessage(bytes), Catch::Contains("topic length -56"));
}

TEST_CASE("the encoder rejects what a reader could not take back",
          "[unit][record]") {
  RecordFields fields = tv::VectorAFields();
  std::string out = "prefix";
  const auto rejects = [&](const RecordFields& f, std::string_view what) {
    const absl::Status s = EncodeRecord(f, &out);
    CHECK_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
    CHECK_THAT(std::string(s.message()), Catch::Contains(std::string(what)));
    CHECK(out == "prefix");  // nothing appended
  };
  fields.topic = "";
  rejects(fields, "topic is empty");

  const std::string long_topic(32768, 't');
  fields.topic = long_topic;
  rejects(fields, "topic length 32768");

  fields.topic = tv::kTopic;
  const std::string long_properties(32768, 'p');
  fields.properties = long_properties;
  rejects(fields, "properties length 32768");

  const std::string max_topic(32767, 't');
  fields.topic = max_topic;
  fields.properties = std::string_view(long_properties).substr(0, 32767);
  REQUIRE_OK(EncodeRecord(fields, &out));
  const auto view = DecodeRecord(ByteSpan(out).subspan(6));
  REQUIRE_OK(view);
  CHECK(view->topic.size() == 32767);
  CHECK(view->properties.size() == 32767);
}

TEST_CASE("negative body and properties lengths count as 0, as in 4.9.8",
          "[unit][record]") {
  RecordFields fields = tv::VectorAFields();
  fields.body = "";
  fields.properties = "";
  std::string bytes = Encode(fields);  // 91 + 9 bytes
  REQUIRE(bytes.size() == 100);
  StoreBE32(At(bytes, 84), -1);           // BODYLENGTH
  StoreBE16(At(bytes, 98), int16_t{-2});  // PROPERTIESLENGTH
  const auto view = DecodeRecord(ByteSpan(bytes), {.check_crc = true});
  REQUIRE_OK(view);
  CHECK(view->body.empty());
  CHECK(view->topic == "TopicTest");
  CHECK(view->properties.empty());
}

TEST_CASE("a trailing property separator is harmless", "[unit][record]") {
  RecordFields fields = tv::VectorAFields();
  const std::string props = std::string(tv::kPropertiesA) + "\x02";
  fields.properties = props;
  const std::string bytes = Encode(fields);
  const auto view = DecodeRecord(ByteSpan(bytes), {.check_crc = true});
  REQUIRE_OK(view);
  CHECK(view->properties == props);
  CHECK(ComputeTagsCode(view->topic, view->properties, 0, {}) == tv::kTagAHash);
}

TEST_CASE("corrupt records decode as DataLoss naming the problem",
          "[unit][record]") {
  const std::string good = FromHex(tv::kRecordAHex);

  SECTION("a flipped CRC byte is caught when CRCs are checked") {
    std::string bytes = good;
    bytes[kPosBodyCrc + 3] ^= 0x01;
    REQUIRE_OK(DecodeRecord(ByteSpan(bytes)));  // the read path does not check
    CHECK_THAT(DataLossMessage(bytes, {.check_crc = true}),
               Catch::Contains("body crc 0x77D18982 != stored 0x77D18983"));
  }
  SECTION("a flipped body byte is caught when CRCs are checked") {
    std::string bytes = good;
    bytes[88] = 'J';
    CHECK_THAT(DataLossMessage(bytes, {.check_crc = true}),
               Catch::Contains("body crc"));
  }
  SECTION("a truncated record (torn tail)") {
    for (size_t n :
         {size_t{0}, size_t{4}, size_t{8}, size_t{60}, size_t{121}}) {
      INFO(n);
      const std::string message = DataLossMessage(good.substr(0, n));
      if (n >= 8) CHECK_THAT(message, Catch::Contains("exceeds"));
    }
  }
  SECTION("a zeroed header is unwritten space") {
    std::string bytes = good;
    std::fill(bytes.begin(), bytes.begin() + 8, '\0');
    CHECK(DataLossMessage(bytes) == "total size 0 (unwritten space)");
    CHECK(DataLossMessage(std::string(200, '\0')) ==
          "total size 0 (unwritten space)");
  }
  SECTION("a wrong magic") {
    std::string bytes = good;
    StoreBE32(At(bytes, kPosMagic), 0x12345678);
    CHECK_THAT(DataLossMessage(bytes), Catch::Contains("bad magic 0x12345678"));
  }
  SECTION("a total size larger than the span") {
    std::string bytes = good;
    StoreBE32(At(bytes, kPosTotalSize), 5000);
    CHECK_THAT(DataLossMessage(bytes),
               Catch::Contains("total size 5000 exceeds the 122 bytes"));
  }
  SECTION("a total size below the smallest record") {
    std::string bytes = good;
    StoreBE32(At(bytes, kPosTotalSize), 90);
    CHECK_THAT(DataLossMessage(bytes), Catch::Contains("total size 90 below"));
    StoreBE32(At(bytes, kPosTotalSize), -122);
    CHECK_THAT(DataLossMessage(bytes),
               Catch::Contains("total size -122 below"));
  }
  SECTION("a total size that disagrees with the field lengths") {
    std::string bytes = good;
    StoreBE32(At(bytes, kPosTotalSize), 120);
    CHECK_THAT(DataLossMessage(bytes),
               Catch::Contains("record length 120 != computed 122"));
    bytes = good + std::string(8, '\0');
    StoreBE32(At(bytes, kPosTotalSize), 124);
    CHECK_THAT(DataLossMessage(bytes),
               Catch::Contains("record length 124 != computed 122"));
  }
  SECTION("a body length running past the span") {
    std::string bytes = good;
    StoreBE32(At(bytes, 84), 1 << 30);
    CHECK_THAT(DataLossMessage(bytes), Catch::Contains("body length"));
  }
  SECTION("IPv6 host flags on a record too short for them") {
    std::string bytes = good;
    StoreBE32(At(bytes, kPosSysFlag), kSysFlagBornHostV6 | kSysFlagStoreHostV6);
    bytes.resize(100);
    StoreBE32(At(bytes, kPosTotalSize), 100);
    CHECK_THAT(DataLossMessage(bytes),
               Catch::Contains("too small for the fixed fields"));
    // Checked against TOTALSIZE, not against the bytes that follow it.
    CHECK_THAT(DataLossMessage(bytes + std::string(50, '\0')),
               Catch::Contains("total size 100 too small for the fixed"));
  }
}

// Decodes `bytes` from an exactly sized heap copy, so ASan reports any read
// past the span. Returns the outcome after checking its invariants.
void DecodeExactCopy(std::span<const std::byte> bytes, bool check_crc) {
  const std::vector<std::byte> copy(bytes.begin(), bytes.end());
  const auto view = DecodeRecord(copy, {.check_crc = check_crc});
  if (!view.ok()) {
    REQUIRE(view.status().code() == absl::StatusCode::kDataLoss);
    return;
  }
  if (view->is_blank()) {
    REQUIRE(view->total_size >= kEndFileMinBlankLength);
    return;
  }
  REQUIRE(view->total_size >= 91);
  REQUIRE(static_cast<size_t>(view->total_size) <= copy.size());
  const auto* begin = reinterpret_cast<const char*>(copy.data());
  const auto* end = begin + view->total_size;
  for (std::string_view s : {view->body, view->topic, view->properties}) {
    REQUIRE(s.data() >= begin);
    REQUIRE(s.data() + s.size() <= end);
  }
}

TEST_CASE(
    "decoding random garbage, truncations and mutations never "
    "reads out of bounds",
    "[unit][record][robustness]") {
  std::mt19937 rng(20231114);  // fixed seed: failures reproduce
  std::vector<std::string> valid = {FromHex(tv::kRecordAHex),
                                    FromHex(tv::kRecordBHex),
                                    FromHex(tv::kRecordIpv6Hex)};
  RecordFields v2 = tv::VectorBFields();
  const std::string t200(200, 'T');
  v2.topic = t200;
  v2.store_host = tv::StoreHostV6();
  valid.push_back(Encode(v2));

  const auto random_byte = [&] { return static_cast<char>(rng() & 0xFF); };
  for (int i = 0; i < 3000; ++i) {
    std::string garbage(rng() % 400, '\0');
    for (char& c : garbage) c = random_byte();
    DecodeExactCopy(ByteSpan(garbage), i % 2 == 0);

    const std::string& record = valid[rng() % valid.size()];
    const std::string prefix = record.substr(0, rng() % record.size());
    INFO("prefix of " << record.size() << " bytes: " << prefix.size());
    CHECK_FALSE(DecodeRecord(ByteSpan(prefix)).ok());
    DecodeExactCopy(ByteSpan(prefix), true);

    // Mutations past the header exercise the length fields.
    std::string mutated = record.substr(0, record.size() - rng() % 3);
    for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n; ++k) {
      mutated[8 + rng() % (mutated.size() - 8)] = random_byte();
    }
    DecodeExactCopy(ByteSpan(mutated), i % 3 == 0);
  }
}

}  // namespace
}  // namespace rmq
