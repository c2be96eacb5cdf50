#pragma once
// One RocketMQ index file (store-format §6, docs/format/index.md):
//
//   [ header 40 B ][ hash slots: slots x 4 B ][ items: max_items x 20 B ]
//   header = beginTimestamp 8 | endTimestamp 8 | beginPhyOffset 8 |
//            endPhyOffset 8 | hashSlotCount 4 | indexCount 4
//   item   = keyHash 4 | phyOffset 8 | timeDiffSeconds 4 | prevItem 4
//
// Named by its creation time (yyyyMMddHHmmssSSS, local time). Item 0 is never
// used: indexCount starts at 1 and slot value 0 means "empty".
//
// Thread-safety: not thread-safe; IndexService serializes access.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "rmq/io/file_system.h"

namespace rmq {

inline constexpr int kIndexHeaderSize = 40;
inline constexpr int kIndexSlotSize = 4;
inline constexpr int kIndexItemSize = 20;

struct IndexHeader {
  int64_t begin_timestamp = 0;
  int64_t end_timestamp = 0;
  int64_t begin_phy_offset = 0;
  int64_t end_phy_offset = 0;
  int32_t hash_slot_count = 0;
  int32_t index_count = 1;
};

// One decoded 20-byte item.
struct IndexItem {
  int32_t key_hash = 0;
  int64_t phy_offset = 0;
  int32_t time_diff_seconds = 0;
  int32_t prev = 0;  // previous item in the same slot's chain, 0 = end
};

struct IndexGeometry {
  int32_t slots = 5000000;
  int32_t max_items = 20000000;
  uint64_t FileSize() const {
    return kIndexHeaderSize + uint64_t(slots) * kIndexSlotSize +
           uint64_t(max_items) * kIndexItemSize;
  }
};

class IndexFile {
 public:
  // Creates a new file whose header starts as RocketMQ presets it: begin/end
  // timestamp and offset = the previous file's end values (zeros for the
  // first file), counts 0 and 1.
  static absl::StatusOr<std::unique_ptr<IndexFile>> Create(
      FileSystem& fs, const std::filesystem::path& path, IndexGeometry geometry,
      int64_t prev_end_phy_offset, int64_t prev_end_timestamp);
  // Opens an existing file (its size must match the geometry).
  static absl::StatusOr<std::unique_ptr<IndexFile>> Open(
      FileSystem& fs, const std::filesystem::path& path, IndexGeometry geometry,
      bool writable);

  const std::filesystem::path& path() const;
  const IndexHeader& header() const { return header_; }
  bool IsFull() const { return header_.index_count >= geometry_.max_items; }

  // Adds `key` (already "topic#key") exactly as IndexFile.putKey does,
  // including its quirks (§6.3). Returns false, writing nothing, when full.
  bool PutKey(std::string_view key, int64_t phy_offset,
              int64_t store_timestamp);

  // Appends to `out` the physical offsets of items whose hash matches `key`
  // and whose reconstructed time is in [begin, end], newest first, until `out`
  // holds `max` entries (IndexFile.selectPhyOffset). Hash matches only: the
  // caller confirms the key on the record.
  void SelectPhyOffsets(std::string_view key, int32_t max, int64_t begin,
                        int64_t end, std::vector<int64_t>* out) const;

  // True if [begin, end] overlaps this file's [beginTimestamp, endTimestamp]
  // the way IndexFile.isTimeMatched decides it.
  bool IsTimeMatched(int64_t begin, int64_t end) const;

  // Syncs the whole file.
  absl::Status Flush();

  // Raw reads for verify and tests; no validation of the values.
  // Requires 0 <= slot < slots.
  int32_t SlotValue(int32_t slot) const;
  // Requires 0 <= item < max_items.
  IndexItem ItemAt(int32_t item) const;

 private:
  IndexFile(std::unique_ptr<MappedRegion> region, IndexGeometry geometry);
  void LoadHeader();
  void StoreHeader();

  std::unique_ptr<MappedRegion> region_;
  IndexGeometry geometry_;
  IndexHeader header_;
};

// Decodes/encodes the 40-byte header (exposed for verify and tests).
IndexHeader DecodeIndexHeader(const std::byte* p);
void EncodeIndexHeader(const IndexHeader& header, std::byte* p);

}  // namespace rmq
