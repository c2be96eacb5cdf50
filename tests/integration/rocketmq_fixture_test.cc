// Reads, verifies and extends a store written by real Apache RocketMQ 4.9.8
// (shared/fixtures/rocketmq-4.9.8-store, see shared/fixtures/README.md). The
// expected values come from RocketMQ itself: the manifest is what it read back,
// one JSON line per message in commit-log order, and meta.json holds the
// generation recipe and the queue ranges. Every test works on a copy: opening
// a store may rewrite its files, and ../shared must never change.

#include <rapidjson/document.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "base/crc32.h"
#include "rmq/commitlog/record.h"
#include "rmq/message.h"
#include "rmq/store.h"
#include "rmq/store_config.h"
#include "rmq/verify.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace rmq {
namespace {

namespace fs = std::filesystem;
using ::rmq::testing::TempDir;

constexpr int kMessages = 1200;
constexpr int64_t kMaxPhyOffset = 775958;  // meta.json "maxPhyOffset"
constexpr int64_t kSegmentSize = 65536;
constexpr int kSegments = 12;

fs::path FixturesDir() { return fs::path(RMQ_SHARED_DIR) / "fixtures"; }
fs::path FixtureStore() { return FixturesDir() / "rocketmq-4.9.8-store"; }

std::string ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  INFO("reading " << path);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

// What RocketMQ read back for one message (one manifest line).
struct ManifestEntry {
  std::string topic;
  int32_t queue_id = 0;
  int64_t queue_offset = 0;
  int64_t commit_log_offset = 0;
  int32_t store_size = 0;
  std::string msg_id;
  std::string uniq_key;
  std::string tags;
  std::string keys;
  int64_t body_length = 0;
  int64_t body_crc32 = 0;
  int64_t stored_body_crc = 0;
  std::string body_prefix;
  std::map<std::string, std::string> properties;
  int32_t flag = 0;
  int32_t sys_flag = 0;
  int32_t reconsume_times = 0;
  int64_t prepared_transaction_offset = 0;
  int64_t born_timestamp = 0;
  int64_t store_timestamp = 0;
  std::string born_host;
  std::string store_host;
};

std::string JsonStr(const rapidjson::Value& object, const char* name) {
  REQUIRE(object.HasMember(name));
  const rapidjson::Value& v = object[name];
  REQUIRE(v.IsString());
  return std::string(v.GetString(), v.GetStringLength());
}

int64_t JsonInt(const rapidjson::Value& object, const char* name) {
  REQUIRE(object.HasMember(name));
  const rapidjson::Value& v = object[name];
  REQUIRE(v.IsInt64());
  return v.GetInt64();
}

const std::vector<ManifestEntry>& Manifest() {
  static const std::vector<ManifestEntry> manifest = [] {
    std::vector<ManifestEntry> entries;
    std::istringstream lines(
        ReadWholeFile(FixturesDir() / "rocketmq-4.9.8-store.manifest.jsonl"));
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      rapidjson::Document d;
      d.Parse(line.data(), line.size());
      REQUIRE_FALSE(d.HasParseError());
      ManifestEntry e;
      e.topic = JsonStr(d, "topic");
      e.queue_id = static_cast<int32_t>(JsonInt(d, "queueId"));
      e.queue_offset = JsonInt(d, "queueOffset");
      e.commit_log_offset = JsonInt(d, "commitLogOffset");
      e.store_size = static_cast<int32_t>(JsonInt(d, "storeSize"));
      e.msg_id = JsonStr(d, "msgId");
      e.uniq_key = JsonStr(d, "uniqKey");
      e.tags = JsonStr(d, "tags");
      e.keys = JsonStr(d, "keys");
      e.body_length = JsonInt(d, "bodyLength");
      e.body_crc32 = JsonInt(d, "bodyCrc32");
      e.stored_body_crc = JsonInt(d, "storedBodyCrc");
      e.body_prefix = JsonStr(d, "bodyPrefix");
      REQUIRE(d["properties"].IsObject());
      for (const auto& p : d["properties"].GetObject()) {
        REQUIRE(p.value.IsString());
        e.properties.emplace(
            std::string(p.name.GetString(), p.name.GetStringLength()),
            std::string(p.value.GetString(), p.value.GetStringLength()));
      }
      e.flag = static_cast<int32_t>(JsonInt(d, "flag"));
      e.sys_flag = static_cast<int32_t>(JsonInt(d, "sysFlag"));
      e.reconsume_times = static_cast<int32_t>(JsonInt(d, "reconsumeTimes"));
      e.prepared_transaction_offset = JsonInt(d, "preparedTransactionOffset");
      e.born_timestamp = JsonInt(d, "bornTimestamp");
      e.store_timestamp = JsonInt(d, "storeTimestamp");
      e.born_host = JsonStr(d, "bornHost");
      e.store_host = JsonStr(d, "storeHost");
      entries.push_back(std::move(e));
    }
    return entries;
  }();
  return manifest;
}

struct Meta {
  // "FixTopicA/0" -> {count, min, max}
  struct Range {
    int64_t count = 0;
    int64_t min = 0;
    int64_t max = 0;
  };
  std::map<std::pair<std::string, int32_t>, Range> queues;
  std::map<std::string, int64_t> file_sizes;  // relative path -> size
  int64_t min_phy_offset = 0;
  int64_t max_phy_offset = 0;
};

std::pair<std::string, int32_t> SplitQueueName(std::string_view name) {
  const size_t slash = name.find('/');
  REQUIRE(slash != std::string_view::npos);
  return {std::string(name.substr(0, slash)),
          std::stoi(std::string(name.substr(slash + 1)))};
}

const Meta& FixtureMeta() {
  static const Meta meta = [] {
    Meta m;
    const std::string text =
        ReadWholeFile(FixturesDir() / "rocketmq-4.9.8-store.meta.json");
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    REQUIRE_FALSE(d.HasParseError());
    for (const auto& q : d["per_queue_counts"].GetObject()) {
      REQUIRE(q.value.IsInt64());
      m.queues[SplitQueueName(q.name.GetString())].count = q.value.GetInt64();
    }
    for (const auto& q : d["cq_offset_ranges"].GetObject()) {
      const std::string range = q.value.GetString();  // "0..650"
      const size_t dots = range.find("..");
      REQUIRE(dots != std::string::npos);
      Meta::Range& r = m.queues[SplitQueueName(q.name.GetString())];
      r.min = std::stoll(range.substr(0, dots));
      r.max = std::stoll(range.substr(dots + 2));
    }
    for (const auto& f : d["files_before_open"].GetArray()) {
      m.file_sizes[JsonStr(f, "path")] = JsonInt(f, "size");
    }
    m.min_phy_offset = JsonInt(d, "minPhyOffset");
    m.max_phy_offset = JsonInt(d, "maxPhyOffset");
    return m;
  }();
  return meta;
}

// The generation recipe of meta.json; manifest line i is message i.
std::string RecipeTopic(int i) {
  return i % 4 == 3 ? "FixTopicB" : "FixTopicA";
}
int32_t RecipeQueue(int i) {
  if (i % 4 == 3) return (i / 4) % 2;
  const int k = i - (i + 1) / 4;
  const int r = k % 18;
  return r < 13 ? 0 : 1 + (r - 13) % 3;
}
std::string RecipeBody(int i) {
  std::string body = absl::StrFormat("body-%d-", i);
  const size_t length = 10 + (static_cast<size_t>(i) * 37) % 891;
  for (int c = 0; body.size() < length; ++c) body.push_back('a' + c % 26);
  return body;
}
std::string RecipeKeys(int i) {
  return i % 10 == 0 ? absl::StrFormat("key-%d dup-%d", i, i % 7)
                     : absl::StrFormat("key-%d", i);
}

// Copies the fixture into `into` and makes the copy writable (the originals
// are read-only, and copies keep the mode).
fs::path CopyFixture(const TempDir& into, bool writable_files) {
  const fs::path copy = into / "store";
  fs::copy(FixtureStore(), copy, fs::copy_options::recursive);
  for (const auto& entry : fs::recursive_directory_iterator(copy)) {
    if (entry.is_directory() || writable_files) {
      fs::permissions(entry.path(), fs::perms::owner_write,
                      fs::perm_options::add);
    }
  }
  fs::permissions(copy, fs::perms::owner_write, fs::perm_options::add);
  return copy;
}

StoreConfig FixtureConfig(const fs::path& root, bool read_only) {
  StoreConfig config;
  config.store_path_root_dir = root.string();
  config.mapped_file_size_commit_log = kSegmentSize;
  config.mapped_file_size_consume_queue = 6000;
  config.max_hash_slot_num = 1000;
  config.max_index_num = 4000;
  config.read_only = read_only;
  config.logger = StderrLogger(LogLevel::kWarn);
  return config;
}

std::unique_ptr<MessageStore> MustOpen(StoreConfig config) {
  absl::StatusOr<std::unique_ptr<MessageStore>> store =
      MessageStore::Open(std::move(config));
  REQUIRE_OK(store);
  return *std::move(store);
}

std::map<std::string, std::string> PropertyMap(std::string_view serialized) {
  const MessageProperties properties = MessageProperties::Parse(serialized);
  std::map<std::string, std::string> map;
  for (const auto& [name, value] : properties.entries()) map[name] = value;
  return map;
}

// Every record of the commit log, in order, as (offset, owned bytes).
std::vector<std::pair<int64_t, std::string>> ScanAll(
    const MessageStore& store) {
  std::vector<std::pair<int64_t, std::string>> records;
  REQUIRE_OK(store.ScanCommitLog(
      PhysicalOffset(0),
      [&records](PhysicalOffset offset, std::span<const std::byte> bytes) {
        records.emplace_back(
            offset.value(),
            std::string(reinterpret_cast<const char*>(bytes.data()),
                        bytes.size()));
        return true;
      }));
  return records;
}

RecordView MustDecode(std::string_view bytes) {
  absl::StatusOr<RecordView> record = DecodeRecord(
      std::as_bytes(std::span<const char>(bytes.data(), bytes.size())),
      DecodeOptions{.check_crc = true});
  REQUIRE_OK(record);
  return *record;
}

RecordView MustDecode(std::span<const std::byte> bytes) {
  absl::StatusOr<RecordView> record =
      DecodeRecord(bytes, DecodeOptions{.check_crc = true});
  REQUIRE_OK(record);
  return *record;
}

// Compares one decoded record with what RocketMQ read back, field by field.
void CheckAgainstManifest(const RecordView& r, const ManifestEntry& m, int i) {
  INFO("message " << i << " (" << m.msg_id << ")");
  CHECK(r.topic == m.topic);
  CHECK(r.queue_id == m.queue_id);
  CHECK(r.queue_offset == m.queue_offset);
  CHECK(r.physical_offset == m.commit_log_offset);
  CHECK(r.total_size == m.store_size);
  CHECK(OffsetMessageId(r.store_host, r.physical_offset) == m.msg_id);
  const std::map<std::string, std::string> props = PropertyMap(r.properties);
  auto prop = [&props](std::string_view name) {
    auto it = props.find(std::string(name));
    return it == props.end() ? std::string() : it->second;
  };
  CHECK(prop(kPropertyUniqKey) == m.uniq_key);
  CHECK(prop(kPropertyTags) == m.tags);
  CHECK(prop(kPropertyKeys) == m.keys);
  CHECK(static_cast<int64_t>(r.body.size()) == m.body_length);
  CHECK(static_cast<int64_t>(Crc32(std::as_bytes(std::span<const char>(
            r.body.data(), r.body.size())))) == m.body_crc32);
  CHECK(static_cast<int64_t>(r.body_crc) == m.stored_body_crc);
  CHECK(r.body.starts_with(m.body_prefix));
  CHECK(props == m.properties);
  CHECK(r.flag == m.flag);
  CHECK(r.sys_flag == m.sys_flag);
  CHECK(r.reconsume_times == m.reconsume_times);
  CHECK(r.prepared_transaction_offset == m.prepared_transaction_offset);
  CHECK(r.born_timestamp == m.born_timestamp);
  CHECK(r.store_timestamp == m.store_timestamp);
  CHECK(r.born_host.ToString() == m.born_host);
  CHECK(r.store_host.ToString() == m.store_host);
}

// Relative path -> bytes of every regular file under `root`.
std::map<std::string, std::string> Snapshot(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    files[fs::relative(entry.path(), root).generic_string()] =
        ReadWholeFile(entry.path());
  }
  return files;
}

// Reads a whole consume queue through Get, checking that each record is the
// one at that queue offset. Returns the records' physical offsets in order.
std::vector<int64_t> ReadQueue(const MessageStore& store,
                               const std::string& topic, int32_t queue) {
  const QueueOffset min = store.MinOffsetInQueue(topic, QueueId(queue));
  const QueueOffset max = store.MaxOffsetInQueue(topic, QueueId(queue));
  std::vector<int64_t> offsets;
  QueueOffset next = min;
  while (next < max) {
    GetRequest request{.topic = topic,
                       .queue_id = QueueId(queue),
                       .offset = next,
                       .max_messages = 32};
    absl::StatusOr<GetResult> got = store.Get(request);
    REQUIRE_OK(got);
    INFO(topic << "/" << queue << " @ " << next.value() << ": "
               << GetStatusName(got->status));
    REQUIRE(got->status == GetStatus::kFound);
    REQUIRE_FALSE(got->records.empty());
    for (const StoredRecord& stored : got->records) {
      const RecordView r = MustDecode(stored.bytes);
      CHECK(r.topic == topic);
      CHECK(r.queue_id == queue);
      CHECK(r.queue_offset == next.value());
      CHECK(r.physical_offset == stored.physical_offset.value());
      offsets.push_back(stored.physical_offset.value());
      next = QueueOffset(next.value() + 1);
    }
    REQUIRE(got->next_begin_offset == next);
  }
  return offsets;
}

// Physical offsets of the records a key query returns.
std::vector<int64_t> QueryOffsets(const MessageStore& store,
                                  const std::string& topic,
                                  const std::string& key,
                                  int32_t max = INT32_MAX) {
  absl::StatusOr<QueryResult> result =
      store.QueryByKey(topic, key, max, 0, INT64_MAX);
  REQUIRE_OK(result);
  std::vector<int64_t> offsets;
  for (const StoredRecord& r : result->records) {
    offsets.push_back(r.physical_offset.value());
  }
  return offsets;
}

// The manifest's physical offsets of the messages of `topic` carrying `key`
// in KEYS (space separated) or UNIQ_KEY, ascending.
std::vector<int64_t> ExpectedKeyOffsets(const std::string& topic,
                                        const std::string& key) {
  std::vector<int64_t> offsets;
  for (const ManifestEntry& m : Manifest()) {
    if (m.topic != topic) continue;
    std::istringstream words(m.keys);
    bool has = m.uniq_key == key;
    for (std::string w; words >> w;) has = has || w == key;
    if (has) offsets.push_back(m.commit_log_offset);
  }
  return offsets;
}

TEST_CASE("RocketMQ fixture: the manifest and meta.json agree with the recipe",
          "[integration][rocketmq]") {
  // The key-query expectations below are computed from the recipe, so first
  // pin the recipe to what RocketMQ read back.
  const std::vector<ManifestEntry>& manifest = Manifest();
  REQUIRE(manifest.size() == kMessages);
  for (int i = 0; i < kMessages; ++i) {
    INFO("message " << i);
    const ManifestEntry& m = manifest[i];
    CHECK(m.topic == RecipeTopic(i));
    CHECK(m.queue_id == RecipeQueue(i));
    CHECK(m.keys == RecipeKeys(i));
    CHECK(m.body_length == static_cast<int64_t>(RecipeBody(i).size()));
    CHECK(RecipeBody(i).starts_with(m.body_prefix));
    CHECK(m.born_timestamp == 1700000000000 + int64_t{i} * 1000);
  }
  const Meta& meta = FixtureMeta();
  CHECK(meta.max_phy_offset == kMaxPhyOffset);
  CHECK(meta.min_phy_offset == 0);
  REQUIRE(meta.queues.size() == 6);
  for (const auto& [queue, range] : meta.queues) {
    CHECK(range.max - range.min == range.count);
  }
}

TEST_CASE(
    "RocketMQ fixture: a read-only open decodes every record exactly as "
    "RocketMQ read it back",
    "[integration][rocketmq]") {
  TempDir dir;
  const fs::path root = CopyFixture(dir, /*writable_files=*/false);
  const std::vector<ManifestEntry>& manifest = Manifest();
  {
    std::unique_ptr<MessageStore> store = MustOpen(FixtureConfig(root, true));
    const StoreStats stats = store->Stats();
    CHECK(stats.read_only);
    CHECK(stats.recovery.mode == RecoveryReport::Mode::kReadOnly);
    CHECK(store->MinPhysicalOffset().value() == 0);
    CHECK(store->MaxPhysicalOffset().value() == kMaxPhyOffset);

    const std::vector<std::pair<int64_t, std::string>> records =
        ScanAll(*store);
    REQUIRE(records.size() == manifest.size());
    for (size_t i = 0; i < records.size(); ++i) {
      CHECK(records[i].first == manifest[i].commit_log_offset);
      const RecordView r = MustDecode(records[i].second);
      CheckAgainstManifest(r, manifest[i], static_cast<int>(i));
      INFO("message " << i);
      CHECK(r.body == RecipeBody(static_cast<int>(i)));
    }

    // The BLANK end-of-file records are skipped: 12 segments, and messages in
    // every one of them.
    std::set<int64_t> segments;
    for (const auto& [offset, bytes] : records) {
      segments.insert(offset / kSegmentSize);
    }
    CHECK(segments.size() == kSegments);

    // A put on a read-only store fails and changes nothing.
    MessageToStore message;
    message.topic = "FixTopicA";
    message.body = "nope";
    CHECK_FALSE(store->Put(message).ok());
  }
  // Nothing was written: no lock, no abort, not one byte changed.
  const std::map<std::string, std::string> after = Snapshot(root);
  const std::map<std::string, std::string> original = Snapshot(FixtureStore());
  CHECK(after.size() == original.size());
  for (const auto& [path, bytes] : original) {
    INFO(path);
    REQUIRE(after.contains(path));
    CHECK(after.at(path).size() == bytes.size());
    const bool unchanged = after.at(path) == bytes;
    CHECK(unchanged);
    CHECK(static_cast<int64_t>(bytes.size()) ==
          FixtureMeta().file_sizes.at(path));
  }
  CHECK(FixtureMeta().file_sizes.size() == original.size());
}

TEST_CASE(
    "RocketMQ fixture: every message is reachable through its consume queue "
    "at RocketMQ's queue offset",
    "[integration][rocketmq]") {
  TempDir dir;
  const fs::path root = CopyFixture(dir, /*writable_files=*/false);
  std::unique_ptr<MessageStore> store = MustOpen(FixtureConfig(root, true));
  const Meta& meta = FixtureMeta();

  std::set<std::pair<std::string, int32_t>> listed;
  for (const auto& q : store->ListQueues()) listed.insert(q);
  std::set<std::pair<std::string, int32_t>> expected;
  for (const auto& [queue, range] : meta.queues) expected.insert(queue);
  CHECK(listed == expected);

  // (topic, queue, queue offset) -> commit-log offset, from the manifest.
  std::map<std::tuple<std::string, int32_t, int64_t>, int64_t> where;
  for (const ManifestEntry& m : Manifest()) {
    where[{m.topic, m.queue_id, m.queue_offset}] = m.commit_log_offset;
  }
  int64_t reached = 0;
  for (const auto& [queue, range] : meta.queues) {
    const auto& [topic, queue_id] = queue;
    INFO(topic << "/" << queue_id);
    CHECK(store->MinOffsetInQueue(topic, QueueId(queue_id)).value() ==
          range.min);
    CHECK(store->MaxOffsetInQueue(topic, QueueId(queue_id)).value() ==
          range.max);
    const std::vector<int64_t> offsets = ReadQueue(*store, topic, queue_id);
    REQUIRE(static_cast<int64_t>(offsets.size()) == range.count);
    for (size_t k = 0; k < offsets.size(); ++k) {
      CHECK(offsets[k] == where.at({topic, queue_id, range.min + int64_t(k)}));
    }
    reached += static_cast<int64_t>(offsets.size());
  }
  CHECK(reached == kMessages);

  // One past the end is OFFSET_OVERFLOW_ONE, as RocketMQ answers a pull that
  // caught up.
  GetRequest past{
      .topic = "FixTopicB", .queue_id = QueueId(1), .offset = QueueOffset(150)};
  absl::StatusOr<GetResult> got = store->Get(past);
  REQUIRE_OK(got);
  CHECK(got->status == GetStatus::kOffsetOverflowOne);
  CHECK(got->records.empty());
}

TEST_CASE(
    "RocketMQ fixture: key queries through RocketMQ's index file return "
    "exactly the messages with that key",
    "[integration][rocketmq][index]") {
  TempDir dir;
  const fs::path root = CopyFixture(dir, /*writable_files=*/false);
  std::unique_ptr<MessageStore> store = MustOpen(FixtureConfig(root, true));

  SECTION("a key of one message") {
    const std::vector<int64_t> expected =
        ExpectedKeyOffsets("FixTopicA", "key-5");
    REQUIRE(expected == std::vector<int64_t>{Manifest()[5].commit_log_offset});
    CHECK(QueryOffsets(*store, "FixTopicA", "key-5") == expected);
    // key-3 is a FixTopicB message.
    CHECK(QueryOffsets(*store, "FixTopicB", "key-3") ==
          std::vector<int64_t>{Manifest()[3].commit_log_offset});
    CHECK(QueryOffsets(*store, "FixTopicA", "key-1199").empty());  // topic B
    CHECK(QueryOffsets(*store, "FixTopicB", "key-1199") ==
          std::vector<int64_t>{Manifest()[1199].commit_log_offset});
  }
  SECTION("a key shared by several messages, from the recipe") {
    // keys "key-<i> dup-<i%7>" when i%10 == 0: dup-3 is i = 10, 80, ..., 1130.
    std::vector<int64_t> expected;
    for (int i = 0; i < kMessages; ++i) {
      if (i % 10 == 0 && i % 7 == 3) {
        expected.push_back(Manifest()[i].commit_log_offset);
      }
    }
    REQUIRE(expected.size() == 17);
    REQUIRE(ExpectedKeyOffsets("FixTopicA", "dup-3") == expected);
    CHECK(QueryOffsets(*store, "FixTopicA", "dup-3") == expected);
    CHECK(QueryOffsets(*store, "FixTopicB", "dup-3").empty());
    // With a limit, still only matching messages, at most that many.
    const std::vector<int64_t> limited =
        QueryOffsets(*store, "FixTopicA", "dup-3", 5);
    CHECK(limited.size() == 5);
    for (int64_t offset : limited) {
      CHECK(std::find(expected.begin(), expected.end(), offset) !=
            expected.end());
    }
    for (int d = 0; d < 7; ++d) {
      const std::string key = absl::StrFormat("dup-%d", d);
      INFO(key);
      CHECK(QueryOffsets(*store, "FixTopicA", key) ==
            ExpectedKeyOffsets("FixTopicA", key));
    }
  }
  SECTION("a UNIQ_KEY finds its message") {
    for (int i : {0, 3, 599, 1000, 1199}) {
      const ManifestEntry& m = Manifest()[i];
      INFO("message " << i << " uniq key " << m.uniq_key);
      CHECK(QueryOffsets(*store, m.topic, m.uniq_key) ==
            std::vector<int64_t>{m.commit_log_offset});
    }
  }
  SECTION("a key nobody has finds nothing") {
    CHECK(QueryOffsets(*store, "FixTopicA", "key-5000").empty());
    CHECK(QueryOffsets(*store, "FixTopicA", "dup-7").empty());
    CHECK(QueryOffsets(*store, "NoSuchTopic", "key-5").empty());
  }
}

TEST_CASE("RocketMQ fixture: VerifyStore finds the store clean",
          "[integration][rocketmq][verify]") {
  TempDir dir;
  const fs::path root = CopyFixture(dir, /*writable_files=*/false);
  absl::StatusOr<VerifyReport> report =
      VerifyStore(FixtureConfig(root, /*read_only=*/true));
  REQUIRE_OK(report);
  for (const std::string& problem : report->problems) UNSCOPED_INFO(problem);
  CHECK(report->clean());
  CHECK(report->segments == kSegments);
  CHECK(report->records == kMessages);
  CHECK(report->blanks == kSegments - 1);
  CHECK(report->log_min == 0);
  CHECK(report->log_end == kMaxPhyOffset);
  CHECK(report->consume_queues == 6);
  CHECK(report->units == kMessages);
  CHECK(report->index_files == 1);
  CHECK(report->index_items > 0);
}

// The 100 messages appended to the fixture: spread over both topics.
MessageToStore AppendedMessage(int j) {
  MessageToStore m;
  if (j % 3 == 2) {
    m.topic = "FixTopicB";
    m.queue_id = j % 2;
  } else {
    m.topic = "FixTopicA";
    m.queue_id = j % 4;
  }
  m.body = absl::StrFormat("rmq-%d-", j);
  const size_t length = 200 + static_cast<size_t>(j) * 7;
  for (int c = 0; m.body.size() < length; ++c) m.body.push_back('A' + c % 26);
  m.properties.Set(kPropertyKeys, absl::StrFormat("new-%d", j));
  m.properties.Set(kPropertyTags, j % 2 == 0 ? "TagA" : "TagB");
  m.properties.Set(kPropertyUniqKey,
                   absl::StrFormat("7F0000010001000000000000%08X", j));
  m.born_timestamp_ms = 1800000000000 + j;
  m.born_host = HostAddress::V4(127, 0, 0, 1, 10911);
  return m;
}

TEST_CASE(
    "RocketMQ fixture: a writable open recovers normally, keeps every "
    "message and appends where RocketMQ stopped",
    "[integration][rocketmq][recovery]") {
  TempDir dir;
  const fs::path root = CopyFixture(dir, /*writable_files=*/true);
  REQUIRE_FALSE(fs::exists(root / "abort"));
  const Meta& meta = FixtureMeta();
  const std::vector<ManifestEntry>& manifest = Manifest();
  constexpr int kAppended = 100;

  std::map<std::pair<std::string, int32_t>, int64_t> next_offset;
  for (const auto& [queue, range] : meta.queues) next_offset[queue] = range.max;
  std::vector<PutResult> puts;
  {
    std::unique_ptr<MessageStore> store = MustOpen(FixtureConfig(root, false));
    const StoreStats stats = store->Stats();
    INFO(stats.recovery.ToString());
    CHECK(stats.recovery.mode == RecoveryReport::Mode::kNormal);
    CHECK(stats.recovery.log_end == kMaxPhyOffset);
    CHECK(stats.recovery.bytes_dropped == 0);
    CHECK(stats.recovery.files_removed == 0);
    CHECK(stats.recovery.consume_queues_truncated == 0);
    CHECK(stats.recovery.index_files_removed == 0);
    CHECK(fs::exists(root / "abort"));

    // Nothing lost.
    CHECK(store->MaxPhysicalOffset().value() == kMaxPhyOffset);
    const std::vector<std::pair<int64_t, std::string>> records =
        ScanAll(*store);
    REQUIRE(records.size() == manifest.size());
    for (size_t i = 0; i < records.size(); ++i) {
      CheckAgainstManifest(MustDecode(records[i].second), manifest[i],
                           static_cast<int>(i));
    }
    for (const auto& [queue, range] : meta.queues) {
      INFO(queue.first << "/" << queue.second);
      CHECK(
          store->MinOffsetInQueue(queue.first, QueueId(queue.second)).value() ==
          range.min);
      CHECK(
          store->MaxOffsetInQueue(queue.first, QueueId(queue.second)).value() ==
          range.max);
    }

    // Append: queue offsets continue RocketMQ's, the log continues at its
    // end (rolling to the next segment with a BLANK when a record no longer
    // fits).
    int64_t expected_at = kMaxPhyOffset;
    for (int j = 0; j < kAppended; ++j) {
      const MessageToStore message = AppendedMessage(j);
      absl::StatusOr<PutResult> put = store->Put(message);
      REQUIRE_OK(put);
      INFO("appended message " << j);
      int64_t& queue_next = next_offset[{message.topic, message.queue_id}];
      CHECK(put->queue_offset.value() == queue_next);
      ++queue_next;
      const int64_t at = put->physical_offset.value();
      if (at != expected_at) {
        // Only a segment roll may skip bytes, and only to the next segment.
        CHECK(at % kSegmentSize == 0);
        CHECK(at == (expected_at / kSegmentSize + 1) * kSegmentSize);
        CHECK(at - expected_at < put->bytes + kEndFileMinBlankLength);
      }
      CHECK(put->msg_id() ==
            OffsetMessageId(FixtureConfig(root, false).store_host, at));
      expected_at = at + put->bytes;
      puts.push_back(*put);
    }
    // The first new record goes right after RocketMQ's last one; the
    // appends roll into a 13th segment.
    CHECK(puts.front().physical_offset.value() == kMaxPhyOffset);
    CHECK(puts.back().physical_offset.value() >= kSegments * kSegmentSize);

    // The new messages are readable through their queues and by key.
    for (int j = 0; j < kAppended; ++j) {
      const MessageToStore message = AppendedMessage(j);
      GetRequest request{.topic = message.topic,
                         .queue_id = QueueId(message.queue_id),
                         .offset = puts[j].queue_offset,
                         .max_messages = 1};
      absl::StatusOr<GetResult> got = store->Get(request);
      REQUIRE_OK(got);
      REQUIRE(got->records.size() == 1);
      const RecordView r = MustDecode(got->records[0].bytes);
      CHECK(r.body == message.body);
      CHECK(r.physical_offset == puts[j].physical_offset.value());
    }
    CHECK(QueryOffsets(*store, "FixTopicA", "new-0") ==
          std::vector<int64_t>{puts[0].physical_offset.value()});
    CHECK(QueryOffsets(*store, "FixTopicA", "key-5") ==
          std::vector<int64_t>{manifest[5].commit_log_offset});
    REQUIRE_OK(store->Shutdown());
  }
  CHECK_FALSE(fs::exists(root / "abort"));

  // RocketMQ's bytes are untouched: every older segment whole, the last one
  // up to where RocketMQ stopped.
  for (int s = 0; s < kSegments; ++s) {
    const std::string name =
        absl::StrFormat("commitlog/%020d", int64_t{s} * kSegmentSize);
    INFO(name);
    const std::string now = ReadWholeFile(root / name);
    const std::string original = ReadWholeFile(FixtureStore() / name);
    REQUIRE(now.size() == original.size());
    const size_t used =
        s + 1 < kSegments
            ? original.size()
            : static_cast<size_t>(kMaxPhyOffset - int64_t{s} * kSegmentSize);
    const bool unchanged = now.compare(0, used, original, 0, used) == 0;
    CHECK(unchanged);
  }

  {
    // A clean reopen sees RocketMQ's messages followed by ours.
    std::unique_ptr<MessageStore> store = MustOpen(FixtureConfig(root, false));
    CHECK(store->Stats().recovery.mode == RecoveryReport::Mode::kNormal);
    const std::vector<std::pair<int64_t, std::string>> records =
        ScanAll(*store);
    REQUIRE(records.size() == manifest.size() + kAppended);
    for (size_t i = 0; i < manifest.size(); ++i) {
      CHECK(records[i].first == manifest[i].commit_log_offset);
    }
    for (int j = 0; j < kAppended; ++j) {
      INFO("appended message " << j);
      const auto& [offset, bytes] = records[manifest.size() + j];
      CHECK(offset == puts[j].physical_offset.value());
      const RecordView r = MustDecode(bytes);
      const MessageToStore message = AppendedMessage(j);
      CHECK(r.topic == message.topic);
      CHECK(r.queue_id == message.queue_id);
      CHECK(r.queue_offset == puts[j].queue_offset.value());
      CHECK(r.body == message.body);
      CHECK(r.born_timestamp == message.born_timestamp_ms);
      CHECK(r.store_timestamp == puts[j].store_timestamp_ms);
    }
    for (const auto& [queue, next] : next_offset) {
      INFO(queue.first << "/" << queue.second);
      CHECK(
          store->MaxOffsetInQueue(queue.first, QueueId(queue.second)).value() ==
          next);
      CHECK(static_cast<int64_t>(
                ReadQueue(*store, queue.first, queue.second).size()) == next);
    }
    CHECK(QueryOffsets(*store, "FixTopicB", "new-2") ==
          std::vector<int64_t>{puts[2].physical_offset.value()});
    CHECK(QueryOffsets(*store, "FixTopicA", "dup-3").size() == 17);
    REQUIRE_OK(store->Shutdown());
  }

  absl::StatusOr<VerifyReport> report =
      VerifyStore(FixtureConfig(root, /*read_only=*/true));
  REQUIRE_OK(report);
  for (const std::string& problem : report->problems) UNSCOPED_INFO(problem);
  CHECK(report->clean());
  CHECK(report->records == kMessages + kAppended);
  CHECK(report->units == kMessages + kAppended);
  CHECK(report->segments == kSegments + 1);
}

}  // namespace
}  // namespace rmq
