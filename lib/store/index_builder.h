#pragma once
// Follows the commit log and feeds its records to the IndexService (the
// index half of RocketMQ's ReputMessageService; the consume-queue half is
// UnitDispatcher, fed by the appender). Key indexing is not on the put path,
// so it runs here, in log order, and catches up after a restart from where
// the index files end. Stretches with no KEYS or UNIQ_KEY (the appender
// says where the last keyed record ends) are skipped without reading.
//
// Thread-safety: thread-safe. Owns one thread, stopped by the destructor.

#include <atomic>
#include <cstdint>
#include <span>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "commitlog/commit_log.h"
#include "flush/durability_tracker.h"
#include "index/index_service.h"
#include "rmq/commitlog/record.h"
#include "rmq/logger.h"

namespace rmq {

class IndexBuilder {
 public:
  // Starts indexing at `from`; records below `keyed_end` (the log's end at
  // open) may carry keys. All references must outlive the builder.
  IndexBuilder(CommitLog& log, DurabilityTracker& tracker, IndexService& index,
               Logger& logger, int64_t from, int64_t keyed_end);
  ~IndexBuilder();
  IndexBuilder(const IndexBuilder&) = delete;
  IndexBuilder& operator=(const IndexBuilder&) = delete;

  void Start();
  int64_t indexed_offset() const { return indexed_.load(); }
  // Records decoded so far (stretches without keys are skipped, not read).
  int64_t records_read() const {
    return records_read_.load(std::memory_order_relaxed);
  }
  // Appender only, before the record is committed: a record carrying KEYS or
  // UNIQ_KEY ends at `end`.
  void KeyedAppended(int64_t end) {
    keyed_end_.store(end, std::memory_order_relaxed);
  }
  // Indexes everything committed now on the caller's thread, so a query sees
  // every message appended before it (read-your-writes).
  void CatchUp();

 private:
  // Records handed to the index per lock (and per batch buffer).
  static constexpr size_t kBatchRecords = 256;

  void Run(std::stop_token stop);
  // Indexes from indexed_ to the committed end; returns false on an error.
  bool IndexAvailable();
  // Decodes up to kBatchRecords records from the front of `bytes` (at log
  // `offset`) into `batch`, consuming them; stops early at the segment's
  // blank tail or a record that does not decode (sets *segment_done).
  // Returns the bytes decoded.
  int64_t DecodeBatch(int64_t offset, std::span<const std::byte>& bytes,
                      std::vector<RecordView>& batch, bool* segment_done);

  CommitLog& log_;
  DurabilityTracker& tracker_;
  IndexService& index_;
  Logger& logger_;
  std::atomic<int64_t> indexed_;
  // No record at or past this offset carries a key (so far). Stored before
  // the record is committed, and read after the committed end: every keyed
  // record below that end is counted.
  std::atomic<int64_t> keyed_end_;
  std::atomic<int64_t> records_read_{0};
  absl::Mutex run_mu_;  // one indexing pass at a time
  // The pass's decoded records, reused from pass to pass.
  std::vector<RecordView> batch_ ABSL_GUARDED_BY(run_mu_);
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::jthread thread_;
};

}  // namespace rmq
