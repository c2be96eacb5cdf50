#include "flush/write_buffer_committer.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace rmq {

WriteBufferCommitter::WriteBufferCommitter(
    bool sync, WriteBackend backend, CommitLog& log, FileSystem& fs,
    DurabilityTracker& tracker, Logger& logger,
    std::function<void(int64_t)> on_synced)
    : sync_(sync),
      backend_kind_(backend),
      log_(log),
      fs_(fs),
      tracker_(tracker),
      logger_(logger),
      on_synced_(std::move(on_synced)) {}

WriteBufferCommitter::~WriteBufferCommitter() {
  if (log_.write_buffer() != nullptr) log_.write_buffer()->Abort();
}

bool WriteBufferCommitter::WaitCommitted(int64_t end) {
  // Leader/follower: whoever finds no commit running writes everything
  // pending itself (one io_uring submission for all waiting producers), so a
  // lone producer never pays a thread hand-off; the others wait for it.
  while (tracker_.committed() < end && !tracker_.read_only()) {
    if (commit_mu_.TryLock()) {
      CommitAvailableLocked().IgnoreError();  // failure: store is read-only
      commit_mu_.Unlock();
      continue;
    }
    absl::MutexLock lock(&mu_);
    auto done = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return tracker_.committed() >= end || tracker_.read_only();
    };
    // Re-evaluated when a commit finishes; the timeout retries leadership
    // if that commit did not cover `end`.
    mu_.AwaitWithTimeout(absl::Condition(&done), absl::Microseconds(200));
  }
  return tracker_.committed() >= end;
}

std::string WriteBufferCommitter::backend() const {
  absl::MutexLock lock(&mu_);
  return backend_.empty() ? "io_uring (no segment opened yet)" : backend_;
}

absl::StatusOr<WritableFile*> WriteBufferCommitter::FileFor(
    const MappedFile& segment) {
  auto it = files_.find(segment.from());
  if (it != files_.end()) return it->second.get();
  // Segments the log has moved past are complete: close them.
  while (!files_.empty() && files_.begin()->first < segment.from()) {
    files_.erase(files_.begin());
  }
  RMQ_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                       fs_.OpenWritable(segment.path(), backend_kind_));
  {
    absl::MutexLock lock(&mu_);
    backend_ = std::string(file->backend());
  }
  WritableFile* raw = file.get();
  files_.emplace(segment.from(), std::move(file));
  return raw;
}

absl::Status WriteBufferCommitter::CommitAvailable() {
  absl::MutexLock lock(&commit_mu_);
  return CommitAvailableLocked();
}

absl::Status WriteBufferCommitter::CommitAvailableLocked() {
  if (tracker_.read_only()) return tracker_.read_only_reason();
  const int64_t timestamp = tracker_.last_store_timestamp();
  const int64_t to = tracker_.written();
  int64_t from = tracker_.committed();
  if (from >= to) return absl::OkStatus();
  WriteBuffer& buffer = *log_.write_buffer();
  absl::Status status;
  while (from < to && status.ok()) {
    std::shared_ptr<MappedFile> segment = log_.segments().FindByOffset(from);
    if (segment == nullptr) {
      status = absl::InternalError(
          absl::StrCat("commit: no segment holds offset ", from));
      break;
    }
    const int64_t chunk_end = std::min(to, segment->end());
    absl::StatusOr<WritableFile*> file = FileFor(*segment);
    if (!file.ok()) {
      status = file.status();
      break;
    }
    auto pieces = buffer.Pieces(from, chunk_end);
    int64_t at = from;
    for (size_t i = 0; i < pieces.size() && status.ok(); ++i) {
      const uint64_t pos = static_cast<uint64_t>(at - segment->from());
      const bool last = i + 1 == pieces.size();
      status = sync_ && last ? (*file)->WriteAtAndSync(pos, pieces[i])
                             : (*file)->WriteAt(pos, pieces[i]);
      at += static_cast<int64_t>(pieces[i].size());
    }
    if (status.ok() && sync_) segment->set_flushed(chunk_end - segment->from());
    from = chunk_end;
  }
  if (!status.ok()) {
    logger_.Log(
        LogLevel::kError,
        absl::StrCat("commit-log write failed, store is now read-only: ",
                     status.ToString()));
    tracker_.MarkReadOnly(status);
    buffer.Abort();
  } else {
    buffer.Release(to);
    tracker_.Committed(to, timestamp);
    if (sync_) {
      tracker_.Flushed(to);
      if (on_synced_) on_synced_(timestamp);
    }
  }
  absl::MutexLock wake(&mu_);  // re-evaluates WaitCommitted conditions
  return status;
}

absl::Status WriteBufferCommitter::CommitAll() { return CommitAvailable(); }

}  // namespace rmq
