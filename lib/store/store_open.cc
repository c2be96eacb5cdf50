// MessageStore::Impl: opening (lock, load, recovery, services), flushing,
// statistics and shutdown.

#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "base/file_names.h"
#include "base/status_macros.h"
#include "store/clean_shutdown.h"
#include "store/message_store_impl.h"
#include "store/store_recovery.h"

namespace rmq {

namespace {

std::optional<int64_t> CleanEnd(const std::optional<CleanShutdownRecord>& r) {
  if (!r.has_value()) return std::nullopt;
  return r->log_end;
}

int64_t PhysicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return int64_t{24} << 30;  // RocketMQ's fallback
  return static_cast<int64_t>(pages) * page;
}

}  // namespace

MessageStore::Impl::Impl(StoreConfig config)
    : config_(std::move(config)),
      memory_window_(PhysicalMemoryBytes() *
                     config_.access_message_in_memory_max_ratio / 100) {}

MessageStore::Impl::~Impl() {
  absl::Status s = Shutdown();
  if (!s.ok() && config_.logger != nullptr) {
    config_.logger->Log(LogLevel::kError,
                        absl::StrCat("store shutdown: ", s.ToString()));
  }
}

absl::StatusOr<std::unique_ptr<MessageStore::Impl>> MessageStore::Impl::Open(
    StoreConfig config) {
  if (config.fs == nullptr) config.fs = PosixFileSystem();
  if (config.clock == nullptr) config.clock = SystemClock();
  if (config.logger == nullptr) config.logger = StderrLogger();
  RMQ_RETURN_IF_ERROR(config.Validate());
  auto impl = std::make_unique<Impl>(std::move(config));
  RMQ_ASSIGN_OR_RETURN(impl->delay_levels_ms_, impl->config_.DelayLevelsMs());
  absl::Status opened = impl->OpenParts();
  if (!opened.ok()) {
    impl->shut_down_ = true;  // nothing to flush: keep the abort file as is
    return opened;
  }
  return impl;
}

absl::Status MessageStore::Impl::OpenParts() {
  FileSystem& fs = *config_.fs;
  Logger& logger = *config_.logger;
  const bool read_only = config_.read_only;
  const std::filesystem::path root = config_.store_path_root_dir;
  if (read_only) {
    if (!fs.IsDirectory(root)) {
      return absl::NotFoundError(
          absl::StrCat("store directory ", root.string(), " does not exist"));
    }
  } else {
    RMQ_RETURN_IF_ERROR(fs.CreateDirs(root));
    auto lock = fs.Lock(config_.LockPath());
    if (!lock.ok()) {
      return Annotate(lock.status(),
                      absl::StrCat("cannot open store ", root.string()));
    }
    lock_ = *std::move(lock);
  }
  last_exit_ok_ = !fs.Exists(config_.AbortPath());
  const std::filesystem::path clean_path = root / kCleanShutdownFile;
  std::optional<CleanShutdownRecord> clean;
  if (!read_only) {
    clean = ReadCleanShutdown(fs, clean_path);
    // Used once: gone before this run can crash.
    if (fs.Exists(clean_path)) {
      RMQ_RETURN_IF_ERROR(fs.Remove(clean_path));
      RMQ_RETURN_IF_ERROR(fs.SyncDir(root));
    }
  }

  checkpoint_ = std::make_unique<Checkpoint>(config_.CheckpointPath(), fs);
  RMQ_RETURN_IF_ERROR(checkpoint_->Load());

  log_ = std::make_unique<CommitLog>(
      CommitLogOptions{
          .dir = config_.CommitLogDir(),
          .file_size = read_only ? 0 : config_.mapped_file_size_commit_log,
          .writable = !read_only,
          .warm_segments = config_.warm_maped_file_enable,
          .write_buffer_bytes =
              config_.transient_store_pool_enable && !read_only
                  ? config_.write_buffer_bytes
                  : 0,
          // Not under SYNC_FLUSH: preloading beside 16 producers raised their
          // p99 3-4x (docs/design/io.md), and a put that waits for the disk
          // gains little from a page faulted in ahead.
          .preload_window = config_.flush_disk_type == FlushDiskType::kSyncFlush
                                ? 0
                                : CommitLogOptions{}.preload_window},
      fs, logger);
  RMQ_RETURN_IF_ERROR(log_->Load());

  int64_t cq_file_size = config_.mapped_file_size_consume_queue;
  if (read_only) {
    const int64_t found =
        ConsumeQueueTable::DetectFileSize(fs, config_.ConsumeQueueDir());
    if (found > 0) cq_file_size = found;
  }
  queues_ = std::make_unique<ConsumeQueueTable>(
      ConsumeQueueTableOptions{
          .dir = config_.ConsumeQueueDir(),
          .file_size = cq_file_size,
          .allocate_ahead = config_.consume_queue_allocate_ahead,
          .max_mapped_files = config_.max_mapped_consume_queue_files,
          .writable = !read_only},
      fs, logger);
  RMQ_RETURN_IF_ERROR(queues_->LoadAndRecover());

  if (config_.message_index_enable) {
    index_ = std::make_unique<IndexService>(
        IndexServiceOptions{
            .dir = config_.IndexDir(),
            .geometry = IndexGeometry{.slots = config_.max_hash_slot_num,
                                      .max_items = config_.max_index_num},
            .writable = !read_only},
        fs, *config_.clock, logger);
    absl::StatusOr<int> removed =
        index_->Load(last_exit_ok_, checkpoint_->index_msg_timestamp());
    if (!removed.ok()) {
      if (!read_only) return removed.status();
      logger.Log(LogLevel::kWarn,
                 absl::StrCat("index not readable (key queries disabled): ",
                              removed.status().ToString()));
      index_.reset();
    } else {
      recovery_.index_files_removed = *removed;
    }
  }

  const int64_t index_files_removed = recovery_.index_files_removed;
  RMQ_ASSIGN_OR_RETURN(
      recovery_,
      RecoverStore(RecoveryContext{
          .config = config_,
          .log = *log_,
          .queues = *queues_,
          .checkpoint = *checkpoint_,
          .logger = logger,
          .delay_levels_ms = delay_levels_ms_,
          .last_exit_ok = last_exit_ok_,
          .read_only = read_only,
          .clean_log_end = CleanEnd(clean),
          .clean_last_store_timestamp =
              clean.has_value() ? clean->last_store_timestamp : 0,
          .clean_tail_hash = clean.has_value() ? clean->tail_hash : 0}));
  recovery_.index_files_removed = index_files_removed;
  if (!read_only) {
    // What recovery read may still be only in the page cache (a killed
    // process's writes survive it): sync it before calling it flushed.
    RMQ_RETURN_IF_ERROR(
        log_->SyncRange(recovery_.scan_from, log_->WrittenOffset()));
    if (recovery_.last_store_timestamp > 0) {
      checkpoint_->set_physic_msg_timestamp(recovery_.last_store_timestamp);
    }
  }
  tracker_.Reset(log_->WrittenOffset(), recovery_.last_store_timestamp);
  logger.Log(LogLevel::kInfo, absl::StrCat("opened store ", root.string(), ": ",
                                           recovery_.ToString()));
  if (read_only) return absl::OkStatus();

  RMQ_RETURN_IF_ERROR(fs.WriteFile(config_.AbortPath(), ""));
  RMQ_RETURN_IF_ERROR(fs.SyncDir(root));
  return StartServices();
}

absl::Status MessageStore::Impl::StartServices() {
  Logger& logger = *config_.logger;
  log_->PrepareNextSegment();
  dispatcher_ = std::make_unique<UnitDispatcher>(
      UnitDispatcherOptions{.pinned_queues = static_cast<size_t>(
                                config_.max_mapped_consume_queue_files),
                            // The queues now hold every record up to the end:
                            // the next checkpoint may say so, so a later crash
                            // does not rescan from the beginning.
                            .last_timestamp = std::max<int64_t>(
                                recovery_.last_store_timestamp, 0)},
      *queues_, [this](absl::Status failed) { tracker_.MarkReadOnly(failed); });
  dispatcher_->Start();
  FlushPolicy policy{
      .sync = config_.flush_disk_type == FlushDiskType::kSyncFlush,
      .interval = absl::Milliseconds(config_.flush_interval_commit_log),
      .least_pages = config_.flush_commit_log_least_pages,
      .thorough_interval =
          absl::Milliseconds(config_.flush_commit_log_thorough_interval)};
  auto on_synced = [this](int64_t timestamp) {
    checkpoint_->set_physic_msg_timestamp(timestamp);
  };
  if (log_->write_buffer() != nullptr) {
    committer_ = std::make_unique<WriteBufferCommitter>(
        policy.sync, config_.write_buffer_backend, *log_, *config_.fs, tracker_,
        logger, on_synced);
  }
  flusher_ = std::make_unique<CommitLogFlusher>(policy, *log_, tracker_, logger,
                                                on_synced);
  flusher_->Start();

  cq_flusher_ = std::make_unique<ConsumeQueueFlusher>(
      ConsumeQueueFlushPolicy{
          .interval = absl::Milliseconds(config_.flush_interval_consume_queue),
          .least_pages = config_.flush_consume_queue_least_pages,
          .thorough_interval = absl::Milliseconds(
              config_.flush_consume_queue_thorough_interval)},
      *queues_, *config_.fs, logger,
      [this] { return dispatcher_->last_timestamp(); },
      [this](int64_t timestamp) {
        if (timestamp > 0) checkpoint_->set_logics_msg_timestamp(timestamp);
        return checkpoint_->Flush();
      });
  cq_flusher_->Start();

  if (index_ != nullptr) {
    index_->set_on_file_full([this](int64_t end_timestamp) {
      checkpoint_->set_index_msg_timestamp(end_timestamp);
      absl::Status s = checkpoint_->Flush();
      if (!s.ok()) {
        config_.logger->Log(LogLevel::kError,
                            absl::StrCat("checkpoint: ", s.ToString()));
      }
    });
    int64_t from = log_->MinOffset();
    const int64_t last = index_->LastIndexedPhyOffset();
    if (last >= from) {
      auto record = log_->ReadRecord(last, tracker_.committed());
      from = record.ok() ? last + static_cast<int64_t>(record->bytes.size())
                         : last;
    }
    index_builder_ = std::make_unique<IndexBuilder>(
        *log_, tracker_, *index_, logger, from, tracker_.committed());
    index_builder_->Start();
  }
  return absl::OkStatus();
}

absl::Status MessageStore::Impl::Flush() {
  if (shut_down_) return absl::FailedPreconditionError("store is shut down");
  if (flusher_ == nullptr) return absl::OkStatus();  // read-only
  dispatcher_->CatchUp();
  RMQ_RETURN_IF_ERROR(flusher_->FlushAll());
  return cq_flusher_->FlushAll();
}

absl::Status MessageStore::Impl::Shutdown() {
  absl::MutexLock shutdown_lock(&shutdown_mu_);
  if (shut_down_.exchange(true)) return absl::OkStatus();
  { FastMutexLock lock(&append_mu_); }  // in-flight appends finish first
  if (lock_ == nullptr) return absl::OkStatus();  // read-only: nothing to do

  absl::Status status;
  auto note = [&status](absl::Status s) {
    if (status.ok()) status = std::move(s);
  };
  if (committer_ != nullptr) {
    note(committer_->CommitAll());
    committer_.reset();
  }
  if (index_builder_ != nullptr) {
    index_builder_->CatchUp();
    index_builder_.reset();
  }
  if (flusher_ != nullptr) {
    note(flusher_->FlushAll());
    flusher_.reset();
  }
  tracker_.FailWaiters();
  if (dispatcher_ != nullptr) dispatcher_->Stop();  // every unit written
  if (cq_flusher_ != nullptr) {
    note(cq_flusher_->FlushAll());
    cq_flusher_.reset();
  }
  if (index_ != nullptr) note(index_->Flush());
  note(checkpoint_->Flush());
  log_->StopAllocation();
  if (status.ok() && !tracker_.read_only()) {
    // Only a store that reached disk completely may skip abnormal recovery,
    // and only it may tell the next open where the log ends.
    const int64_t end = tracker_.written();
    uint64_t tail_hash = 0;
    if (std::shared_ptr<MappedFile> last = log_->segments().Last()) {
      tail_hash = CleanTailHash(last->View(0, last->size()), last->from(), end);
    }
    note(WriteCleanShutdown(
        *config_.fs,
        std::filesystem::path(config_.store_path_root_dir) / kCleanShutdownFile,
        CleanShutdownRecord{end, tracker_.last_store_timestamp(), tail_hash}));
    note(config_.fs->Remove(config_.AbortPath()));
    note(config_.fs->SyncDir(config_.store_path_root_dir));
  }
  lock_.reset();
  return status;
}

void MessageStore::Impl::CrashForTesting() {
  absl::MutexLock shutdown_lock(&shutdown_mu_);
  if (shut_down_.exchange(true)) return;
  { FastMutexLock lock(&append_mu_); }
  // Threads stop without a final flush; the abort file stays.
  committer_.reset();  // what is still in the write buffer is lost
  index_builder_.reset();
  flusher_.reset();
  tracker_.FailWaiters();
  if (dispatcher_ != nullptr) dispatcher_->Stop();
  cq_flusher_.reset();
  if (log_ != nullptr) log_->StopAllocation();
  lock_.reset();
}

StoreStats MessageStore::Impl::Stats() const {
  StoreStats stats;
  stats.put_messages = put_messages_.load();
  stats.put_bytes = put_bytes_.load();
  stats.put_failures = put_failures_.load();
  stats.get_messages = get_messages_.load();
  stats.flush_timeouts = flush_timeouts_.load();
  stats.min_physical_offset = log_->MinOffset();
  stats.written_offset = tracker_.written();
  stats.committed_offset = tracker_.committed();
  stats.flushed_offset = tracker_.flushed();
  stats.indexed_offset =
      index_builder_ != nullptr ? index_builder_->indexed_offset() : 0;
  stats.index_records_read =
      index_builder_ != nullptr ? index_builder_->records_read() : 0;
  stats.commit_log_files = static_cast<int64_t>(log_->segments().FileCount());
  stats.consume_queues = queues_->size();
  stats.mapped_consume_queue_files = queues_->cache().mapped_count();
  stats.index_files = index_ != nullptr ? index_->FileCount() : 0;
  stats.write_path = WritePathName();
  stats.io_backend =
      committer_ != nullptr ? committer_->backend() : "mmap+msync";
  stats.flush_disk_type = config_.flush_disk_type == FlushDiskType::kSyncFlush
                              ? "SYNC_FLUSH"
                              : "ASYNC_FLUSH";
  stats.read_only = config_.read_only || tracker_.read_only();
  if (tracker_.read_only()) {
    stats.read_only_reason = tracker_.read_only_reason().ToString();
  } else if (config_.read_only) {
    stats.read_only_reason = "opened read-only";
  }
  stats.recovery = recovery_;
  return stats;
}

}  // namespace rmq
