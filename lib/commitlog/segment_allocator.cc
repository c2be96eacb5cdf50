#include "commitlog/segment_allocator.h"

#include <algorithm>
#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "base/file_names.h"
#include "base/status_macros.h"
#include "base/thread_name.h"
#include "base/thread_priority.h"
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
  if (options_.background && options_.preload) {
    preloader_ =
        std::jthread([this](std::stop_token stop) { RunPreload(stop); });
  }
}

SegmentAllocator::~SegmentAllocator() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::jthread* t : {&thread_, &preloader_}) {
    if (t->joinable()) {
      t->request_stop();
      t->join();
    }
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
    int64_t from, int64_t prefault) {
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
  // Best effort, like the populating that follows the writer.
  const uint64_t first = static_cast<uint64_t>(
      std::clamp<int64_t>(prefault, 0, options_.file_size));
  absl::Status faulted =
      first > 0 ? region->Prefault(0, first, MappedRegion::FaultIn::kWritable)
                : absl::OkStatus();
  if (!faulted.ok()) {
    logger_.Log(LogLevel::kWarn,
                absl::StrCat("populating a new segment: ", faulted.ToString()));
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
      // Its head is faulted in as far as PopulateNext got.
      if (ready_.ok()) RememberHead(*ready_, next_populated_);
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
    result = Create(from, options_.populate_first);  // the writer needs it
    if (result.ok()) {
      absl::MutexLock lock(&mu_);
      RememberHead(*result, options_.populate_first);
    }
  }
  return result;
}

void SegmentAllocator::Request(int64_t from) {
  if (!options_.background) return;
  absl::MutexLock lock(&mu_);
  if (!ready_from_.has_value() && !creating_) requested_ = from;
}

void SegmentAllocator::Populate(std::shared_ptr<MappedFile> file, int64_t upto,
                                int64_t preload_upto) {
  if (!options_.background || file == nullptr) return;
  absl::MutexLock lock(&mu_);
  if (populate_file_ != file) {
    // What was faulted in before the writer took it is not walked again.
    populated_ = file == head_file_ ? head_populated_ : 0;
    head_file_.reset();
    populate_file_ = std::move(file);
    populate_upto_ = 0;
    preloaded_ = populated_;
    preload_upto_ = 0;
  }
  last_request_ = std::chrono::steady_clock::now();
  const int64_t size = populate_file_->size();
  populate_upto_ = std::clamp<int64_t>(upto, populate_upto_, size);
  preload_upto_ = std::clamp<int64_t>(preload_upto, preload_upto_, size);
  if (preload_upto > size && !preload_next_from_.has_value()) {
    preload_next_from_ = populate_file_->end();
  }
}

void SegmentAllocator::RememberHead(std::shared_ptr<MappedFile> file,
                                    int64_t populated) {
  // Whatever head populating was asked for concerned this segment.
  next_populated_ = 0;
  next_upto_ = 0;
  preload_next_from_.reset();
  preload_next_asked_ = false;
  next_preloaded_ = 0;
  head_file_ = std::move(file);
  head_populated_ = populated;
}

void SegmentAllocator::PopulateNext(int64_t upto) {
  if (!options_.background) return;
  absl::MutexLock lock(&mu_);
  next_upto_ = std::clamp<int64_t>(upto, next_upto_, HeadBytes());
}

bool SegmentAllocator::HasPopulateWork() const {
  return (populate_file_ != nullptr && populated_ < populate_upto_) ||
         (ready_from_.has_value() && ready_.ok() &&
          next_populated_ < next_upto_);
}

int64_t SegmentAllocator::PreloadFrom() const {
  return std::max({preloaded_, populated_, populate_file_->wrote()});
}

int64_t SegmentAllocator::HeadBytes() const {
  return std::min(options_.populate_first, options_.file_size);
}

bool SegmentAllocator::NextToCreate() const {
  return preload_next_from_.has_value() && !preload_next_asked_ &&
         !ready_from_.has_value() && !creating_ && !requested_.has_value();
}

bool SegmentAllocator::NextHeadToPreload() const {
  return preload_next_from_.has_value() && ready_from_ == preload_next_from_ &&
         ready_.ok() &&
         std::max(next_preloaded_, next_populated_) < HeadBytes();
}

bool SegmentAllocator::HasPreloadWork() const {
  return (populate_file_ != nullptr && PreloadFrom() < preload_upto_) ||
         NextToCreate() || NextHeadToPreload();
}

absl::Duration SegmentAllocator::UntilIdle() const {
  return options_.preload_after_idle -
         absl::FromChrono(std::chrono::steady_clock::now() - last_request_);
}

SegmentAllocator::PopulateChunk SegmentAllocator::NextPopulateChunk() {
  PopulateChunk chunk;
  if (populate_file_ == nullptr || populated_ >= populate_upto_) {
    // The writer's segment is done: the next one's head, if asked for.
    if (!ready_from_.has_value() || !ready_.ok() ||
        next_populated_ >= next_upto_) {
      return chunk;
    }
    chunk.file = *ready_;
    chunk.begin = next_populated_;
    chunk.end = std::min(chunk.begin + kPopulateChunk, next_upto_);
    next_populated_ = chunk.end;
    return chunk;
  }
  // Pages the writer has already passed fault in by themselves.
  chunk.begin = std::max(populated_, populate_file_->wrote());
  chunk.end = std::min(chunk.begin + kPopulateChunk, populate_upto_);
  chunk.file = populate_file_;
  populated_ = std::max(chunk.begin, chunk.end);
  if (populated_ >= populate_upto_ && populated_ >= populate_file_->size()) {
    populate_file_.reset();  // done with it: do not keep it mapped
  }
  return chunk;
}

SegmentAllocator::PopulateChunk SegmentAllocator::NextPreloadChunk() {
  PopulateChunk chunk;
  chunk.mode = MappedRegion::FaultIn::kReadOnly;
  if (populate_file_ != nullptr && PreloadFrom() < preload_upto_) {
    chunk.begin = PreloadFrom();
    chunk.end = std::min(chunk.begin + kPopulateChunk, preload_upto_);
    chunk.file = populate_file_;
    preloaded_ = std::max(chunk.begin, chunk.end);
  } else if (NextToCreate()) {
    // The creating thread makes it (an empty chunk here); its head follows.
    requested_ = preload_next_from_;
    preload_next_asked_ = true;
  } else if (NextHeadToPreload()) {
    chunk.begin = std::max(next_preloaded_, next_populated_);
    chunk.end = std::min(chunk.begin + kPopulateChunk, HeadBytes());
    chunk.file = *ready_;
    next_preloaded_ = chunk.end;
  }
  return chunk;
}

void SegmentAllocator::RunPopulate(const PopulateChunk& chunk) {
  if (chunk.end <= chunk.begin) return;
  absl::Status faulted = chunk.file->region().Prefault(
      static_cast<uint64_t>(chunk.begin),
      static_cast<uint64_t>(chunk.end - chunk.begin), chunk.mode);
  if (faulted.ok()) return;
  logger_.Log(LogLevel::kWarn, absl::StrCat("populating ahead of the writer: ",
                                            faulted.ToString()));
  absl::MutexLock lock(&mu_);
  const bool next_head = ready_.ok() && *ready_ == chunk.file;
  if (next_head && chunk.mode == MappedRegion::FaultIn::kReadOnly) {
    preload_next_from_.reset();  // the writer faults it in when it gets there
  }
  if (populate_file_ != chunk.file) return;
  if (chunk.mode == MappedRegion::FaultIn::kReadOnly) {
    preload_upto_ = 0;  // the writer's own populating goes on
  } else {
    populate_file_.reset();
  }
}

void SegmentAllocator::CreateRequested(int64_t from) {
  // Its head is faulted in later, when the writer nears it (PopulateNext).
  auto created = Create(from, 0);
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

void SegmentAllocator::Run(std::stop_token stop) {
  NameThisThread("AllocateMapFile");
  while (true) {
    std::optional<int64_t> create;
    PopulateChunk populate;
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || requested_.has_value() || HasPopulateWork();
      };
      mu_.Await(absl::Condition(&has_work));
      if (stopping_ || stop.stop_requested()) return;
      if (requested_.has_value()) {  // a roll may wait on it: first
        create = requested_;
        requested_.reset();
        creating_ = true;
      } else {
        populate = NextPopulateChunk();
      }
    }
    if (create.has_value()) {
      CreateRequested(*create);
    } else {
      RunPopulate(populate);
    }
  }
}

void SegmentAllocator::RunPreload(std::stop_token stop) {
  NameThisThread("PreloadMapFile");
  // The lowest priority an unprivileged thread can take (and never give
  // back, hence a thread of its own): preloading is for CPU nobody else
  // wants. (It did not cure the SYNC_FLUSH p99 that turned preloading off
  // there, docs/design/io.md.)
  LowerThisThreadPriority(kIdleNice);
  while (true) {
    PopulateChunk chunk;
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || HasPreloadWork();
      };
      auto stopping = [this]()
                          ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
      while (true) {
        mu_.Await(absl::Condition(&has_work));
        if (stopping_ || stop.stop_requested()) return;
        // It waits until the writer has asked for nothing for a while: beside
        // a busy writer it only took CPU and fresh memory (docs/design/io.md).
        const absl::Duration wait = UntilIdle();
        if (wait <= absl::ZeroDuration()) break;
        mu_.AwaitWithTimeout(absl::Condition(&stopping), wait);
      }
      chunk = NextPreloadChunk();
    }
    RunPopulate(chunk);
  }
}

}  // namespace rmq
