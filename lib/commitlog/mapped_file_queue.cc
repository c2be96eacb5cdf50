#include "commitlog/mapped_file_queue.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/file_names.h"
#include "base/status_macros.h"
#include "io/incomplete_file.h"

namespace rmq {
namespace {
// How far past the end a truncation looks to report what it dropped: enough
// for any torn tail, without reading a whole 1 GiB segment.
constexpr int64_t kDroppedScanLimit = 16 << 20;
}  // namespace

MappedFileQueue::MappedFileQueue(MappedFileQueueOptions options, FileSystem& fs)
    : options_(std::move(options)), fs_(fs), file_size_(options_.file_size) {}

std::filesystem::path MappedFileQueue::PathFor(int64_t from) const {
  return options_.dir / OffsetToFileName(from);
}

absl::Status MappedFileQueue::Load() {
  if (!fs_.Exists(options_.dir)) {
    if (!options_.writable) return absl::OkStatus();
    return fs_.CreateDirs(options_.dir);
  }
  RMQ_ASSIGN_OR_RETURN(std::vector<std::string> names, fs_.List(options_.dir));
  std::vector<std::pair<int64_t, std::string>> segments;
  for (const std::string& name : names) {
    if (auto from = FileNameToOffset(name)) segments.emplace_back(*from, name);
  }
  std::sort(segments.begin(), segments.end());
  std::vector<std::shared_ptr<MappedFile>> loaded;
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& [from, name] = segments[i];
    const std::filesystem::path path = options_.dir / name;
    RMQ_ASSIGN_OR_RETURN(uint64_t size, fs_.FileSize(path));
    if (i + 1 == segments.size() && options_.writable) {
      RMQ_ASSIGN_OR_RETURN(bool incomplete,
                           IsIncompleteCreation(fs_, path, file_size_));
      if (incomplete) {  // a crash while it was being created
        RMQ_RETURN_IF_ERROR(fs_.Remove(path));
        RMQ_RETURN_IF_ERROR(fs_.SyncDir(options_.dir));
        break;
      }
    }
    if (file_size_ == 0) file_size_ = static_cast<int64_t>(size);
    if (static_cast<int64_t>(size) != file_size_) {
      return absl::FailedPreconditionError(absl::StrCat(
          path.string(), " has ", size, " bytes but segments are ", file_size_,
          " bytes (mappedFileSizeCommitLog must match the existing files)"));
    }
    if (!loaded.empty() && loaded.back()->from() + file_size_ != from) {
      return absl::DataLossError(absl::StrCat(
          path.string(), ": segment does not follow ",
          loaded.back()->path().string(), " (a segment file is missing)"));
    }
    if (from % file_size_ != 0) {
      return absl::DataLossError(absl::StrCat(
          path.string(), ": start offset is not a multiple of ", file_size_));
    }
    RMQ_ASSIGN_OR_RETURN(auto file, MapExisting(path, from, file_size_));
    loaded.push_back(std::move(file));
  }
  FastWriterLock lock(&mu_);
  files_ = std::move(loaded);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<MappedFile>> MappedFileQueue::MapExisting(
    const std::filesystem::path& path, int64_t from, int64_t size) {
  MapOptions map_options;
  map_options.size = static_cast<uint64_t>(size);
  map_options.writable = options_.writable;
  map_options.create = false;
  RMQ_ASSIGN_OR_RETURN(auto region, fs_.Map(path, map_options));
  auto file = std::make_shared<MappedFile>(std::move(region), from);
  file->set_wrote(size);
  file->set_flushed(size);
  return file;
}

std::vector<std::shared_ptr<MappedFile>> MappedFileQueue::Files() const {
  FastReaderLock lock(&mu_);
  return files_;
}

std::shared_ptr<MappedFile> MappedFileQueue::First() const {
  FastReaderLock lock(&mu_);
  return files_.empty() ? nullptr : files_.front();
}

std::shared_ptr<MappedFile> MappedFileQueue::Last() const {
  FastReaderLock lock(&mu_);
  return files_.empty() ? nullptr : files_.back();
}

size_t MappedFileQueue::FileCount() const {
  FastReaderLock lock(&mu_);
  return files_.size();
}

std::shared_ptr<MappedFile> MappedFileQueue::FindByOffset(
    int64_t offset) const {
  FastReaderLock lock(&mu_);
  if (files_.empty() || offset < files_.front()->from() ||
      offset >= files_.back()->end()) {
    return nullptr;
  }
  const int64_t index = (offset - files_.front()->from()) / file_size_;
  return files_[static_cast<size_t>(index)];
}

int64_t MappedFileQueue::MinOffset() const {
  FastReaderLock lock(&mu_);
  return files_.empty() ? 0 : files_.front()->from();
}

int64_t MappedFileQueue::MaxOffset() const {
  FastReaderLock lock(&mu_);
  return files_.empty() ? 0 : files_.back()->from() + files_.back()->wrote();
}

absl::Status MappedFileQueue::Append(std::shared_ptr<MappedFile> file) {
  FastWriterLock lock(&mu_);
  if (!files_.empty() && files_.back()->end() != file->from()) {
    return absl::InternalError(absl::StrCat("segment ", file->path().string(),
                                            " does not follow ",
                                            files_.back()->path().string()));
  }
  if (file_size_ == 0) file_size_ = file->size();
  files_.push_back(std::move(file));
  return absl::OkStatus();
}

int64_t CountNonZero(std::span<const std::byte> bytes) {
  return std::count_if(bytes.begin(), bytes.end(),
                       [](std::byte b) { return b != std::byte{0}; });
}

absl::StatusOr<MappedFileQueue::TruncateResult> MappedFileQueue::Truncate(
    int64_t offset) {
  TruncateResult result;
  std::vector<std::shared_ptr<MappedFile>> removed;
  {
    FastWriterLock lock(&mu_);
    while (!files_.empty() && files_.back()->from() > offset) {
      removed.push_back(files_.back());
      files_.pop_back();
    }
  }
  for (const auto& file : removed) {
    result.bytes_dropped += CountNonZero(
        file->View(0, std::min<int64_t>(file->size(), kDroppedScanLimit)));
    ++result.files_removed;
    if (options_.writable) RMQ_RETURN_IF_ERROR(fs_.Remove(file->path()));
  }
  if (options_.writable && !removed.empty()) {
    RMQ_RETURN_IF_ERROR(fs_.SyncDir(options_.dir));
  }
  std::shared_ptr<MappedFile> tail = Last();
  if (tail != nullptr && offset < tail->end()) {
    const int64_t pos = offset - tail->from();
    const int64_t rest = tail->size() - pos;
    result.bytes_dropped +=
        CountNonZero(tail->View(pos, std::min(rest, kDroppedScanLimit)));
    if (options_.writable) {
      // Stale bytes past the end must never be read as records later (after
      // new appends they could line up with a record boundary).
      RMQ_RETURN_IF_ERROR(tail->region().ZeroRange(pos, rest));
      RMQ_RETURN_IF_ERROR(tail->region().Sync(pos, rest));
    }
    tail->set_wrote(pos);
    tail->set_flushed(pos);
  }
  return result;
}

absl::Status MappedFileQueue::DeleteFirst() {
  std::shared_ptr<MappedFile> first;
  {
    FastWriterLock lock(&mu_);
    if (files_.size() <= 1) {
      return absl::FailedPreconditionError("never deletes the last segment");
    }
    first = files_.front();
    files_.erase(files_.begin());
  }
  RMQ_RETURN_IF_ERROR(fs_.Remove(first->path()));
  return fs_.SyncDir(options_.dir);
}

}  // namespace rmq
