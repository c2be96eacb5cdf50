// IndexFile: store-format §6.1–6.3 and §6.5, byte for byte as RocketMQ's
// IndexFile/IndexHeader, quirks included (they are listed in
// docs/format/index.md). Where RocketMQ would read out of bounds or loop
// forever on a corrupt file, we stop instead; on valid files the results are
// identical.

#include "index/index_file.h"

#include <algorithm>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/endian.h"
#include "base/java_hash.h"
#include "base/status_macros.h"

namespace rmq {
namespace {

constexpr size_t kBeginTimestampPos = 0;
constexpr size_t kEndTimestampPos = 8;
constexpr size_t kBeginPhyOffsetPos = 16;
constexpr size_t kEndPhyOffsetPos = 24;
constexpr size_t kHashSlotCountPos = 32;
constexpr size_t kIndexCountPos = 36;

// Item field positions, relative to the item.
constexpr size_t kItemHashPos = 0;
constexpr size_t kItemPhyOffsetPos = 4;
constexpr size_t kItemTimeDiffPos = 12;
constexpr size_t kItemPrevPos = 16;

absl::Status CheckGeometry(const std::filesystem::path& path,
                           IndexGeometry geometry) {
  // Item 0 is never used, so a file needs room for at least item 1; with
  // maxIndexNum 1 RocketMQ would roll to a new file forever.
  if (geometry.slots < 1 || geometry.max_items < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        path.string(), ": index geometry needs slots >= 1 and items >= 2, got ",
        geometry.slots, " slots and ", geometry.max_items, " items"));
  }
  return absl::OkStatus();
}

// Java's long subtraction wraps; so does ours (no signed-overflow UB).
int64_t WrappingSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) -
                              static_cast<uint64_t>(b));
}

}  // namespace

IndexHeader DecodeIndexHeader(const std::byte* p) {
  IndexHeader h;
  h.begin_timestamp = LoadBE64(p + kBeginTimestampPos);
  h.end_timestamp = LoadBE64(p + kEndTimestampPos);
  h.begin_phy_offset = LoadBE64(p + kBeginPhyOffsetPos);
  h.end_phy_offset = LoadBE64(p + kEndPhyOffsetPos);
  h.hash_slot_count = LoadBE32(p + kHashSlotCountPos);
  h.index_count = LoadBE32(p + kIndexCountPos);
  return h;
}

void EncodeIndexHeader(const IndexHeader& h, std::byte* p) {
  StoreBE64(p + kBeginTimestampPos, h.begin_timestamp);
  StoreBE64(p + kEndTimestampPos, h.end_timestamp);
  StoreBE64(p + kBeginPhyOffsetPos, h.begin_phy_offset);
  StoreBE64(p + kEndPhyOffsetPos, h.end_phy_offset);
  StoreBE32(p + kHashSlotCountPos, h.hash_slot_count);
  StoreBE32(p + kIndexCountPos, h.index_count);
}

IndexFile::IndexFile(std::unique_ptr<MappedRegion> region,
                     IndexGeometry geometry)
    : region_(std::move(region)), geometry_(geometry) {}

absl::StatusOr<std::unique_ptr<IndexFile>> IndexFile::Create(
    FileSystem& fs, const std::filesystem::path& path, IndexGeometry geometry,
    int64_t prev_end_phy_offset, int64_t prev_end_timestamp) {
  RMQ_RETURN_IF_ERROR(CheckGeometry(path, geometry));
  if (fs.Exists(path)) {
    return absl::AlreadyExistsError(
        absl::StrCat(path.string(), ": index file already exists"));
  }
  MapOptions options;
  options.size = geometry.FileSize();
  options.writable = true;
  options.create = true;  // allocate_bytes stays "all": never sparse
  RMQ_ASSIGN_OR_RETURN(std::unique_ptr<MappedRegion> region,
                       fs.Map(path, options));
  std::unique_ptr<IndexFile> file(new IndexFile(std::move(region), geometry));
  // RocketMQ's IndexFile constructor presets begin and end to the previous
  // file's end values; the first item then overwrites begin (§6.3).
  file->header_.begin_phy_offset = prev_end_phy_offset;
  file->header_.end_phy_offset = prev_end_phy_offset;
  file->header_.begin_timestamp = prev_end_timestamp;
  file->header_.end_timestamp = prev_end_timestamp;
  file->StoreHeader();
  return file;
}

absl::StatusOr<std::unique_ptr<IndexFile>> IndexFile::Open(
    FileSystem& fs, const std::filesystem::path& path, IndexGeometry geometry,
    bool writable) {
  RMQ_RETURN_IF_ERROR(CheckGeometry(path, geometry));
  RMQ_ASSIGN_OR_RETURN(const uint64_t size, fs.FileSize(path));
  if (size != geometry.FileSize()) {
    return absl::FailedPreconditionError(absl::StrCat(
        path.string(), ": index file is ", size, " bytes, but maxHashSlotNum=",
        geometry.slots, " and maxIndexNum=", geometry.max_items, " need ",
        geometry.FileSize()));
  }
  MapOptions options;
  options.size = geometry.FileSize();
  options.writable = writable;
  options.create = false;
  RMQ_ASSIGN_OR_RETURN(std::unique_ptr<MappedRegion> region,
                       fs.Map(path, options));
  std::unique_ptr<IndexFile> file(new IndexFile(std::move(region), geometry));
  file->LoadHeader();
  if (file->header_.index_count > geometry.max_items) {
    return absl::DataLossError(absl::StrCat(
        path.string(), ": header indexCount ", file->header_.index_count,
        " exceeds maxIndexNum ", geometry.max_items));
  }
  return file;
}

const std::filesystem::path& IndexFile::path() const { return region_->path(); }

void IndexFile::LoadHeader() {
  header_ = DecodeIndexHeader(region_->bytes().data());
  // IndexHeader.load: a stored count <= 0 means "nothing written yet".
  if (header_.index_count <= 0) header_.index_count = 1;
}

void IndexFile::StoreHeader() {
  EncodeIndexHeader(header_, region_->bytes().data());
}

bool IndexFile::PutKey(std::string_view key, int64_t phy_offset,
                       int64_t store_timestamp) {
  RMQ_CHECK(region_->writable(), "PutKey on an index file opened read-only");
  if (IsFull()) return false;
  std::byte* base = region_->bytes().data();
  const int32_t hash = IndexKeyHash(key);
  std::byte* slot =
      base + kIndexHeaderSize +
      static_cast<size_t>(hash % geometry_.slots) * kIndexSlotSize;
  int32_t head = LoadBE32(slot);
  if (head <= 0 || head > header_.index_count) head = 0;

  // Against the *old* beginTimestamp: 0 for the first file's first item.
  int64_t diff = WrappingSub(store_timestamp, header_.begin_timestamp) / 1000;
  if (header_.begin_timestamp <= 0) diff = 0;
  diff = std::clamp<int64_t>(diff, 0, std::numeric_limits<int32_t>::max());

  std::byte* item = base + kIndexHeaderSize +
                    static_cast<size_t>(geometry_.slots) * kIndexSlotSize +
                    static_cast<size_t>(header_.index_count) * kIndexItemSize;
  StoreBE32(item + kItemHashPos, hash);
  StoreBE64(item + kItemPhyOffsetPos, phy_offset);
  StoreBE32(item + kItemTimeDiffPos, static_cast<int32_t>(diff));
  StoreBE32(item + kItemPrevPos, head);
  StoreBE32(slot, header_.index_count);

  if (header_.index_count <= 1) {
    header_.begin_phy_offset = phy_offset;
    header_.begin_timestamp = store_timestamp;
  }
  if (head == 0) ++header_.hash_slot_count;
  ++header_.index_count;
  header_.end_phy_offset = phy_offset;
  header_.end_timestamp = store_timestamp;
  StoreHeader();
  return true;
}

void IndexFile::SelectPhyOffsets(std::string_view key, int32_t max,
                                 int64_t begin, int64_t end,
                                 std::vector<int64_t>* out) const {
  const int32_t count = header_.index_count;
  if (count <= 1) return;
  const std::byte* base = region_->bytes().data();
  const int32_t hash = IndexKeyHash(key);
  const std::byte* items =
      base + kIndexHeaderSize +
      static_cast<size_t>(geometry_.slots) * kIndexSlotSize;
  // RocketMQ accepts item numbers up to indexCount; we also stay inside the
  // file and bound the walk, so a corrupt chain cannot hang or overrun.
  const auto valid = [&](int32_t item) {
    return item > 0 && item <= count && item < geometry_.max_items;
  };
  int32_t cur =
      LoadBE32(base + kIndexHeaderSize +
               static_cast<size_t>(hash % geometry_.slots) * kIndexSlotSize);
  for (int32_t steps = 0; valid(cur) && steps < count; ++steps) {
    if (static_cast<int64_t>(out->size()) >= max) return;
    const std::byte* item = items + static_cast<size_t>(cur) * kIndexItemSize;
    const int32_t item_hash = LoadBE32(item + kItemHashPos);
    const int64_t phy_offset = LoadBE64(item + kItemPhyOffsetPos);
    const int64_t time_diff = LoadBE32(item + kItemTimeDiffPos);
    const int32_t prev = LoadBE32(item + kItemPrevPos);
    if (time_diff < 0) return;
    const int64_t time = header_.begin_timestamp + time_diff * 1000;
    if (item_hash == hash && time >= begin && time <= end) {
      out->push_back(phy_offset);
    }
    if (prev == cur || time < begin) return;
    cur = prev;
  }
}

int32_t IndexFile::SlotValue(int32_t slot) const {
  RMQ_CHECK(slot >= 0 && slot < geometry_.slots, "slot out of range");
  return LoadBE32(region_->bytes().data() + kIndexHeaderSize +
                  static_cast<size_t>(slot) * kIndexSlotSize);
}

IndexItem IndexFile::ItemAt(int32_t item) const {
  RMQ_CHECK(item >= 0 && item < geometry_.max_items, "item out of range");
  const std::byte* p = region_->bytes().data() + kIndexHeaderSize +
                       static_cast<size_t>(geometry_.slots) * kIndexSlotSize +
                       static_cast<size_t>(item) * kIndexItemSize;
  IndexItem out;
  out.key_hash = LoadBE32(p + kItemHashPos);
  out.phy_offset = LoadBE64(p + kItemPhyOffsetPos);
  out.time_diff_seconds = LoadBE32(p + kItemTimeDiffPos);
  out.prev = LoadBE32(p + kItemPrevPos);
  return out;
}

bool IndexFile::IsTimeMatched(int64_t begin, int64_t end) const {
  const int64_t file_begin = header_.begin_timestamp;
  const int64_t file_end = header_.end_timestamp;
  return (begin < file_begin && end > file_end) ||
         (begin >= file_begin && begin <= file_end) ||
         (end >= file_begin && end <= file_end);
}

absl::Status IndexFile::Flush() {
  if (!region_->writable()) return absl::OkStatus();
  return region_->Sync(0, region_->size());
}

}  // namespace rmq
