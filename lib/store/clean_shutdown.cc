#include "store/clean_shutdown.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "base/endian.h"

namespace rmq {
namespace {
constexpr char kMagic[8] = {'R', 'M', 'Q', 'C', 'L', 'E', 'A', 'N'};
constexpr int32_t kVersion = 1;
constexpr size_t kSize = 48;
constexpr size_t kChecked = 40;
constexpr int64_t kTailWindow = 1 << 20;
}  // namespace

absl::Status WriteCleanShutdown(FileSystem& fs,
                                const std::filesystem::path& path,
                                const CleanShutdownRecord& record) {
  std::string data(kSize, '\0');
  auto* p = reinterpret_cast<std::byte*>(data.data());
  std::memcpy(p, kMagic, sizeof(kMagic));
  StoreBE32(p + 8, kVersion);
  StoreBE32(p + 12, 0);
  StoreBE64(p + 16, record.log_end);
  StoreBE64(p + 24, record.last_store_timestamp);
  StoreBE64(p + 32, static_cast<int64_t>(record.tail_hash));
  StoreBE64(p + 40, static_cast<int64_t>(XXH64(p, kChecked, 0)));
  return WriteFileAtomically(fs, path, data);
}

std::optional<CleanShutdownRecord> ReadCleanShutdown(
    FileSystem& fs, const std::filesystem::path& path) {
  if (!fs.Exists(path)) return std::nullopt;
  absl::StatusOr<std::string> data = fs.ReadFile(path);
  if (!data.ok() || data->size() != kSize) return std::nullopt;
  const auto* p = reinterpret_cast<const std::byte*>(data->data());
  if (std::memcmp(p, kMagic, sizeof(kMagic)) != 0 ||
      LoadBE32(p + 8) != kVersion ||
      static_cast<uint64_t>(LoadBE64(p + 40)) != XXH64(p, kChecked, 0)) {
    return std::nullopt;
  }
  return CleanShutdownRecord{LoadBE64(p + 16), LoadBE64(p + 24),
                             static_cast<uint64_t>(LoadBE64(p + 32))};
}

uint64_t CleanTailHash(std::span<const std::byte> segment, int64_t segment_from,
                       int64_t log_end) {
  const int64_t end = log_end - segment_from;
  const int64_t begin = std::max<int64_t>(0, end - kTailWindow);
  if (end <= begin || end > static_cast<int64_t>(segment.size())) return 0;
  return XXH64(segment.data() + begin, static_cast<size_t>(end - begin), 0);
}

}  // namespace rmq
