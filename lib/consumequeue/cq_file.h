#pragma once
// One consume-queue file, mapped lazily. With 100,000 queues a store cannot
// keep every file mapped (vm.max_map_count is 65,530) nor fully allocated
// (10,000 queues x 6 MB = 60 GB): a CqFile maps itself on first use, lets the
// MappingCache unmap it when idle, and allocates disk blocks only a little
// ahead of its write position. Its length on disk is still RocketMQ's fixed
// file size, so RocketMQ reads it unchanged.
//
// Thread-safety: the flushed position is atomic; the mapping and the
// allocation are guarded by mutexes. Blocks are allocated by the appender
// (room for its units) and, ahead of it, by the dispatcher.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/fast_mutex.h"
#include "rmq/io/file_system.h"

namespace rmq {

class MappingCache;

class CqFile : public std::enable_shared_from_this<CqFile> {
 public:
  // `fs` and `cache` must outlive the file.
  CqFile(std::filesystem::path path, int64_t from, int64_t size, bool writable,
         FileSystem& fs, MappingCache& cache);
  CqFile(const CqFile&) = delete;
  CqFile& operator=(const CqFile&) = delete;

  // Creates the file on disk (sparse apart from `allocate_bytes`).
  absl::Status Create(uint64_t allocate_bytes);

  int64_t from() const { return from_; }
  int64_t size() const { return size_; }
  int64_t end() const { return from_ + size_; }
  const std::filesystem::path& path() const { return path_; }

  // How many bytes of units it holds is its ConsumeQueue's to know (the
  // queue's end): keeping a copy here cost the put path a cache line.
  int64_t flushed() const { return flushed_.load(std::memory_order_acquire); }
  void set_flushed(int64_t pos) {
    flushed_.store(pos, std::memory_order_release);
  }

  // The mapping, mapped now if the cache had released it. The returned
  // pointer is a pin: the mapping stays valid while it is held.
  absl::StatusOr<std::shared_ptr<MappedRegion>> Acquire();
  // Tells the cache the file is in use (Acquire does it too).
  void Touch();
  // Drops the file's own reference to its mapping (called by the cache).
  void Release();
  bool mapped() const;

  // Makes sure disk blocks exist for [0, pos + ahead) before writes up to
  // `pos` land through the mapping; `written` bytes hold units already.
  // Zeros are written only at and past allocated_to(), where no unit is.
  absl::Status EnsureAllocated(MappedRegion& region, int64_t written,
                               int64_t pos, int64_t ahead);
  // How far EnsureAllocated allocates past `pos`: a page for a new queue,
  // up to `ahead` for a busy one, so 100,000 mostly idle queues cost
  // 400 MB, not 6 GB.
  static int64_t AllocationStep(int64_t pos, int64_t ahead) {
    return std::clamp<int64_t>(pos, 4096, std::max<int64_t>(ahead, 4096));
  }
  // Disk blocks exist for [0, allocated_to()).
  int64_t allocated_to() const {
    return allocated_to_.load(std::memory_order_acquire);
  }

  // LRU bookkeeping for the cache.
  uint64_t last_used() const { return last_used_.load(); }
  void touch(uint64_t tick) { last_used_.store(tick); }

 private:
  const std::filesystem::path path_;
  const int64_t from_;
  const int64_t size_;
  const bool writable_;
  FileSystem& fs_;
  MappingCache& cache_;
  std::atomic<int64_t> flushed_{0};
  std::atomic<uint64_t> last_used_{0};
  FastMutex allocate_mu_;
  std::atomic<int64_t> allocated_to_{0};  // grows under allocate_mu_
  mutable FastMutex mu_;
  std::shared_ptr<MappedRegion> region_ ABSL_GUARDED_BY(mu_);
};

// Keeps at most `capacity` consume-queue files mapped; past that the least
// recently used quarter is released. Releasing is always safe, even for dirty
// files: their pages stay in the page cache, and a later Sync through a new
// mapping (msync) writes them back.
//
// Thread-safety: thread-safe.
class MappingCache {
 public:
  explicit MappingCache(int64_t capacity) : capacity_(capacity) {}
  MappingCache(const MappingCache&) = delete;
  MappingCache& operator=(const MappingCache&) = delete;

  // Registers a freshly mapped file; may release others.
  void Mapped(const std::shared_ptr<CqFile>& file);
  void Touch(CqFile& file) { file.touch(++tick_); }
  // Drops a file that is being deleted.
  void Forget(const CqFile* file);
  int64_t mapped_count() const;

 private:
  const int64_t capacity_;
  std::atomic<uint64_t> tick_{0};
  mutable FastMutex mu_;
  std::vector<std::weak_ptr<CqFile>> mapped_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rmq
