#include "index/index_service.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "base/endian.h"
#include "rmq/io/mem_file_system.h"
#include "support/fake_clock.h"
#include "support/status_matchers.h"
#include "support/vectors.h"

namespace rmq {
namespace {

using ::rmq::testing::FakeClock;
using ::rmq::testing::FromHex;
using ::rmq::testing::StatusIs;
namespace tv = ::rmq::testing::tv;

constexpr int64_t kForever = std::numeric_limits<int64_t>::max();
constexpr int64_t kStoreA = 1700000000123;
constexpr IndexGeometry kVectorGeometry{5000000, 100};
constexpr uint64_t kItemsStart = 40 + 5000000ull * 4;
// Three usable items per file: rolls are easy to provoke.
constexpr IndexGeometry kTinyGeometry{8, 4};

std::string Props(
    std::initializer_list<std::pair<std::string, std::string>> entries) {
  std::string out;
  for (const auto& [name, value] : entries) {
    if (!out.empty()) out.push_back('\x02');
    out += name + '\x01' + value;
  }
  return out;
}

RecordView Record(std::string_view topic, int64_t offset, int64_t store_ts,
                  std::string_view properties, int32_t sys_flag = 0) {
  RecordView r;
  r.topic = topic;
  r.physical_offset = offset;
  r.store_timestamp = store_ts;
  r.properties = properties;
  r.sys_flag = sys_flag;
  return r;
}

class NullLogger : public Logger {
 public:
  void Log(LogLevel, std::string_view) override {}
};

struct Fixture {
  std::shared_ptr<MemFileSystem> fs = NewMemFileSystem();
  FakeClock clock{kStoreA};
  NullLogger logger;
  std::filesystem::path dir = "/store/index";

  std::unique_ptr<IndexService> Open(IndexGeometry geometry,
                                     bool writable = true,
                                     bool last_exit_ok = true,
                                     int64_t checkpoint = 0,
                                     int* deleted = nullptr) {
    IndexServiceOptions options;
    options.dir = dir;
    options.geometry = geometry;
    options.writable = writable;
    auto service = std::make_unique<IndexService>(options, *fs, clock, logger);
    absl::StatusOr<int> n = service->Load(last_exit_ok, checkpoint);
    REQUIRE_OK(n);
    if (deleted != nullptr) *deleted = *n;
    return service;
  }

  std::vector<std::string> Files() {
    absl::StatusOr<std::vector<std::string>> names = fs->List(dir);
    REQUIRE_OK(names);
    std::sort(names->begin(), names->end());
    return *names;
  }

  std::string ReadAt(const std::string& name, uint64_t offset, size_t length) {
    absl::StatusOr<std::string> data = fs->ReadFile(dir / name);
    REQUIRE_OK(data);
    return data->substr(offset, length);
  }
};

std::vector<int64_t> Query(const IndexService& service, std::string_view key,
                           int32_t max = 64, int64_t begin = 0,
                           int64_t end = kForever,
                           std::string_view topic = "TopicTest") {
  return service.QueryOffsets(topic, key, max, begin, end).phy_offsets;
}

TEST_CASE("IndexFileName: yyyyMMddHHmmssSSS in local time (TV-15)") {
  const char* old_tz = std::getenv("TZ");
  const std::string saved = old_tz ? old_tz : "";
  setenv("TZ", "UTC", 1);
  tzset();
  CHECK(IndexFileName(1700000000123) == "20231114221320123");
  CHECK(IndexFileName(1700000000000) == "20231114221320000");
  setenv("TZ", "Asia/Shanghai", 1);  // UTC+8, no DST
  tzset();
  CHECK(IndexFileName(1700000000123) == "20231115061320123");
  if (old_tz) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

TEST_CASE("IndexService: TV-6/TV-7 build and query") {
  Fixture f;
  auto service = f.Open(kVectorGeometry);
  REQUIRE_OK(service->BuildIndex(
      Record(tv::kTopic, 0, tv::kStoreTimestamp, tv::kPropertiesA)));
  REQUIRE_OK(
      service->BuildIndex(Record(tv::kTopic, tv::kPhysicalOffsetC,
                                 tv::kStoreTimestampC, tv::kPropertiesA)));
  const std::string name = IndexFileName(kStoreA);
  REQUIRE(f.Files() == std::vector<std::string>{name});
  CHECK(f.ReadAt(name, 0, 40) == FromHex(tv::kIndexHeaderAfterCHex));
  CHECK(f.ReadAt(name, tv::kIndexItem1Pos, 20) == FromHex(tv::kIndexItemAHex));
  CHECK(f.ReadAt(name, tv::kIndexItem2Pos, 20) == FromHex(tv::kIndexItemCHex));
  CHECK(f.ReadAt(name, tv::kIndexKeyASlotPos, 4) == FromHex("00 00 00 02"));
  const IndexQueryResult result =
      service->QueryOffsets(tv::kTopic, tv::kKeys, 64, 0, kForever);
  std::vector<int64_t> sorted = result.phy_offsets;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<int64_t>{0, 122});
  CHECK(result.last_update_timestamp == tv::kStoreTimestampC);
  CHECK(result.last_update_phy_offset == 122);
  CHECK(Query(*service, tv::kKeys, 64, 0, kForever, "OtherTopic").empty());
  CHECK(service->LastIndexedPhyOffset() == 122);
}

TEST_CASE("IndexService: TV-8 indexes UNIQ_KEY first, then each key") {
  Fixture f;
  auto service = f.Open(kVectorGeometry);
  REQUIRE_OK(service->BuildIndex(
      Record(tv::kTopic, 0, tv::kStoreTimestamp, tv::kPropertiesB)));
  const std::string name = IndexFileName(kStoreA);
  CHECK(f.ReadAt(name, 0, 40) == FromHex(tv::kIndexHeaderAfterBHex));
  CHECK(f.ReadAt(name, tv::kIndexItem1Pos, 20) ==
        FromHex(tv::kIndexItemBUniqHex));
  CHECK(f.ReadAt(name, tv::kIndexItem2Pos, 20) ==
        FromHex(tv::kIndexItemBKeyHex));
  CHECK(f.ReadAt(name, tv::kIndexKeyUniqSlotPos, 4) == FromHex("00 00 00 01"));
  CHECK(f.ReadAt(name, tv::kIndexKeyASlotPos, 4) == FromHex("00 00 00 02"));
  CHECK(Query(*service, tv::kUniqKey) == std::vector<int64_t>{0});
  CHECK(Query(*service, tv::kKeys) == std::vector<int64_t>{0});
}

TEST_CASE("IndexService: KEYS split on single blanks, duplicates twice") {
  Fixture f;
  auto service = f.Open(kVectorGeometry);
  const std::string props = Props({{"KEYS", " a  b a "}});
  REQUIRE_OK(service->BuildIndex(Record("T", 10, kStoreA, props)));
  CHECK(Query(*service, "a", 64, 0, kForever, "T") ==
        std::vector<int64_t>{10, 10});
  CHECK(Query(*service, "b", 64, 0, kForever, "T") == std::vector<int64_t>{10});
  CHECK(Query(*service, "", 64, 0, kForever, "T").empty());
}

TEST_CASE("IndexService: records without keys index nothing") {
  Fixture f;
  auto service = f.Open(kVectorGeometry);
  const std::string props = Props({{"TAGS", "TagA"}});
  REQUIRE_OK(service->BuildIndex(Record("T", 10, kStoreA, props)));
  REQUIRE(service->FileCount() == 1);  // RocketMQ creates the file anyway
  CHECK(service->LastIndexedPhyOffset() == -1);
}

TEST_CASE("IndexService: ROLLBACK records are skipped, others indexed") {
  Fixture f;
  auto service = f.Open(kVectorGeometry);
  const std::string props = Props({{"KEYS", "k"}});
  REQUIRE_OK(service->BuildIndex(
      Record("T", 0, kStoreA, props, kTransactionPreparedType)));
  REQUIRE_OK(service->BuildIndex(
      Record("T", 100, kStoreA, props, kTransactionRollbackType)));
  REQUIRE_OK(service->BuildIndex(
      Record("T", 200, kStoreA, props, kTransactionCommitType)));
  CHECK(Query(*service, "k", 64, 0, kForever, "T") ==
        std::vector<int64_t>{200, 0});
}

TEST_CASE("IndexService: already indexed records are skipped") {
  Fixture f;
  auto service = f.Open(kVectorGeometry);
  const std::string props = Props({{"KEYS", "k"}});
  REQUIRE_OK(service->BuildIndex(Record("T", 500, kStoreA, props)));
  REQUIRE_OK(service->BuildIndex(Record("T", 100, kStoreA, props)));  // below
  REQUIRE_OK(service->BuildIndex(Record("T", 500, kStoreA, props)));  // equal
  CHECK(Query(*service, "k", 64, 0, kForever, "T") ==
        std::vector<int64_t>{500});
  // A record at offset 0 in an empty first file is not "already indexed".
  Fixture g;
  auto fresh = g.Open(kVectorGeometry);
  REQUIRE_OK(fresh->BuildIndex(Record("T", 0, kStoreA, props)));
  CHECK(Query(*fresh, "k", 64, 0, kForever, "T") == std::vector<int64_t>{0});
}

TEST_CASE("IndexService: rolls to a new file when full") {
  Fixture f;
  auto service = f.Open(kTinyGeometry);
  std::vector<int64_t> full_at;
  service->set_on_file_full([&](int64_t ts) { full_at.push_back(ts); });
  const std::string props = Props({{"KEYS", "k"}});
  for (int i = 0; i < 7; ++i) {
    REQUIRE_OK(
        service->BuildIndex(Record("T", 100 * i, kStoreA + 1000 * i, props)));
  }
  // 3 items per file: records 0-2, 3-5, 6.
  CHECK(service->FileCount() == 3);
  CHECK(full_at == std::vector<int64_t>{kStoreA + 2000, kStoreA + 5000});
  // The clock did not move: names are bumped by 1 ms, in order.
  CHECK(f.Files() == std::vector<std::string>{IndexFileName(kStoreA),
                                              IndexFileName(kStoreA + 1),
                                              IndexFileName(kStoreA + 2)});
  CHECK(Query(*service, "k", 64, 0, kForever, "T") ==
        std::vector<int64_t>{600, 500, 400, 300, 200, 100, 0});
  CHECK(Query(*service, "k", 4, 0, kForever, "T") ==
        std::vector<int64_t>{600, 500, 400, 300});
  // The second file's header started from the first file's end values.
  const std::string second = IndexFileName(kStoreA + 1);
  std::string header = f.ReadAt(second, 0, 40);
  const auto* p = reinterpret_cast<const std::byte*>(header.data());
  CHECK(LoadBE64(p) == kStoreA + 3000);      // begin: first item's time
  CHECK(LoadBE64(p + 8) == kStoreA + 5000);  // end
  CHECK(LoadBE64(p + 16) == 300);
  CHECK(LoadBE64(p + 24) == 500);
  // Its first item's time diff is against the preset (kStoreA + 2000).
  CHECK(LoadBE32(reinterpret_cast<const std::byte*>(
            f.ReadAt(second, 40 + 8 * 4 + 20 + 12, 4).data())) == 1);
}

TEST_CASE("IndexService: a record's keys may straddle two files") {
  Fixture f;
  auto service = f.Open(kTinyGeometry);
  REQUIRE_OK(
      service->BuildIndex(Record("T", 0, kStoreA, Props({{"KEYS", "a b"}}))));
  REQUIRE_OK(
      service->BuildIndex(Record("T", 100, kStoreA, Props({{"KEYS", "c d"}}))));
  CHECK(service->FileCount() == 2);
  CHECK(Query(*service, "c", 64, 0, kForever, "T") ==
        std::vector<int64_t>{100});
  CHECK(Query(*service, "d", 64, 0, kForever, "T") ==
        std::vector<int64_t>{100});
  CHECK(service->LastIndexedPhyOffset() == 100);
}

TEST_CASE("IndexService: a clock stepping back still yields later names") {
  Fixture f;
  auto service = f.Open(kTinyGeometry);
  const std::string props = Props({{"KEYS", "a b c"}});
  REQUIRE_OK(service->BuildIndex(Record("T", 0, kStoreA, props)));
  f.clock.Set(kStoreA - 3600 * 1000);
  REQUIRE_OK(service->BuildIndex(Record("T", 100, kStoreA, props)));
  const std::vector<std::string> files = f.Files();
  REQUIRE(files.size() == 2);
  CHECK(files[0] == IndexFileName(kStoreA));
  CHECK(files[1] == IndexFileName(kStoreA + 1));
}

TEST_CASE("IndexService: reload after a clean exit keeps every file") {
  Fixture f;
  const std::string props = Props({{"KEYS", "k"}});
  {
    auto service = f.Open(kTinyGeometry);
    for (int i = 0; i < 5; ++i) {
      REQUIRE_OK(
          service->BuildIndex(Record("T", 100 * i, kStoreA + 1000 * i, props)));
    }
    REQUIRE_OK(service->Flush());
  }
  auto service = f.Open(kTinyGeometry);
  CHECK(service->FileCount() == 2);
  CHECK(service->LastIndexedPhyOffset() == 400);
  CHECK(Query(*service, "k", 64, 0, kForever, "T") ==
        std::vector<int64_t>{400, 300, 200, 100, 0});
  // Continues in the newest file, which still has room.
  REQUIRE_OK(service->BuildIndex(Record("T", 500, kStoreA + 5000, props)));
  CHECK(service->FileCount() == 2);
  CHECK(Query(*service, "k", 1, 0, kForever, "T") == std::vector<int64_t>{500});
}

TEST_CASE("IndexService: after an unclean exit newer files are deleted") {
  Fixture f;
  const std::string props = Props({{"KEYS", "k"}});
  {
    auto service = f.Open(kTinyGeometry);
    for (int i = 0; i < 7; ++i) {
      REQUIRE_OK(
          service->BuildIndex(Record("T", 100 * i, kStoreA + 1000 * i, props)));
    }
  }
  // File ends: kStoreA+2000, kStoreA+5000, kStoreA+6000.
  SECTION("checkpoint at the first full file") {
    int deleted = 0;
    auto service = f.Open(kTinyGeometry, true, false, kStoreA + 2000, &deleted);
    CHECK(deleted == 2);
    CHECK(service->FileCount() == 1);
    CHECK(f.Files() == std::vector<std::string>{IndexFileName(kStoreA)});
    CHECK(service->LastIndexedPhyOffset() == 200);
  }
  SECTION("checkpoint 0 deletes everything") {
    int deleted = 0;
    auto service = f.Open(kTinyGeometry, true, false, 0, &deleted);
    CHECK(deleted == 3);
    CHECK(service->FileCount() == 0);
    CHECK(service->LastIndexedPhyOffset() == -1);
  }
  SECTION("a clean exit deletes nothing") {
    int deleted = -1;
    auto service = f.Open(kTinyGeometry, true, true, 0, &deleted);
    CHECK(deleted == 0);
    CHECK(service->FileCount() == 3);
  }
  SECTION("read-only mode never deletes") {
    int deleted = -1;
    auto service = f.Open(kTinyGeometry, false, false, 0, &deleted);
    CHECK(deleted == 0);
    CHECK(service->FileCount() == 3);
  }
}

TEST_CASE("IndexService: queries walk newest to oldest within the window") {
  Fixture f;
  auto service = f.Open(kTinyGeometry);
  const std::string props = Props({{"KEYS", "k"}});
  for (int i = 0; i < 9; ++i) {
    REQUIRE_OK(
        service->BuildIndex(Record("T", 100 * i, kStoreA + 10000 * i, props)));
  }
  REQUIRE(service->FileCount() == 3);
  // RocketMQ's quirk (§6.3): a rolled file's first item diffs against the
  // previous file's end time, then begin moves to that item's own time, so
  // the first item of files 2 and 3 reads back 10 s late: record 3 (stored
  // at +30 s) reconstructs as +40 s.
  CHECK(Query(*service, "k", 64, kStoreA + 40000, kStoreA + 50000, "T") ==
        std::vector<int64_t>{500, 400, 300});
  // ... so a window on its real store time misses it; record 2 in the first
  // file matches, and the walk stops at record 1 (older than `begin`).
  CHECK(Query(*service, "k", 64, kStoreA + 20000, kStoreA + 30000, "T") ==
        std::vector<int64_t>{200});
  CHECK(Query(*service, "k", 64, kStoreA + 85000, kForever, "T").empty());
  const IndexQueryResult result = service->QueryOffsets("T", "k", 64, 0, 1);
  CHECK(result.phy_offsets.empty());
  CHECK(result.last_update_timestamp == kStoreA + 80000);
  CHECK(result.last_update_phy_offset == 800);
}

TEST_CASE(
    "IndexService: DeleteFilesBelow removes old files, never the newest") {
  Fixture f;
  auto service = f.Open(kTinyGeometry);
  const std::string props = Props({{"KEYS", "k"}});
  for (int i = 0; i < 9; ++i) {
    REQUIRE_OK(
        service->BuildIndex(Record("T", 100 * i, kStoreA + 1000 * i, props)));
  }
  // File end offsets: 200, 500, 800.
  REQUIRE_OK(service->DeleteFilesBelow(200));
  CHECK(service->FileCount() == 3);
  REQUIRE_OK(service->DeleteFilesBelow(201));
  CHECK(service->FileCount() == 2);
  CHECK(f.Files().size() == 2);
  REQUIRE_OK(service->DeleteFilesBelow(100000));
  CHECK(service->FileCount() == 1);
  CHECK(f.Files() == std::vector<std::string>{IndexFileName(kStoreA + 2)});
  CHECK(Query(*service, "k", 64, 0, kForever, "T") ==
        std::vector<int64_t>{800, 700, 600});
}

TEST_CASE("IndexService: read-only mode opens files and refuses to build") {
  Fixture f;
  const std::string props = Props({{"KEYS", "k"}});
  {
    auto service = f.Open(kTinyGeometry);
    REQUIRE_OK(service->BuildIndex(Record("T", 0, kStoreA, props)));
  }
  auto service = f.Open(kTinyGeometry, /*writable=*/false);
  CHECK(service->FileCount() == 1);
  CHECK(Query(*service, "k", 64, 0, kForever, "T") == std::vector<int64_t>{0});
  CHECK_THAT(service->BuildIndex(Record("T", 100, kStoreA, props)),
             StatusIs(absl::StatusCode::kFailedPrecondition));
  REQUIRE_OK(service->Flush());
}

TEST_CASE("IndexService: a missing directory is created only when writable") {
  Fixture f;
  auto reader = f.Open(kTinyGeometry, /*writable=*/false);
  CHECK(reader->FileCount() == 0);
  CHECK_FALSE(f.fs->Exists(f.dir));
  CHECK(Query(*reader, "k").empty());
  auto writer = f.Open(kTinyGeometry);
  CHECK(f.fs->IsDirectory(f.dir));
  CHECK(writer->FileCount() == 0);
}

TEST_CASE("IndexService: Load ignores files that are not index files") {
  Fixture f;
  REQUIRE_OK(f.fs->CreateDirs(f.dir));
  REQUIRE_OK(f.fs->WriteFile(f.dir / "README", "x"));
  REQUIRE_OK(f.fs->WriteFile(f.dir / "2023111422132012", "short name"));
  auto service = f.Open(kTinyGeometry);
  CHECK(service->FileCount() == 0);
}

TEST_CASE("IndexService: Load fails on a file of the wrong size") {
  Fixture f;
  REQUIRE_OK(f.fs->CreateDirs(f.dir));
  REQUIRE_OK(f.fs->WriteFile(f.dir / "20231114221320123", "too short"));
  IndexServiceOptions options;
  options.dir = f.dir;
  options.geometry = kTinyGeometry;
  IndexService service(options, *f.fs, f.clock, f.logger);
  CHECK_THAT(service.Load(true, 0).status(),
             StatusIs(absl::StatusCode::kFailedPrecondition));
}

// ---- the index file RocketMQ 4.9.8 wrote for the shared fixture ------------

struct ManifestRecord {
  std::string topic;
  int64_t offset = 0;
  int64_t store_timestamp = 0;
  std::string properties;
};

// The value of "field" in one JSON line: a number or a plain string.
std::string JsonField(const std::string& line, const std::string& field) {
  const std::string needle = "\"" + field + "\":";
  const size_t at = line.find(needle);
  REQUIRE(at != std::string::npos);
  size_t start = at + needle.size();
  if (line[start] == '"') {
    const size_t close = line.find('"', start + 1);
    return line.substr(start + 1, close - start - 1);
  }
  const size_t stop = line.find_first_of(",}", start);
  return line.substr(start, stop - start);
}

std::vector<ManifestRecord> ReadManifest() {
  std::ifstream in(std::string(RMQ_SHARED_DIR) +
                   "/fixtures/rocketmq-4.9.8-store.manifest.jsonl");
  REQUIRE(in.good());
  std::vector<ManifestRecord> records;
  std::string line;
  while (std::getline(in, line)) {
    ManifestRecord r;
    r.topic = JsonField(line, "topic");
    r.offset = std::stoll(JsonField(line, "commitLogOffset"));
    r.store_timestamp = std::stoll(JsonField(line, "storeTimestamp"));
    r.properties = Props({{"KEYS", JsonField(line, "keys")},
                          {"UNIQ_KEY", JsonField(line, "uniqKey")}});
    records.push_back(std::move(r));
  }
  return records;
}

std::string ReadFixtureIndexFile() {
  const std::string path = std::string(RMQ_SHARED_DIR) +
                           "/fixtures/rocketmq-4.9.8-store/index/"
                           "20261124173343826";
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

constexpr IndexGeometry kFixtureGeometry{1000, 4000};

TEST_CASE("IndexService: rebuilds RocketMQ 4.9.8's index file byte for byte") {
  const std::vector<ManifestRecord> records = ReadManifest();
  REQUIRE(records.size() == 1200);
  const std::string expected = ReadFixtureIndexFile();
  REQUIRE(expected.size() == kFixtureGeometry.FileSize());

  Fixture f;
  auto service = f.Open(kFixtureGeometry);
  for (const ManifestRecord& r : records) {
    REQUIRE_OK(service->BuildIndex(
        Record(r.topic, r.offset, r.store_timestamp, r.properties)));
  }
  REQUIRE(service->FileCount() == 1);
  const std::string actual = f.ReadAt(IndexFileName(kStoreA), 0, kForever);
  REQUIRE(actual.size() == expected.size());
  CHECK(actual.substr(0, 40) == expected.substr(0, 40));
  size_t first_difference = 0;
  while (first_difference < actual.size() &&
         actual[first_difference] == expected[first_difference]) {
    ++first_difference;
  }
  CHECK(first_difference == actual.size());
}

TEST_CASE("IndexService: queries RocketMQ 4.9.8's index file") {
  const std::vector<ManifestRecord> records = ReadManifest();
  Fixture f;
  REQUIRE_OK(f.fs->CreateDirs(f.dir));
  REQUIRE_OK(
      f.fs->WriteFile(f.dir / "20261124173343826", ReadFixtureIndexFile()));
  auto service = f.Open(kFixtureGeometry, /*writable=*/false);
  REQUIRE(service->FileCount() == 1);

  // "dup-0" is a key of every message i with i % 70 == 0.
  std::set<int64_t> expected_a;
  for (size_t i = 0; i < records.size(); i += 70) {
    if (records[i].topic == "FixTopicA") expected_a.insert(records[i].offset);
  }
  const std::vector<int64_t> found =
      Query(*service, "dup-0", 64, 0, kForever, "FixTopicA");
  // Hash matches may include other keys' offsets; every expected one is there.
  const std::set<int64_t> found_set(found.begin(), found.end());
  for (int64_t offset : expected_a) CHECK(found_set.count(offset) == 1);

  for (size_t i : {size_t{0}, size_t{99}, size_t{1199}}) {
    const ManifestRecord& r = records[i];
    const std::string uniq =
        r.properties.substr(r.properties.rfind('\x01') + 1);
    const std::vector<int64_t> hits =
        Query(*service, uniq, 64, 0, kForever, r.topic);
    CHECK(std::count(hits.begin(), hits.end(), r.offset) == 1);
  }
  const IndexQueryResult result =
      service->QueryOffsets("FixTopicA", "key-0", 64, 0, kForever);
  CHECK(result.last_update_phy_offset == records.back().offset);
  CHECK(result.last_update_timestamp == records.back().store_timestamp);
}

}  // namespace
}  // namespace rmq
