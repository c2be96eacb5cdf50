// MemFileSystem::SimulatePowerLoss: what survives is what was made durable.
//
// Directories: each entry set returns to its durable set, so unsynced
// creations vanish, unsynced removals reappear and unsynced renames revert
// (entries point at inodes, so a reappearing name finds its file).
//
// File bytes, per 512-byte sector that differs from the durable image:
//  * kRevert: the sector returns to its durable content;
//  * kGarbage: every byte written since its last sync becomes seeded
//    pseudo-random garbage (a torn write). Bytes of the sector that still
//    equal the durable image keep it: a disk writes a sector whole, so it
//    never destroys what an earlier, successful sync put there — otherwise a
//    record acknowledged after its sync could be lost because a later,
//    unsynced record shares its last sector.
// Bytes beyond the durable size (unsynced extensions) are dropped.

#include <algorithm>
#include <cstring>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "base/check.h"
#include "io/mem_file_system_impl.h"

namespace rmq {
namespace {

constexpr uint64_t kSectorBytes = 512;

// SplitMix64: tiny, good enough for garbage, and the same on every platform.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// FNV-1a: a stable hash of the path, so garbage depends on (seed, path,
// sector) only, never on traversal order or addresses.
uint64_t HashPath(const std::string& path) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (const char c : path) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;
  }
  return h;
}

void Garble(std::span<std::byte> live, std::span<const std::byte> durable,
            uint64_t sector_seed) {
  for (size_t i = 0; i < live.size(); ++i) {
    if (live[i] != durable[i]) {
      live[i] = static_cast<std::byte>(Mix(sector_seed + i) >> 56);
    }
  }
}

void RevertFile(MemNode& file, const std::string& path, PowerLossMode mode,
                uint64_t seed) {
  const uint64_t size = file.durable.size();
  if (file.live.size() != size) {
    file.live = file.live.Resized(size);
    file.allocated.Remove(size, UINT64_MAX - size);
  }
  const uint64_t file_seed = Mix(seed ^ HashPath(path));
  for (uint64_t begin = 0; begin < size; begin += kSectorBytes) {
    const size_t n = static_cast<size_t>(std::min(kSectorBytes, size - begin));
    std::span<std::byte> live = file.live.bytes().subspan(begin, n);
    std::span<const std::byte> durable =
        std::as_const(file.durable).bytes().subspan(begin, n);
    if (std::memcmp(live.data(), durable.data(), n) == 0) continue;
    if (mode == PowerLossMode::kRevert) {
      std::memcpy(live.data(), durable.data(), n);
    } else {
      Garble(live, durable, Mix(file_seed + begin / kSectorBytes));
    }
  }
}

}  // namespace

std::vector<std::pair<std::string, MemNode*>> MemFs::RevertDirectories() {
  std::vector<std::pair<std::string, MemNode*>> files;
  absl::flat_hash_set<MemNode*> seen;
  std::vector<std::pair<std::string, MemNode*>> dirs = {{"/", abs_root_.get()},
                                                        {"", rel_root_.get()}};
  seen.insert(abs_root_.get());
  seen.insert(rel_root_.get());
  // Iterative walk: a rename that was synced on one side only can make a
  // directory reachable twice, so `seen` also guards against cycles.
  for (size_t i = 0; i < dirs.size(); ++i) {
    MemNode& dir = *dirs[i].second;
    const std::string prefix = dirs[i].first.empty() || dirs[i].first == "/"
                                   ? dirs[i].first
                                   : dirs[i].first + "/";
    dir.entries = dir.durable_entries;
    for (const auto& [name, child] : dir.entries) {
      if (!seen.insert(child.get()).second) continue;
      (child->is_dir ? dirs : files).emplace_back(prefix + name, child.get());
    }
  }
  // Recount links from the restored entries.
  for (auto& [path, node] : dirs) node->links = 0;
  for (auto& [path, node] : files) node->links = 0;
  for (auto& [path, dir] : dirs) {
    for (auto& [name, child] : dir->entries) ++child->links;
  }
  return files;
}

void MemFs::SimulatePowerLoss(PowerLossMode mode, uint64_t seed) {
  absl::MutexLock lock(&mu_);
  RMQ_CHECK(live_mappings_ == 0,
            "SimulatePowerLoss with live MappedRegions: destroy them first");
  RMQ_CHECK(live_writables_ == 0,
            "SimulatePowerLoss with open WritableFiles: destroy them first");
  allocated_ = 0;
  for (auto& [path, file] : RevertDirectories()) {
    RevertFile(*file, path, mode, seed);
    allocated_ += file->allocated.total();
  }
}

}  // namespace rmq
