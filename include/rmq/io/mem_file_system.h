#pragma once
// An in-memory FileSystem that remembers what was made durable, so tests (ours
// and embedders') can simulate power loss: every byte not covered by a
// successful Sync reverts, and directory entries that were never synced with
// SyncDir disappear (or reappear, for unsynced removals).

#include <cstdint>
#include <memory>

#include "rmq/io/file_system.h"

namespace rmq {

enum class PowerLossMode {
  kRevert,   // each unsynced 512-byte sector returns to its last synced content
  kGarbage,  // each unsynced sector becomes seeded pseudo-random bytes
};

class MemFileSystem : public FileSystem {
 public:
  // Drops every unsynced byte and directory change. Mappings and writable
  // files opened before the call must already be destroyed.
  virtual void SimulatePowerLoss(PowerLossMode mode, uint64_t seed) = 0;
  // Allocation beyond this many bytes in total fails with ResourceExhausted
  // (ENOSPC). Default: unlimited.
  virtual void SetCapacityBytes(uint64_t bytes) = 0;
  virtual uint64_t AllocatedBytes() const = 0;
  // Number of live MappedRegions (to check lazy mapping and release).
  virtual int64_t LiveMappings() const = 0;
};

std::shared_ptr<MemFileSystem> NewMemFileSystem();

}  // namespace rmq
