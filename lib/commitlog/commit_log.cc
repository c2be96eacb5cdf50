#include "commitlog/commit_log.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/endian.h"
#include "base/status_macros.h"
#include "rmq/commitlog/record.h"

namespace rmq {

CommitLog::CommitLog(CommitLogOptions options, FileSystem& fs, Logger& logger)
    : options_(std::move(options)),
      fs_(fs),
      logger_(logger),
      segments_(MappedFileQueueOptions{.dir = options_.dir,
                                       .file_size = options_.file_size,
                                       .writable = options_.writable},
                fs) {}

absl::Status CommitLog::Load() {
  RMQ_RETURN_IF_ERROR(segments_.Load());
  if (options_.writable) {
    allocator_ = std::make_unique<SegmentAllocator>(
        SegmentAllocatorOptions{
            .dir = options_.dir,
            .file_size = segments_.file_size(),
            .write_zeros = options_.warm_segments,
            .background = options_.background_allocation,
            .populate_first = PopulateWindow(),
            .preload = PopulateWindow() > 0 && options_.preload_window > 0},
        fs_, logger_);
    if (options_.write_buffer_bytes > 0) {
      buffer_ = std::make_unique<WriteBuffer>(options_.write_buffer_bytes);
    }
  }
  return absl::OkStatus();
}

void CommitLog::PrepareNextSegment() {
  if (allocator_ == nullptr) return;
  std::shared_ptr<MappedFile> last = segments_.Last();
  if (last == nullptr) {
    // An empty log: the first put would wait for this segment and for its
    // head to be faulted in (64 MiB: tens of ms), or share the CPU with the
    // faulting. Done here, opening pays it instead. Best effort: on failure
    // the first put tries again and reports it.
    absl::Status created = Roll(nullptr);
    if (!created.ok()) {
      logger_.Log(LogLevel::kWarn, absl::StrCat("creating the first segment: ",
                                                created.ToString()));
    }
  } else if (last->IsFull() || last->free_space() < 64 * 1024) {
    allocator_->Request(last->end());
  }
}

absl::Status CommitLog::Roll(const std::shared_ptr<MappedFile>& current) {
  const int64_t next_from = current == nullptr ? 0 : current->end();
  RMQ_ASSIGN_OR_RETURN(std::shared_ptr<MappedFile> next,
                       allocator_->Take(next_from));
  RMQ_RETURN_IF_ERROR(segments_.Append(next));
  current_ = std::move(next);
  populate_mark_ = 0;
  prefetched_to_ = 0;
  next_requested_ = false;
  return absl::OkStatus();
}

absl::StatusOr<int64_t> CommitLog::PrepareAppend(int64_t size) {
  if (allocator_ == nullptr) {
    return absl::FailedPreconditionError("commit log is read-only");
  }
  if (size + kEndFileMinBlankLength > segments_.file_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a record of ", size, " bytes does not fit in a ",
                     segments_.file_size(), "-byte commit-log segment"));
  }
  if (current_ == nullptr) current_ = segments_.Last();
  if (current_ == nullptr || current_->IsFull()) {
    RMQ_RETURN_IF_ERROR(Roll(current_));
  }
  const int64_t free = current_->free_space();
  if (size + kEndFileMinBlankLength > free) {
    const int64_t pos = current_->wrote();
    if (buffer_ != nullptr) {
      // The whole rest of the segment goes through the buffer as zeros, so
      // the committer never writes stale ring bytes after the marker.
      const int64_t at = current_->from() + pos;
      if (!buffer_->WaitForSpace(at, free)) {
        return absl::FailedPreconditionError("the commit-log writer stopped");
      }
      buffer_->Zero(at, free);
      std::byte marker[kEndFileMinBlankLength];
      EncodeBlank(marker, static_cast<int32_t>(free));
      buffer_->Write(at, marker);
    } else {
      EncodeBlank(current_->bytes().subspan(pos, kEndFileMinBlankLength),
                  static_cast<int32_t>(free));
    }
    current_->set_wrote(current_->size());
    RMQ_RETURN_IF_ERROR(Roll(current_));
  }
  const int64_t offset = current_->from() + current_->wrote();
  if (buffer_ != nullptr && !buffer_->WaitForSpace(offset, size)) {
    return absl::FailedPreconditionError("the commit-log writer stopped");
  }
  return offset;
}

void CommitLog::Write(std::span<const std::byte> bytes) {
  const int64_t pos = current_->wrote();
  if (buffer_ != nullptr) {
    buffer_->Write(current_->from() + pos, bytes);
  } else {
    std::byte* data = current_->bytes().data();
    std::memcpy(data + pos, bytes.data(), bytes.size());
    PrefetchNext(data, pos + static_cast<int64_t>(bytes.size()));
  }
  current_->set_wrote(pos + static_cast<int64_t>(bytes.size()));
  if (!next_requested_ && pos >= current_->size() / 2) {
    // Not when the segment is taken: creating a 1 GiB segment (fallocate,
    // fsync) right after an open or a roll competed with the first puts'
    // syncs (10-20 ms of device time). Half a segment is still far more
    // lead than creating one takes.
    allocator_->Request(current_->end());
    next_requested_ = true;
  }
  PopulateAhead(pos + static_cast<int64_t>(bytes.size()));
}

// A record's stores wait in the store buffer for their lines, which the
// populating thread zeroed far ahead (out of every cache). The put's first
// locked instruction after the copy waits for all of them: perf put 15% of
// the writer's samples at 1 KiB on that instruction at one queue, 20% at
// 10,000. Asking for the next record's lines now overlaps that wait with
// the rest of this put and the encoding of the next (it fell to 6-9%).
void CommitLog::PrefetchNext(std::byte* data, int64_t end) {
  // A record longer than the window: start at its end.
  if (prefetched_to_ < end) prefetched_to_ = end & ~int64_t{63};
  const int64_t ahead = std::min(end + kPrefetchAhead, current_->size());
  for (; prefetched_to_ < ahead; prefetched_to_ += 64) {
    __builtin_prefetch(data + prefetched_to_);
  }
}

int64_t CommitLog::PopulateWindow() const {
  // The write-buffer path writes the files with pwrite, never through the
  // mapping: faulting its pages in ahead only zero-filled pages the commit
  // then overwrote (perf: 0.19 s of 0.34 s on the second CPU), and left them
  // mapped writable, so every flush write-protected them one TLB-shootdown
  // IPI at a time.
  return options_.write_buffer_bytes > 0 ? 0 : options_.populate_window;
}

void CommitLog::PopulateAhead(int64_t pos) {
  const int64_t window = PopulateWindow();
  if (window <= 0 || pos < populate_mark_) return;
  allocator_->Populate(current_, pos + window,
                       pos + std::max(window, options_.preload_window));
  // Within kNextHeadLead windows of this segment's end: the next one's
  // head (a window), so the roll finds it faulted in. Asked for only when
  // the window reached past the end, it was started ~20 ms before the roll
  // at full speed, and a zero-fill of memory the host has not backed takes
  // longer: perf showed the writer zero-filling the new segment's first
  // pages itself after most rolls of the 1,000- and 10,000-queue phases of
  // `rmq-bench queues` (docs/benchmarks.md, eighth session).
  if (current_->size() - pos <= kNextHeadLead * window) {
    allocator_->PopulateNext(window);
  }
  // Ask again when half the window is used, so the thread stays ahead.
  populate_mark_ = pos + window / 2;
}

int64_t CommitLog::WrittenOffset() const { return segments_.MaxOffset(); }

absl::StatusOr<LogSlice> CommitLog::Read(int64_t offset, int64_t size,
                                         int64_t limit) const {
  if (offset < 0 || size < 0 || offset + size > limit) {
    return absl::OutOfRangeError(
        absl::StrCat("commit log range [", offset, ", ", offset + size,
                     ") is past the readable end ", limit));
  }
  std::shared_ptr<MappedFile> file = segments_.FindByOffset(offset);
  if (file == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no commit-log segment holds offset ", offset));
  }
  const int64_t pos = offset - file->from();
  if (pos + size > file->size()) {
    return absl::DataLossError(
        absl::StrCat("commit log range [", offset, ", ", offset + size,
                     ") crosses the end of ", file->path().string()));
  }
  LogSlice slice;
  slice.bytes = file->View(pos, size);
  slice.pin = std::move(file);
  return slice;
}

absl::StatusOr<LogSlice> CommitLog::ReadRecord(int64_t offset,
                                               int64_t limit) const {
  RMQ_ASSIGN_OR_RETURN(LogSlice head, Read(offset, 8, limit));
  const int32_t total = LoadBE32(head.bytes.data());
  if (total < 8) {
    return absl::DataLossError(
        absl::StrCat("commit log offset ", offset, ": record size ", total));
  }
  return Read(offset, total, limit);
}

absl::StatusOr<LogSlice> CommitLog::ReadToSegmentEnd(int64_t offset,
                                                     int64_t limit) const {
  std::shared_ptr<MappedFile> file = segments_.FindByOffset(offset);
  if (file == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no commit-log segment holds offset ", offset));
  }
  const int64_t end = std::min(file->from() + file->wrote(), limit);
  return Read(offset, std::max<int64_t>(0, end - offset), limit);
}

absl::Status CommitLog::SyncRange(int64_t from, int64_t to) {
  while (from < to) {
    std::shared_ptr<MappedFile> file = segments_.FindByOffset(from);
    if (file == nullptr) {
      return absl::InternalError(
          absl::StrCat("sync: no segment holds offset ", from));
    }
    const int64_t pos = from - file->from();
    const int64_t end = std::min(to, file->end()) - file->from();
    RMQ_RETURN_IF_ERROR(file->region().Sync(pos, end - pos));
    file->set_flushed(std::max(file->flushed(), end));
    from = file->from() + end;
  }
  return absl::OkStatus();
}

}  // namespace rmq
