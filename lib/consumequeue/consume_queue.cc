#include "consumequeue/consume_queue.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/file_names.h"
#include "base/status_macros.h"
#include "consumequeue/ahead_creator.h"
#include "io/incomplete_file.h"

namespace rmq {
namespace {
constexpr int64_t kUnit = CqUnit::kSize;
constexpr int64_t kPage = 4096;
}  // namespace

ConsumeQueue::ConsumeQueue(std::string topic, int32_t queue_id,
                           ConsumeQueueOptions options, FileSystem& fs,
                           MappingCache& cache, Logger& logger)
    : topic_(std::move(topic)),
      queue_id_(queue_id),
      options_(std::move(options)),
      fs_(fs),
      cache_(cache),
      logger_(logger) {}

std::vector<std::shared_ptr<CqFile>> ConsumeQueue::Files() const {
  FastMutexLock lock(&mu_);
  return files_;
}

int64_t ConsumeQueue::FileCount() const {
  FastMutexLock lock(&mu_);
  return static_cast<int64_t>(files_.size());
}

absl::Status ConsumeQueue::Load() {
  if (!fs_.Exists(options_.dir)) return absl::OkStatus();
  RMQ_ASSIGN_OR_RETURN(std::vector<std::string> names, fs_.List(options_.dir));
  std::vector<int64_t> starts;
  for (const std::string& name : names) {
    if (auto from = FileNameToOffset(name)) starts.push_back(*from);
  }
  std::sort(starts.begin(), starts.end());
  std::vector<std::shared_ptr<CqFile>> files;
  for (int64_t from : starts) {
    const std::filesystem::path path = options_.dir / OffsetToFileName(from);
    if (from == starts.back() && options_.writable) {
      RMQ_ASSIGN_OR_RETURN(
          bool incomplete,
          IsIncompleteCreation(fs_, path,
                               static_cast<uint64_t>(options_.file_size)));
      if (incomplete) {  // a crash while it was being created
        RMQ_RETURN_IF_ERROR(fs_.Remove(path));
        RMQ_RETURN_IF_ERROR(fs_.SyncDir(options_.dir));
        break;
      }
    }
    RMQ_ASSIGN_OR_RETURN(uint64_t size, fs_.FileSize(path));
    if (static_cast<int64_t>(size) != options_.file_size) {
      return absl::FailedPreconditionError(absl::StrCat(
          path.string(), " has ", size, " bytes but consume-queue files are ",
          options_.file_size, " (mappedFileSizeConsumeQueue must match)"));
    }
    auto file = std::make_shared<CqFile>(path, from, options_.file_size,
                                         options_.writable, fs_, cache_);
    file->set_flushed(options_.file_size);
    files.push_back(std::move(file));
  }
  DropCursor();
  ForgetRoom();
  FastMutexLock lock(&mu_);
  files_ = std::move(files);
  if (!files_.empty()) {
    min_logic_offset_ = files_.front()->from();
    files_end_ = files_.back()->end();
    write_end_ = files_.back()->end();
  }
  return absl::OkStatus();
}

absl::Status ConsumeQueue::Recover() {
  const std::vector<std::shared_ptr<CqFile>> files = Files();
  if (files.empty()) return absl::OkStatus();
  size_t i = files.size() >= 3 ? files.size() - 3 : 0;
  int64_t end = files[i]->from();
  int64_t max_phy = -1;
  for (; i < files.size(); ++i) {
    CqFile& file = *files[i];
    RMQ_ASSIGN_OR_RETURN(auto region, file.Acquire());
    const std::byte* data = region->bytes().data();
    int64_t pos = 0;
    for (; pos + kUnit <= file.size(); pos += kUnit) {
      const CqUnit unit = CqUnit::DecodeFrom(data + pos);
      if (!unit.valid()) break;
      // Pre-blank units are "valid" to RocketMQ but point nowhere: they must
      // not raise max_phy (that would make real units look already written).
      if (!unit.blank()) max_phy = unit.phy_offset + unit.size;
    }
    end = file.from() + pos;
    if (pos < file.size()) break;
  }
  max_phy_offset_ = max_phy;
  RMQ_RETURN_IF_ERROR(TruncateAt(end));
  next_offset_ = MaxOffset();
  return absl::OkStatus();
}

absl::Status ConsumeQueue::TruncateAt(int64_t byte_offset) {
  DropCursor();
  ForgetRoom();
  std::vector<std::shared_ptr<CqFile>> removed;
  std::shared_ptr<CqFile> tail;
  {
    FastMutexLock lock(&mu_);
    while (!files_.empty() && files_.back()->from() > byte_offset) {
      removed.push_back(files_.back());
      files_.pop_back();
    }
    if (!files_.empty()) tail = files_.back();
  }
  for (const auto& file : removed) {
    cache_.Forget(file.get());
    file->Release();
    if (options_.writable) RMQ_RETURN_IF_ERROR(fs_.Remove(file->path()));
  }
  if (options_.writable && !removed.empty()) {
    RMQ_RETURN_IF_ERROR(fs_.SyncDir(options_.dir));
  }
  if (tail != nullptr && byte_offset < tail->end()) {
    const int64_t pos = byte_offset - tail->from();
    if (options_.writable) {
      RMQ_ASSIGN_OR_RETURN(auto region, tail->Acquire());
      // Erase stale units so a later recovery can never read them as ours.
      RMQ_RETURN_IF_ERROR(region->Discard(pos, tail->size() - pos));
      RMQ_RETURN_IF_ERROR(region->Sync(pos, tail->size() - pos));
    }
    tail->set_flushed(pos);
  }
  FastMutexLock lock(&mu_);
  files_end_ = files_.empty() ? 0 : files_.back()->end();
  write_end_ = files_.empty() ? 0 : std::min(byte_offset, files_end_.load());
  return absl::OkStatus();
}

absl::StatusOr<bool> ConsumeQueue::TruncateFrom(int64_t phy_offset) {
  if (max_phy_offset_ >= 0 && max_phy_offset_ <= phy_offset) return false;
  const std::vector<std::shared_ptr<CqFile>> files = Files();
  int64_t end = files.empty() ? 0 : files.front()->from();
  int64_t max_phy = -1;
  for (const auto& file : files) {
    RMQ_ASSIGN_OR_RETURN(auto region, file->Acquire());
    const std::byte* data = region->bytes().data();
    int64_t pos = 0;
    const int64_t wrote = WroteIn(*file);
    for (; pos + kUnit <= wrote; pos += kUnit) {
      const CqUnit unit = CqUnit::DecodeFrom(data + pos);
      if (!unit.valid() || (!unit.blank() && unit.phy_offset >= phy_offset)) {
        break;
      }
      if (!unit.blank()) max_phy = unit.phy_offset + unit.size;
    }
    end = file->from() + pos;
    if (pos < wrote) break;
  }
  const bool changed = end < MaxOffset() * kUnit;
  max_phy_offset_ = max_phy;
  RMQ_RETURN_IF_ERROR(TruncateAt(end));
  next_offset_ = MaxOffset();
  return changed;
}

absl::Status ConsumeQueue::TruncateUntrusted(
    int64_t trusted_below,
    const std::function<bool(const CqUnit&, int64_t)>& matches) {
  const int64_t min = MinOffset();
  const int64_t max = MaxOffset();
  int64_t keep = min;
  int64_t max_phy = -1;
  for (int64_t k = max - 1; k >= min; --k) {
    absl::StatusOr<CqUnit> unit = UnitAt(k);
    if (unit.ok() && unit->valid() && !unit->blank() &&
        unit->phy_offset < trusted_below && matches(*unit, k)) {
      keep = k + 1;
      max_phy = unit->phy_offset + unit->size;
      break;
    }
  }
  if (keep == max) return absl::OkStatus();
  RMQ_RETURN_IF_ERROR(TruncateAt(keep * kUnit));
  max_phy_offset_ = max_phy;
  next_offset_ = keep;
  return absl::OkStatus();
}

absl::Status ConsumeQueue::CorrectMinOffset(int64_t min_phy_offset) {
  const std::vector<std::shared_ptr<CqFile>> files = Files();
  if (files.empty()) return absl::OkStatus();
  CqFile& first = *files.front();
  RMQ_ASSIGN_OR_RETURN(auto region, first.Acquire());
  const std::byte* data = region->bytes().data();
  const int64_t wrote = WroteIn(first);
  for (int64_t pos = 0; pos + kUnit <= wrote; pos += kUnit) {
    const CqUnit unit = CqUnit::DecodeFrom(data + pos);
    if (unit.valid() && !unit.blank() && unit.phy_offset >= min_phy_offset) {
      min_logic_offset_ = first.from() + pos;
      return absl::OkStatus();
    }
  }
  min_logic_offset_ = std::max(min_logic_offset_.load(), first.from() + wrote);
  return absl::OkStatus();
}

int64_t ConsumeQueue::MinOffset() const { return min_logic_offset_ / kUnit; }

int64_t ConsumeQueue::MaxOffset() const {
  return write_end_.load(std::memory_order_acquire) / kUnit;
}

int64_t ConsumeQueue::WroteIn(const CqFile& file) const {
  return std::clamp<int64_t>(
      write_end_.load(std::memory_order_acquire) - file.from(), 0, file.size());
}

std::shared_ptr<CqFile> ConsumeQueue::FileFor(int64_t byte_offset) const {
  FastMutexLock lock(&mu_);
  auto it = std::upper_bound(files_.begin(), files_.end(), byte_offset,
                             [](int64_t off, const std::shared_ptr<CqFile>& f) {
                               return off < f->from();
                             });
  if (it == files_.begin()) return nullptr;
  --it;
  return byte_offset < (*it)->end() ? *it : nullptr;
}

absl::StatusOr<CqSlice> ConsumeQueue::ReadFrom(int64_t queue_offset) const {
  const int64_t byte_offset = queue_offset * kUnit;
  std::shared_ptr<CqFile> file = FileFor(byte_offset);
  if (file == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("consume queue ", topic_, "/", queue_id_,
                     " has no file for offset ", queue_offset));
  }
  RMQ_ASSIGN_OR_RETURN(auto region, file->Acquire());
  const int64_t pos = byte_offset - file->from();
  CqSlice slice;
  slice.units = std::max<int64_t>(0, (WroteIn(*file) - pos) / kUnit);
  slice.data = region->bytes().data() + pos;
  slice.first_index = queue_offset;
  slice.pin = std::move(region);
  return slice;
}

absl::StatusOr<CqUnit> ConsumeQueue::UnitAt(int64_t queue_offset) const {
  RMQ_ASSIGN_OR_RETURN(CqSlice slice, ReadFrom(queue_offset));
  if (slice.units == 0) {
    return absl::OutOfRangeError(absl::StrCat("consume queue ", topic_, "/",
                                              queue_id_, " has no unit ",
                                              queue_offset));
  }
  return slice.at(0);
}

absl::StatusOr<std::shared_ptr<CqFile>> ConsumeQueue::NewFile(int64_t from) {
  std::shared_ptr<CqFile> file = TakePending(from);
  if (file == nullptr) {
    RMQ_ASSIGN_OR_RETURN(file, CreateFile(from));
  }
  FastMutexLock lock(&mu_);
  files_.push_back(file);
  files_end_ = file->end();
  // A first file may start past 0: the queue's end is where it starts. (A
  // later file is listed while the dispatcher still writes the one before.)
  if (files_.size() == 1 &&
      write_end_.load(std::memory_order_relaxed) < file->from()) {
    write_end_.store(file->from(), std::memory_order_release);
  }
  return file;
}

absl::StatusOr<std::shared_ptr<CqFile>> ConsumeQueue::CreateFile(int64_t from) {
  if (!options_.writable) {
    return absl::FailedPreconditionError("consume queue is read-only");
  }
  // Thousands of queues may be created at once: their directories are
  // synced by the consume-queue flusher, before the checkpoint counts them.
  RMQ_RETURN_IF_ERROR(fs_.CreateDirsNoSync(options_.dir));
  auto file =
      std::make_shared<CqFile>(options_.dir / OffsetToFileName(from), from,
                               options_.file_size, true, fs_, cache_);
  // Blocks come later, a page at first, from EnsureAllocated.
  RMQ_RETURN_IF_ERROR(file->Create(0));
  dir_unsynced_ = true;
  return file;
}

absl::Status ConsumeQueue::Prepare() {
  if (FileCount() > 0) return absl::OkStatus();
  return CreateFirstFile(next_offset());
}

absl::Status ConsumeQueue::CreateFirstFile(int64_t queue_offset) {
  const int64_t expected = queue_offset * kUnit;
  const int64_t from = expected - expected % options_.file_size;
  RMQ_ASSIGN_OR_RETURN(auto file, NewFile(from));
  min_logic_offset_ = expected;
  return FillPreBlank(*file, expected - from);
}

absl::StatusOr<std::shared_ptr<CqFile>> ConsumeQueue::WritableFileFor(
    int64_t byte_offset) {
  std::shared_ptr<CqFile> last;
  {
    FastMutexLock lock(&mu_);
    if (!files_.empty()) last = files_.back();
  }
  if (last == nullptr) {
    RMQ_RETURN_IF_ERROR(CreateFirstFile(byte_offset / kUnit));
    FastMutexLock lock(&mu_);
    return files_.back();
  }
  if (IsFull(*last)) return NewFile(last->end());
  return last;
}

absl::Status ConsumeQueue::FillPreBlank(CqFile& file, int64_t upto) {
  const CqUnit blank{0, CqUnit::kBlankSize, 0};
  for (int64_t pos = 0; pos < upto; pos += kUnit) {
    RMQ_RETURN_IF_ERROR(WriteAt(file, pos, blank));
  }
  return absl::OkStatus();
}

absl::Status ConsumeQueue::WriteAt(CqFile& file, int64_t pos,
                                   const CqUnit& unit) {
  RMQ_ASSIGN_OR_RETURN(auto region, file.Acquire());
  RMQ_RETURN_IF_ERROR(file.EnsureAllocated(*region, WroteIn(file), pos + kUnit,
                                           options_.allocate_ahead));
  unit.EncodeTo(region->bytes().data() + pos);
  write_end_.store(file.from() + pos + kUnit, std::memory_order_release);
  return absl::OkStatus();
}

absl::Status ConsumeQueue::PrepareUnitsSlow(int64_t first, int64_t count) {
  const int64_t end = (first + count) * kUnit;
  // The batch may spill into the next file: it is created and listed now,
  // while the dispatcher may still be writing the one before.
  for (int64_t pos = first * kUnit; pos < end;) {
    RMQ_ASSIGN_OR_RETURN(std::shared_ptr<CqFile> file, RoomFileFor(pos));
    const int64_t need = std::min(end, file->end()) - file->from();
    if (need > file->allocated_to()) {  // the dispatcher did not get here
      RMQ_ASSIGN_OR_RETURN(auto region, file->Acquire());
      // Zeros land at and past allocated_to(), which is past every unit
      // room was made for: the dispatcher never writes there.
      RMQ_RETURN_IF_ERROR(file->EnsureAllocated(*region, WroteIn(*file), need,
                                                options_.allocate_ahead));
    }
    room_end_ = (file->from() + file->allocated_to()) / kUnit;
    pos = file->end();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<CqFile>> ConsumeQueue::RoomFileFor(int64_t pos) {
  if (room_file_ != nullptr && pos >= room_file_->from() &&
      pos < room_file_->end()) {
    return room_file_;
  }
  std::shared_ptr<CqFile> file = FileFor(pos);
  if (file == nullptr) {
    if (FileCount() == 0) {
      RMQ_RETURN_IF_ERROR(CreateFirstFile(pos / kUnit));
      file = FileFor(pos);
    } else if (pos == files_end_.load()) {
      RMQ_ASSIGN_OR_RETURN(file, NewFile(pos));
    }
  }
  if (file == nullptr) {
    return absl::InternalError(absl::StrCat(
        "[BUG] consume queue ", topic_, "/", queue_id_, ": no room at byte ",
        pos, ", its files end at ", files_end_.load()));
  }
  room_file_ = file;
  return file;
}

void ConsumeQueue::ForgetRoom() {
  room_file_.reset();
  room_end_ = 0;
}

std::shared_ptr<CqFile> ConsumeQueue::TakePending(int64_t from) {
  FastMutexLock lock(&pending_mu_);
  if (pending_next_ == nullptr || pending_next_->from() != from) return nullptr;
  return std::move(pending_next_);
}

void ConsumeQueue::PrepareAhead() {
  const int64_t files_end = files_end_.load(std::memory_order_relaxed);
  if (files_end - next_offset() * kUnit > kAheadBytes || files_end == 0 ||
      !options_.writable) {
    return;
  }
  if (options_.ahead_creator == nullptr) {
    CreateAhead();
    return;
  }
  // Once per file: the window is thousands of puts long.
  if (ahead_requested_.load(std::memory_order_relaxed) == files_end ||
      ahead_requested_.exchange(files_end, std::memory_order_relaxed) ==
          files_end) {
    return;
  }
  options_.ahead_creator->Request(*this);
}

void ConsumeQueue::CreateAhead() {
  const int64_t files_end = files_end_.load(std::memory_order_relaxed);
  if (files_end == 0 || !options_.writable) return;
  if (!pending_mu_.TryLock()) return;  // another thread is on it
  if (pending_next_ == nullptr || pending_next_->from() != files_end) {
    absl::StatusOr<std::shared_ptr<CqFile>> next = CreateFile(files_end);
    if (next.ok()) {
      pending_next_ = *std::move(next);
    } else {  // the appender will try again under its lock and report it
      logger_.Log(LogLevel::kWarn,
                  absl::StrCat("pre-creating a file of ", topic_, "/",
                               queue_id_, ": ", next.status().ToString()));
    }
  }
  pending_mu_.Unlock();
}

void ConsumeQueue::ReleasePin() { DropCursor(); }

void ConsumeQueue::DropCursor() {
  cursor_ = nullptr;
  cursor_end_ = 0;
  prepared_region_.reset();
}

void ConsumeQueue::AimCursor(const std::shared_ptr<CqFile>& file) {
  absl::StatusOr<std::shared_ptr<MappedRegion>> region = file->Acquire();
  if (!region.ok()) return;  // the next unit takes the slow path again
  const int64_t write_end = write_end_.load(std::memory_order_relaxed);
  if (write_end < file->from() || write_end >= file->end()) return;
  const int64_t next = write_end - file->from();
  // Allocate ahead of the appender, here rather than on the put path: it
  // then finds room made (a failure here leaves it to the appender, whose
  // put fails cleanly). The cursor stops `margin` short of the allocated
  // end, so this runs again before the appender gets there.
  const int64_t margin =
      CqFile::AllocationStep(next, options_.allocate_ahead) / 2;
  (void)file->EnsureAllocated(**region, next, next + margin,
                              options_.allocate_ahead);
  const int64_t allocated = std::min(file->allocated_to(), file->size());
  prepared_region_ = *std::move(region);
  cursor_ = prepared_region_->bytes().data() + next;
  // Never past what has disk blocks: room was made there, by the appender,
  // by this, or by WriteAt (recovery).
  cursor_end_ = file->from() +
                (allocated == file->size() ? allocated : allocated - margin);
}

absl::Status ConsumeQueue::PutUnitSlow(int64_t queue_offset,
                                       const CqUnit& unit) {
  DropCursor();  // it points at the old end, or into the previous file
  if (unit.phy_offset + unit.size <= max_phy_offset_) {
    return absl::OkStatus();  // already there (re-dispatch after recovery)
  }
  const int64_t expected = queue_offset * kUnit;
  // The file holding the unit; the appender may have listed later ones.
  std::shared_ptr<CqFile> file = FileFor(expected);
  if (file == nullptr) {  // nothing made room: recovery
    RMQ_ASSIGN_OR_RETURN(file, WritableFileFor(expected));
  }
  int64_t current = file->from() + WroteIn(*file);
  if (queue_offset != 0 && expected < current) return absl::OkStatus();
  if (current == file->from() && expected > current && expected < file->end() &&
      FileCount() == 1) {
    // The queue's only file lost its units (truncated after a crash): the
    // queue restarts past its beginning, as a first file does (§4.3).
    RMQ_RETURN_IF_ERROR(FillPreBlank(*file, expected - file->from()));
    current = expected;
  }
  if (expected != current) {
    logger_.Log(LogLevel::kError,
                absl::StrCat("[BUG] consume queue ", topic_, "/", queue_id_,
                             ": unit ", queue_offset, " lands at byte ",
                             current, ", expected ", expected));
  }
  RMQ_RETURN_IF_ERROR(WriteAt(*file, current - file->from(), unit));
  max_phy_offset_ = unit.phy_offset + unit.size;
  if (pin_kept_) AimCursor(file);
  return absl::OkStatus();
}

bool ConsumeQueue::dirty() const {
  FastMutexLock lock(&mu_);
  for (const auto& file : files_) {
    if (file->flushed() < WroteIn(*file)) return true;
  }
  return false;
}

ConsumeQueue::WrittenSnapshot ConsumeQueue::SnapshotWritten() const {
  WrittenSnapshot snapshot;
  for (const std::shared_ptr<CqFile>& file : Files()) {
    if (const int64_t wrote = WroteIn(*file); file->flushed() < wrote) {
      snapshot.emplace_back(file, wrote);
    }
  }
  return snapshot;
}

void ConsumeQueue::MarkSynced(const WrittenSnapshot& snapshot) {
  for (const auto& [file, wrote] : snapshot) {
    file->set_flushed(std::max(file->flushed(), wrote));
  }
}

bool ConsumeQueue::NeedsFlush(int least_pages) const {
  for (const std::shared_ptr<CqFile>& file : Files()) {
    const int64_t wrote = WroteIn(*file);
    const int64_t flushed = file->flushed();
    if (flushed >= wrote) continue;
    if (wrote == file->size() || least_pages <= 0 ||
        wrote / kPage - flushed / kPage >= least_pages) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<bool> ConsumeQueue::Flush(int least_pages) {
  for (const std::shared_ptr<CqFile>& file : Files()) {
    const int64_t wrote = WroteIn(*file);
    const int64_t flushed = file->flushed();
    if (flushed >= wrote) continue;
    const bool full = wrote == file->size();
    if (!full && least_pages > 0 &&
        wrote / kPage - flushed / kPage < least_pages) {
      return false;
    }
    RMQ_ASSIGN_OR_RETURN(auto region, file->Acquire());
    RMQ_RETURN_IF_ERROR(region->Sync(flushed, wrote - flushed));
    file->set_flushed(wrote);
  }
  return true;
}

absl::StatusOr<int> ConsumeQueue::DeleteFilesBelow(int64_t min_phy_offset) {
  int deleted = 0;
  while (true) {
    std::shared_ptr<CqFile> first;
    {
      FastMutexLock lock(&mu_);
      if (files_.size() <= 1) break;
      first = files_.front();
    }
    RMQ_ASSIGN_OR_RETURN(auto region, first->Acquire());
    const int64_t last_pos = WroteIn(*first) - kUnit;
    if (last_pos < 0) break;
    const CqUnit last = CqUnit::DecodeFrom(region->bytes().data() + last_pos);
    if (last.phy_offset >= min_phy_offset) break;
    {
      FastMutexLock lock(&mu_);
      files_.erase(files_.begin());
    }
    cache_.Forget(first.get());
    first->Release();
    RMQ_RETURN_IF_ERROR(fs_.Remove(first->path()));
    ++deleted;
  }
  if (deleted > 0) RMQ_RETURN_IF_ERROR(CorrectMinOffset(min_phy_offset));
  return deleted;
}

}  // namespace rmq
