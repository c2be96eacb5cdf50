#include "consumequeue/cq_file.h"

#include <algorithm>
#include <utility>

#include "base/status_macros.h"

namespace rmq {

CqFile::CqFile(std::filesystem::path path, int64_t from, int64_t size,
               bool writable, FileSystem& fs, MappingCache& cache)
    : path_(std::move(path)),
      from_(from),
      size_(size),
      writable_(writable),
      fs_(fs),
      cache_(cache) {}

absl::Status CqFile::Create(uint64_t allocate_bytes) {
  MapOptions options;
  options.size = static_cast<uint64_t>(size_);
  options.create = true;
  options.writable = true;
  options.allocate_bytes = allocate_bytes;
  options.sync_dir = false;  // the consume-queue flusher syncs directories
  options.keep_fd = false;   // tens of thousands may be mapped
  RMQ_ASSIGN_OR_RETURN(std::unique_ptr<MappedRegion> region,
                       fs_.Map(path_, options));
  allocated_to_.store(static_cast<int64_t>(std::min<uint64_t>(
                          allocate_bytes, static_cast<uint64_t>(size_))),
                      std::memory_order_release);
  {
    FastMutexLock lock(&mu_);
    region_ = std::move(region);
  }
  cache_.Touch(*this);
  cache_.Mapped(shared_from_this());
  return absl::OkStatus();
}

void CqFile::Touch() { cache_.Touch(*this); }

absl::StatusOr<std::shared_ptr<MappedRegion>> CqFile::Acquire() {
  Touch();
  {
    FastMutexLock lock(&mu_);
    if (region_ != nullptr) return region_;
  }
  MapOptions options;
  options.size = static_cast<uint64_t>(size_);
  options.create = false;
  options.writable = writable_;
  options.keep_fd = false;
  RMQ_ASSIGN_OR_RETURN(std::unique_ptr<MappedRegion> mapped,
                       fs_.Map(path_, options));
  std::shared_ptr<MappedRegion> region;
  {
    FastMutexLock lock(&mu_);
    if (region_ == nullptr) region_ = std::move(mapped);
    region = region_;
  }
  // Outside our mutex: the cache may release other files, taking theirs.
  cache_.Mapped(shared_from_this());
  return region;
}

void CqFile::Release() {
  std::shared_ptr<MappedRegion> dropped;
  FastMutexLock lock(&mu_);
  dropped.swap(region_);
}

bool CqFile::mapped() const {
  FastMutexLock lock(&mu_);
  return region_ != nullptr;
}

absl::Status CqFile::EnsureAllocated(MappedRegion& region, int64_t written,
                                     int64_t pos, int64_t ahead) {
  if (pos <= allocated_to()) return absl::OkStatus();
  FastMutexLock lock(&allocate_mu_);
  const int64_t allocated = allocated_to_.load(std::memory_order_relaxed);
  if (pos <= allocated) return absl::OkStatus();
  // Zeros go only where nothing was written: past the write position (after
  // a restart allocated_to_ is 0 and the file's own extent is unknown).
  const int64_t start = std::max(allocated, written);
  const int64_t end = std::min(size_, pos + AllocationStep(pos, ahead));
  if (end <= start) return absl::OkStatus();
  // Written zeros, not fallocate: see MappedRegion::AllocateZeroed.
  RMQ_RETURN_IF_ERROR(region.AllocateZeroed(start, end - start));
  allocated_to_.store(end, std::memory_order_release);
  return absl::OkStatus();
}

void MappingCache::Mapped(const std::shared_ptr<CqFile>& file) {
  std::vector<std::shared_ptr<CqFile>> victims;
  {
    FastMutexLock lock(&mu_);
    mapped_.push_back(file);
    if (static_cast<int64_t>(mapped_.size()) <= capacity_) return;
    std::vector<std::shared_ptr<CqFile>> files;
    files.reserve(mapped_.size());
    for (const auto& weak : mapped_) {
      if (auto f = weak.lock(); f != nullptr && f->mapped()) {
        files.push_back(std::move(f));
      }
    }
    std::sort(files.begin(), files.end());
    files.erase(std::unique(files.begin(), files.end()), files.end());
    // Sorted by a snapshot of each file's last use: other threads touch the
    // files meanwhile, and a sort whose keys change under it is undefined
    // (ASan caught it reading past the vector once files were created on a
    // thread of their own).
    std::vector<std::pair<uint64_t, std::shared_ptr<CqFile>>> live;
    live.reserve(files.size());
    for (auto& f : files) {
      const uint64_t used = f->last_used();
      live.emplace_back(used, std::move(f));
    }
    std::sort(live.begin(), live.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first
                                : a.second.get() < b.second.get();
    });
    const size_t keep = static_cast<size_t>(capacity_ * 3 / 4);
    const size_t drop = live.size() > keep ? live.size() - keep : 0;
    for (size_t i = 0; i < drop; ++i) victims.push_back(live[i].second);
    mapped_.clear();
    for (size_t i = drop; i < live.size(); ++i) {
      mapped_.push_back(live[i].second);
    }
  }
  for (const auto& victim : victims) victim->Release();
}

void MappingCache::Forget(const CqFile* file) {
  FastMutexLock lock(&mu_);
  std::erase_if(mapped_, [file](const std::weak_ptr<CqFile>& weak) {
    auto f = weak.lock();
    return f == nullptr || f.get() == file;
  });
}

int64_t MappingCache::mapped_count() const {
  FastMutexLock lock(&mu_);
  return static_cast<int64_t>(mapped_.size());
}

}  // namespace rmq
