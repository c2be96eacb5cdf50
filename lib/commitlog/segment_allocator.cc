#include "commitlog/segment_allocator.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/file_names.h"
#include "base/status_macros.h"
#include "commitlog/mapped_file_queue.h"

namespace rmq {

SegmentAllocator::SegmentAllocator(SegmentAllocatorOptions options,
                                   FileSystem& fs, Logger& logger)
    : options_(std::move(options)),
      fs_(fs),
      logger_(logger),
      ready_(absl::UnknownError("no segment")) {
  if (options_.background) {
    thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
  }
}

SegmentAllocator::~SegmentAllocator() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  absl::Status removed = RemovePending();
  if (!removed.ok()) {
    logger_.Log(
        LogLevel::kWarn,
        absl::StrCat("removing a pre-created segment: ", removed.ToString()));
  }
}

absl::Status SegmentAllocator::RemovePending() {
  std::shared_ptr<MappedFile> pending;
  {
    absl::MutexLock lock(&mu_);
    if (ready_from_.has_value() && ready_.ok()) pending = *ready_;
    ready_from_.reset();
    ready_ = absl::UnknownError("no segment");
  }
  if (pending == nullptr) return absl::OkStatus();
  const std::filesystem::path path = pending->path();
  pending.reset();
  RMQ_RETURN_IF_ERROR(fs_.Remove(path));
  return fs_.SyncDir(options_.dir);
}

absl::StatusOr<std::shared_ptr<MappedFile>> SegmentAllocator::Create(
    int64_t from) {
  MapOptions map_options;
  map_options.size = static_cast<uint64_t>(options_.file_size);
  map_options.create = true;
  const std::filesystem::path path = options_.dir / OffsetToFileName(from);
  if (fs_.Exists(path)) {
    // Left by a run that pre-created it and crashed: reuse it only if empty.
    map_options.create = false;
  }
  if (options_.write_zeros) map_options.allocate_bytes = 0;
  RMQ_ASSIGN_OR_RETURN(auto region, fs_.Map(path, map_options));
  if (!map_options.create &&
      CountNonZero(std::span<const std::byte>(region->bytes())
                       .first(std::min<size_t>(4096, region->size()))) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        path.string(), " already exists and holds data past the log end"));
  }
  if (options_.write_zeros && map_options.create) {
    RMQ_RETURN_IF_ERROR(region->AllocateZeroed(0, region->size()));
  }
  return std::make_shared<MappedFile>(std::move(region), from);
}

absl::StatusOr<std::shared_ptr<MappedFile>> SegmentAllocator::Take(
    int64_t from) {
  absl::StatusOr<std::shared_ptr<MappedFile>> result =
      absl::UnknownError("no segment");
  {
    absl::MutexLock lock(&mu_);
    // Not started yet: we create it ourselves rather than race the thread
    // for the same file.
    if (requested_ == from) requested_.reset();
    auto settled = [this]()
                       ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !creating_; };
    mu_.Await(absl::Condition(&settled));
    if (ready_from_ == from) {
      result = std::move(ready_);
      ready_from_.reset();
      ready_ = absl::UnknownError("no segment");
    } else if (ready_from_.has_value()) {
      // A segment for another offset (the log was truncated): not ours.
      logger_.Log(
          LogLevel::kInfo,
          absl::StrCat("discarding pre-created segment at ", *ready_from_));
    }
  }
  if (!result.ok()) {
    absl::Status removed = RemovePending();
    if (!removed.ok()) return removed;
    result = Create(from);
  }
  if (result.ok() && options_.background) {
    absl::MutexLock lock(&mu_);
    requested_ = from + options_.file_size;
  }
  return result;
}

void SegmentAllocator::Request(int64_t from) {
  if (!options_.background) return;
  absl::MutexLock lock(&mu_);
  if (!ready_from_.has_value() && !creating_) requested_ = from;
}

void SegmentAllocator::Run(std::stop_token stop) {
  while (true) {
    int64_t from = 0;
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || requested_.has_value();
      };
      mu_.Await(absl::Condition(&has_work));
      if (stopping_ || stop.stop_requested()) return;
      from = *requested_;
      requested_.reset();
      creating_ = true;
    }
    auto created = Create(from);
    if (!created.ok()) {
      logger_.Log(LogLevel::kWarn,
                  absl::StrCat("pre-creating segment ", from, ": ",
                               created.status().ToString()));
    }
    absl::MutexLock lock(&mu_);
    creating_ = false;
    if (created.ok()) {
      ready_from_ = from;
      ready_ = std::move(created);
    }
  }
}

}  // namespace rmq
