#pragma once
// IndexService: the set of index files under <root>/index, oldest first
// (store-format §6.4–6.6). Indexes "topic#key" for the UNIQ_KEY property and
// every space-separated KEYS token of each record, and answers key queries.
//
// Thread-safety: thread-safe. One writer (the store's index builder thread)
// and any number of concurrent queries.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "base/fast_mutex.h"
#include "index/index_file.h"
#include "rmq/clock.h"
#include "rmq/commitlog/record.h"
#include "rmq/io/file_system.h"
#include "rmq/logger.h"

namespace rmq {

struct IndexServiceOptions {
  std::filesystem::path dir;  // <root>/index
  IndexGeometry geometry;
  bool writable = true;
};

struct IndexQueryResult {
  std::vector<int64_t> phy_offsets;    // hash matches, unconfirmed, any order
  int64_t last_update_timestamp = 0;   // newest file's endTimestamp
  int64_t last_update_phy_offset = 0;  // newest file's endPhyOffset
};

class IndexService {
 public:
  // `fs`, `clock` and `logger` must outlive the service.
  IndexService(IndexServiceOptions options, FileSystem& fs, Clock& clock,
               Logger& logger);
  ~IndexService();
  IndexService(const IndexService&) = delete;
  IndexService& operator=(const IndexService&) = delete;

  // Loads every file of the directory (sorted by name). After an unclean exit
  // (`last_exit_ok` false), files whose endTimestamp is newer than
  // `index_checkpoint_timestamp` are deleted, as RocketMQ does: they are
  // rebuilt from the commit log. Returns how many files were deleted.
  absl::StatusOr<int> Load(bool last_exit_ok,
                           int64_t index_checkpoint_timestamp);

  // Indexes one record: skipped when already indexed (physical offset below
  // the newest file's endPhyOffset) or a ROLLBACK record. Rolls to a new file
  // when full; the full file is synced and `on_file_full(endTimestamp)` runs
  // (the store advances the checkpoint's indexMsgTimestamp).
  absl::Status BuildIndex(const RecordView& record) {
    return BuildIndex(std::span(&record, 1));
  }
  // The same for each record in order, under one lock: the index builder's
  // way (a lock per record took half of its CPU). On an error, the records
  // before the failing one are indexed.
  absl::Status BuildIndex(std::span<const RecordView> records);

  // Physical offsets whose key hash matches, newest files first, at most
  // `max` (capped by the caller to maxMsgsNumBatch).
  IndexQueryResult QueryOffsets(std::string_view topic, std::string_view key,
                                int32_t max, int64_t begin, int64_t end) const;

  // Where an index builder should resume scanning the commit log: the record
  // after the newest file's endPhyOffset, or `log_min_offset` when nothing has
  // been indexed yet. Returns the endPhyOffset to resume *after*, or -1.
  int64_t LastIndexedPhyOffset() const;

  // Syncs every file.
  absl::Status Flush();
  // Deletes files (never the newest) whose endPhyOffset < `min_phy_offset`.
  absl::Status DeleteFilesBelow(int64_t min_phy_offset);

  // The callback runs inside BuildIndex with the service's lock held: it must
  // not call back into the service.
  void set_on_file_full(std::function<void(int64_t end_timestamp)> callback);
  int FileCount() const;

 private:
  absl::Status BuildIndexLocked(const RecordView& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<IndexFile*> WritableFile() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PutKey(std::string_view topic, std::string_view key,
                      const RecordView& record)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const IndexServiceOptions options_;
  FileSystem& fs_;
  Clock& clock_;
  Logger& logger_;
  // Not absl::Mutex: Debian's build runs its deadlock detector on every
  // Lock, and taken once per record that was half of the index builder's
  // CPU (it now takes this once per batch).
  mutable FastSharedMutex mu_;
  std::vector<std::unique_ptr<IndexFile>> files_ ABSL_GUARDED_BY(mu_);
  std::function<void(int64_t)> on_file_full_;
};

// Index file name for a creation time: yyyyMMddHHmmssSSS in local time.
std::string IndexFileName(int64_t epoch_ms);

}  // namespace rmq
