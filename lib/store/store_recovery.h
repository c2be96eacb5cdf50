#pragma once
// Finds where the commit log really ends after a restart and makes the
// consume queues agree with it (store-format §8):
//  - normal (no abort file): scan from the third-last segment, checking
//    magic, lengths and CRC, to the first invalid record;
//  - abnormal (abort file left by a crash): start at the newest segment whose
//    first message is older than the checkpoint allows, scan the same way and
//    re-dispatch every record into the consume queues;
//  - then cut the log there (zeroing the torn tail, deleting later segments)
//    and drop consume-queue units that point past it.
// Opening therefore costs time proportional to the unflushed tail.

#include <cstdint>
#include <optional>
#include <span>

#include "absl/status/statusor.h"
#include "commitlog/commit_log.h"
#include "consumequeue/consume_queue_table.h"
#include "rmq/commitlog/record.h"
#include "rmq/logger.h"
#include "rmq/results.h"
#include "rmq/store_config.h"
#include "store/checkpoint.h"

namespace rmq {

struct RecoveryContext {
  const StoreConfig& config;
  CommitLog& log;
  ConsumeQueueTable& queues;
  const Checkpoint& checkpoint;
  Logger& logger;
  std::span<const int64_t> delay_levels_ms;
  bool last_exit_ok = true;
  bool read_only = false;
  // From rmq_clean_shutdown: where the log ended at the last clean
  // shutdown. Trusted (no scan) only when it is consistent with the files.
  std::optional<int64_t> clean_log_end;
  int64_t clean_last_store_timestamp = 0;
  uint64_t clean_tail_hash = 0;
};

absl::StatusOr<RecoveryReport> RecoverStore(const RecoveryContext& context);

// Writes the consume-queue unit of one record (the dispatch RocketMQ's
// CommitLogDispatcherBuildConsumeQueue does): NOT and COMMIT transaction types
// only; idempotent.
absl::Status DispatchToConsumeQueue(const RecordView& record,
                                    ConsumeQueueTable& queues,
                                    std::span<const int64_t> delay_levels_ms);

}  // namespace rmq
