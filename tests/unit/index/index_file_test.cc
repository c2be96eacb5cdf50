#include "index/index_file.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "base/endian.h"
#include "rmq/io/mem_file_system.h"
#include "support/status_matchers.h"
#include "support/vectors.h"

namespace rmq {
namespace {

using ::rmq::testing::StatusIs;

constexpr int64_t kForever = std::numeric_limits<int64_t>::max();
constexpr int64_t kStoreA = 1700000000123;  // TV-6 store timestamp
constexpr int64_t kStoreC = 1700000001123;  // TV-7 store timestamp

// The default 5,000,000 slots, so the vectors' slot and item positions hold,
// but only 100 items: a 20 MB file instead of 420 MB.
constexpr IndexGeometry kVectorGeometry{5000000, 100};
constexpr uint64_t kItemsStart = 40 + 5000000ull * 4;

namespace tv = ::rmq::testing::tv;
using ::rmq::testing::FromHex;

// Reads bytes of a file through a second, read-only mapping.
class FileBytes {
 public:
  FileBytes(FileSystem& fs, const std::filesystem::path& path, uint64_t size) {
    MapOptions options;
    options.size = size;
    options.writable = false;
    options.create = false;
    absl::StatusOr<std::unique_ptr<MappedRegion>> region =
        fs.Map(path, options);
    REQUIRE_OK(region);
    region_ = *std::move(region);
  }
  std::string At(uint64_t offset, size_t length) const {
    const auto* p =
        reinterpret_cast<const char*>(region_->bytes().data() + offset);
    return std::string(p, length);
  }
  int32_t Int32At(uint64_t offset) const {
    return LoadBE32(region_->bytes().data() + offset);
  }

 private:
  std::unique_ptr<MappedRegion> region_;
};

struct Fixture {
  std::shared_ptr<MemFileSystem> fs = NewMemFileSystem();
  std::filesystem::path dir = "/store/index";
  Fixture() { REQUIRE_OK(fs->CreateDirs(dir)); }

  std::unique_ptr<IndexFile> Create(IndexGeometry geometry,
                                    std::string name = "20231114221320123",
                                    int64_t prev_end_phy_offset = 0,
                                    int64_t prev_end_timestamp = 0) {
    absl::StatusOr<std::unique_ptr<IndexFile>> file = IndexFile::Create(
        *fs, dir / name, geometry, prev_end_phy_offset, prev_end_timestamp);
    REQUIRE_OK(file);
    return *std::move(file);
  }
};

std::vector<int64_t> Select(const IndexFile& file, std::string_view key,
                            int32_t max = 64, int64_t begin = 0,
                            int64_t end = kForever) {
  std::vector<int64_t> out;
  file.SelectPhyOffsets(key, max, begin, end, &out);
  return out;
}

TEST_CASE("IndexFile: geometry gives RocketMQ's file size") {
  CHECK(IndexGeometry{}.FileSize() == 420000040);
  CHECK(kVectorGeometry.FileSize() == 40 + 20000000 + 2000);
}

TEST_CASE("IndexFile: a new first file has a zero header and indexCount 1") {
  Fixture f;
  auto file = f.Create(kVectorGeometry);
  CHECK(file->header().index_count == 1);
  CHECK(file->header().hash_slot_count == 0);
  CHECK_FALSE(file->IsFull());
  FileBytes bytes(*f.fs, file->path(), kVectorGeometry.FileSize());
  CHECK(bytes.At(0, 40) == std::string(39, '\0') + '\x01');
  CHECK(Select(*file, tv::kIndexKeyA).empty());
}

TEST_CASE("IndexFile: TV-6 first key of the first file") {
  Fixture f;
  auto file = f.Create(kVectorGeometry);
  REQUIRE(file->PutKey(tv::kIndexKeyA, 0, kStoreA));
  FileBytes bytes(*f.fs, file->path(), kVectorGeometry.FileSize());
  CHECK(bytes.Int32At(tv::kIndexKeyASlotPos) == 1);
  CHECK(file->SlotValue(tv::kIndexKeyASlot) == 1);
  CHECK(kItemsStart + 20 == tv::kIndexItem1Pos);
  CHECK(bytes.At(tv::kIndexItem1Pos, 20) == FromHex(tv::kIndexItemAHex));
  CHECK(bytes.At(0, 40) == FromHex(tv::kIndexHeaderAfterAHex));
  const IndexItem item = file->ItemAt(1);
  CHECK(item.key_hash == tv::kIndexKeyAHash);
  CHECK(item.phy_offset == 0);
  CHECK(item.time_diff_seconds == 0);
  CHECK(item.prev == 0);
  const IndexHeader& h = file->header();
  CHECK(h.begin_timestamp == kStoreA);
  CHECK(h.end_timestamp == kStoreA);
  CHECK(h.hash_slot_count == 1);
  CHECK(h.index_count == 2);
}

TEST_CASE("IndexFile: TV-7 second message chains in the same slot") {
  Fixture f;
  auto file = f.Create(kVectorGeometry);
  REQUIRE(file->PutKey(tv::kIndexKeyA, 0, kStoreA));
  REQUIRE(file->PutKey(tv::kIndexKeyA, 122, kStoreC));
  FileBytes bytes(*f.fs, file->path(), kVectorGeometry.FileSize());
  CHECK(bytes.Int32At(tv::kIndexKeyASlotPos) == 2);
  CHECK(bytes.At(tv::kIndexItem1Pos, 20) == FromHex(tv::kIndexItemAHex));
  CHECK(bytes.At(tv::kIndexItem2Pos, 20) == FromHex(tv::kIndexItemCHex));
  CHECK(bytes.At(0, 40) == FromHex(tv::kIndexHeaderAfterCHex));
  // Newest first; the store sorts them to [0, 122].
  CHECK(Select(*file, tv::kIndexKeyA) == std::vector<int64_t>{122, 0});
  CHECK(Select(*file, "TopicTest#k2").empty());
}

TEST_CASE("IndexFile: TV-8 UNIQ_KEY then k1 in a fresh file") {
  Fixture f;
  auto file = f.Create(kVectorGeometry);
  REQUIRE(file->PutKey(tv::kIndexKeyUniq, 0, kStoreA));
  REQUIRE(file->PutKey(tv::kIndexKeyA, 0, kStoreA));
  FileBytes bytes(*f.fs, file->path(), kVectorGeometry.FileSize());
  CHECK(bytes.Int32At(tv::kIndexKeyUniqSlotPos) == 1);
  CHECK(file->SlotValue(tv::kIndexKeyUniqSlot) == 1);
  CHECK(bytes.Int32At(tv::kIndexKeyASlotPos) == 2);
  CHECK(bytes.At(tv::kIndexItem1Pos, 20) == FromHex(tv::kIndexItemBUniqHex));
  CHECK(bytes.At(tv::kIndexItem2Pos, 20) == FromHex(tv::kIndexItemBKeyHex));
  CHECK(bytes.At(0, 40) == FromHex(tv::kIndexHeaderAfterBHex));
  CHECK(file->ItemAt(1).key_hash == tv::kIndexKeyUniqHash);
}

TEST_CASE("IndexFile: TV-17 every hash case lands in its slot") {
  for (const tv::IndexHashCase& c : tv::kIndexHashCases) {
    Fixture f;
    auto file = f.Create(kVectorGeometry);
    REQUIRE(file->PutKey(c.key, 42, kStoreA));
    INFO("key '" << std::string(c.key) << "'");
    CHECK(file->SlotValue(c.index_hash % tv::kIndexSlotCount) == 1);
    CHECK(file->ItemAt(1).key_hash == c.index_hash);
    CHECK(Select(*file, c.key) == std::vector<int64_t>{42});
  }
}

TEST_CASE("IndexFile: TV-17 colliding keys share a slot and both match") {
  Fixture f;
  auto file = f.Create(kVectorGeometry);
  REQUIRE(file->PutKey("Aa", 10, kStoreA));
  REQUIRE(file->PutKey("BB", 20, kStoreA));
  CHECK(file->SlotValue(2112) == 2);
  CHECK(file->ItemAt(2).prev == 1);  // chained to item 1
  CHECK(file->header().hash_slot_count == 1);
  // Only hashes are compared: the store confirms the key on the record.
  CHECK(Select(*file, "Aa") == std::vector<int64_t>{20, 10});
  CHECK(Select(*file, "BB") == std::vector<int64_t>{20, 10});
}

TEST_CASE("IndexFile: TV-17 MIN_VALUE hash, empty key and non-ASCII keys") {
  Fixture f;
  auto file = f.Create(kVectorGeometry);
  REQUIRE(file->PutKey("polygenelubricants", 7, kStoreA));
  REQUIRE(file->PutKey("", 8, kStoreA));
  REQUIRE(file->PutKey("\xC3\xA9", 9, kStoreA));  // "é" hashes to 233
  FileBytes bytes(*f.fs, file->path(), kVectorGeometry.FileSize());
  CHECK(bytes.Int32At(40) == 2);  // slot 0: both hash 0
  CHECK(bytes.Int32At(kItemsStart + 20) == 0);
  CHECK(bytes.Int32At(kItemsStart + 40) == 0);
  CHECK(bytes.Int32At(kItemsStart + 40 + 16) == 1);
  CHECK(bytes.Int32At(40 + 233 * 4) == 3);
  CHECK(bytes.Int32At(kItemsStart + 60) == 233);
  CHECK(Select(*file, "polygenelubricants") == std::vector<int64_t>{8, 7});
  CHECK(Select(*file, "\xC3\xA9") == std::vector<int64_t>{9});
}

TEST_CASE("IndexFile: a rolled file diffs its first item against the preset") {
  Fixture f;
  // The previous file ended at offset 500, store time 1700000000000.
  auto file =
      f.Create(kVectorGeometry, "20231114221320124", 500, 1700000000000);
  CHECK(file->header().begin_timestamp == 1700000000000);
  CHECK(file->header().end_phy_offset == 500);
  REQUIRE(file->PutKey("TopicTest#k1", 622, 1700000005500));
  FileBytes bytes(*f.fs, file->path(), kVectorGeometry.FileSize());
  // diff = (1700000005500 - 1700000000000) / 1000 = 5, against the old begin.
  CHECK(bytes.Int32At(kItemsStart + 20 + 12) == 5);
  // ... and only then is begin replaced by the first item's values.
  CHECK(file->header().begin_timestamp == 1700000005500);
  CHECK(file->header().begin_phy_offset == 622);
  CHECK(file->header().end_phy_offset == 622);
  // Reconstructed time is begin + 5 s, not the real store time.
  CHECK(Select(*file, "TopicTest#k1", 64, 1700000010500, 1700000010500) ==
        std::vector<int64_t>{622});
}

TEST_CASE("IndexFile: time difference is clamped at 0") {
  Fixture f;
  auto file = f.Create(kVectorGeometry);
  REQUIRE(file->PutKey("k", 1, kStoreA));
  REQUIRE(file->PutKey("k", 2, kStoreA - 5000));  // clock went back
  FileBytes bytes(*f.fs, file->path(), kVectorGeometry.FileSize());
  CHECK(bytes.Int32At(kItemsStart + 40 + 12) == 0);
  CHECK(file->header().end_timestamp == kStoreA - 5000);
}

TEST_CASE("IndexFile: PutKey refuses when full and writes nothing") {
  Fixture f;
  const IndexGeometry small{4, 3};  // items 1 and 2 usable
  auto file = f.Create(small);
  REQUIRE(file->PutKey("a", 1, kStoreA));
  CHECK_FALSE(file->IsFull());
  REQUIRE(file->PutKey("b", 2, kStoreA));
  CHECK(file->IsFull());
  CHECK_FALSE(file->PutKey("c", 3, kStoreA));
  CHECK(file->header().index_count == 3);
  CHECK(file->header().end_phy_offset == 2);
  CHECK(Select(*file, "c").empty());
}

TEST_CASE("IndexFile: a slot pointing past indexCount is treated as empty") {
  Fixture f;
  auto file = f.Create(kVectorGeometry);
  const uint64_t slot_pos = 40 + 2746024ull * 4;
  {
    MapOptions options;
    options.size = kVectorGeometry.FileSize();
    options.create = false;
    auto region = f.fs->Map(file->path(), options);
    REQUIRE_OK(region);
    StoreBE32((*region)->bytes().data() + slot_pos, 77);  // stale garbage
  }
  CHECK(Select(*file, "TopicTest#k1").empty());
  REQUIRE(file->PutKey("TopicTest#k1", 0, kStoreA));
  FileBytes bytes(*f.fs, file->path(), kVectorGeometry.FileSize());
  CHECK(bytes.Int32At(kItemsStart + 20 + 16) == 0);  // prev reset to 0
  CHECK(file->header().hash_slot_count == 1);        // counted as empty
  CHECK(Select(*file, "TopicTest#k1") == std::vector<int64_t>{0});
}

TEST_CASE("IndexFile: SelectPhyOffsets honours the time window and max") {
  Fixture f;
  auto file = f.Create(kVectorGeometry);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(file->PutKey("k", 100 * i, kStoreA + 1000 * i));
  }
  // Times are begin + whole seconds: kStoreA + 1000*i exactly.
  CHECK(Select(*file, "k") == std::vector<int64_t>{400, 300, 200, 100, 0});
  CHECK(Select(*file, "k", 2) == std::vector<int64_t>{400, 300});
  CHECK(Select(*file, "k", 64, kStoreA + 1000, kStoreA + 3000) ==
        std::vector<int64_t>{300, 200, 100});
  // The walk stops at the first item older than `begin`.
  CHECK(Select(*file, "k", 64, kStoreA + 4000, kForever) ==
        std::vector<int64_t>{400});
  CHECK(Select(*file, "k", 64, 0, kStoreA - 1).empty());
  CHECK(Select(*file, "k", 0).empty());
}

TEST_CASE("IndexFile: IsTimeMatched is RocketMQ's overlap test") {
  Fixture f;
  auto file = f.Create(kVectorGeometry);
  REQUIRE(file->PutKey("k", 0, 1000));
  REQUIRE(file->PutKey("k", 1, 5000));
  CHECK(file->IsTimeMatched(0, 10000));    // covers the file
  CHECK(file->IsTimeMatched(2000, 3000));  // inside
  CHECK(file->IsTimeMatched(0, 1000));     // end on begin
  CHECK(file->IsTimeMatched(5000, 9000));  // begin on end
  CHECK_FALSE(file->IsTimeMatched(0, 999));
  CHECK_FALSE(file->IsTimeMatched(5001, 9000));
}

TEST_CASE("IndexFile: Open reads the header back") {
  Fixture f;
  std::filesystem::path path;
  {
    auto file = f.Create(kVectorGeometry);
    path = file->path();
    REQUIRE(file->PutKey("TopicTest#k1", 0, kStoreA));
    REQUIRE(file->PutKey("TopicTest#k1", 122, kStoreC));
    REQUIRE_OK(file->Flush());
  }
  for (bool writable : {false, true}) {
    auto opened = IndexFile::Open(*f.fs, path, kVectorGeometry, writable);
    REQUIRE_OK(opened);
    const IndexHeader& h = (*opened)->header();
    CHECK(h.begin_timestamp == kStoreA);
    CHECK(h.end_timestamp == kStoreC);
    CHECK(h.end_phy_offset == 122);
    CHECK(h.hash_slot_count == 1);
    CHECK(h.index_count == 3);
    CHECK(Select(**opened, "TopicTest#k1") == std::vector<int64_t>{122, 0});
  }
}

TEST_CASE("IndexFile: Open treats a stored indexCount of 0 as 1") {
  Fixture f;
  const IndexGeometry small{4, 3};
  const std::filesystem::path path = f.dir / "20231114221320123";
  REQUIRE_OK(f.fs->WriteFile(path, std::string(small.FileSize(), '\0')));
  auto opened = IndexFile::Open(*f.fs, path, small, true);
  REQUIRE_OK(opened);
  CHECK((*opened)->header().index_count == 1);
  REQUIRE((*opened)->PutKey("a", 9, kStoreA));
  CHECK((*opened)->header().index_count == 2);
}

TEST_CASE("IndexFile: Open refuses a file of another geometry") {
  Fixture f;
  const std::filesystem::path path = f.dir / "20231114221320123";
  REQUIRE_OK(f.fs->WriteFile(path, std::string(100, '\0')));
  auto opened = IndexFile::Open(*f.fs, path, IndexGeometry{4, 3}, false);
  REQUIRE_THAT(opened.status(),
               StatusIs(absl::StatusCode::kFailedPrecondition));
  CHECK(std::string(opened.status().message()).find(path.string()) !=
        std::string::npos);
}

TEST_CASE("IndexFile: Open refuses an indexCount beyond maxIndexNum") {
  Fixture f;
  const IndexGeometry small{4, 3};
  std::string bytes(small.FileSize(), '\0');
  bytes[39] = 9;  // indexCount 9 > 3
  const std::filesystem::path path = f.dir / "20231114221320123";
  REQUIRE_OK(f.fs->WriteFile(path, bytes));
  CHECK_THAT(IndexFile::Open(*f.fs, path, small, false).status(),
             StatusIs(absl::StatusCode::kDataLoss));
}

TEST_CASE("IndexFile: Create refuses an existing file and a bad geometry") {
  Fixture f;
  auto file = f.Create(IndexGeometry{4, 3});
  CHECK_THAT(IndexFile::Create(*f.fs, file->path(), IndexGeometry{4, 3}, 0, 0)
                 .status(),
             StatusIs(absl::StatusCode::kAlreadyExists));
  CHECK_THAT(
      IndexFile::Create(*f.fs, f.dir / "x", IndexGeometry{4, 1}, 0, 0).status(),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_CASE("IndexFile: header codec round-trips") {
  IndexHeader h;
  h.begin_timestamp = 1;
  h.end_timestamp = -2;
  h.begin_phy_offset = 0x0102030405060708;
  h.end_phy_offset = 4;
  h.hash_slot_count = 5;
  h.index_count = 6;
  std::byte buf[kIndexHeaderSize];
  EncodeIndexHeader(h, buf);
  CHECK(static_cast<int>(buf[16]) == 1);
  CHECK(static_cast<int>(buf[23]) == 8);
  const IndexHeader back = DecodeIndexHeader(buf);
  CHECK(back.begin_timestamp == 1);
  CHECK(back.end_timestamp == -2);
  CHECK(back.begin_phy_offset == 0x0102030405060708);
  CHECK(back.end_phy_offset == 4);
  CHECK(back.hash_slot_count == 5);
  CHECK(back.index_count == 6);
}

}  // namespace
}  // namespace rmq
