#pragma once
// What the store answers: put results, pinned zero-copy read results, queries.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rmq/message.h"
#include "rmq/types.h"

namespace rmq {

struct PutResult {
  PhysicalOffset physical_offset;  // first byte of the record in the log
  int32_t bytes = 0;               // record size on disk
  QueueOffset queue_offset;        // index in the topic/queue consume queue
  int64_t store_timestamp_ms = 0;
  HostAddress store_host;  // the store's brokerIP1:listenPort
  // The offset message id (store-format §2.7), formatted on request: most
  // embedders never need it, and formatting it costs an allocation per put.
  std::string msg_id() const {
    return OffsetMessageId(store_host, physical_offset.value());
  }
  // SYNC_FLUSH only: appended, but the flush did not finish within
  // syncFlushTimeout (RocketMQ's FLUSH_DISK_TIMEOUT). Not an error.
  bool flush_timed_out = false;
};

// One stored record: its raw bytes, exactly as in the commit log.
struct StoredRecord {
  PhysicalOffset physical_offset;
  std::span<const std::byte> bytes;
};

// Keeps the segments that views point into mapped until destroyed: a file
// deleted meanwhile is unmapped only when the last pin is released.
using SegmentPins = std::vector<std::shared_ptr<const void>>;

// RocketMQ's GetMessageStatus (store-format §13).
enum class GetStatus {
  kFound,
  kNoMatchedMessage,
  kMessageWasRemoving,
  kOffsetFoundNull,
  kOffsetOverflowBadly,
  kOffsetOverflowOne,
  kOffsetTooSmall,
  kNoMatchedLogicQueue,
  kNoMessageInQueue,
};
std::string_view GetStatusName(GetStatus status);

struct GetResult {
  GetStatus status = GetStatus::kNoMessageInQueue;
  QueueOffset next_begin_offset;
  QueueOffset min_offset;
  QueueOffset max_offset;
  std::vector<StoredRecord> records;
  int64_t total_bytes = 0;
  bool suggest_pulling_from_slave = false;
  SegmentPins pins;
};

struct QueryResult {
  std::vector<StoredRecord> records;  // ascending physical offset
  int64_t index_last_update_timestamp = 0;
  PhysicalOffset index_last_update_phy_offset;
  SegmentPins pins;
};

// Recovery outcome, logged at open and available in StoreStats.
struct RecoveryReport {
  enum class Mode {
    kEmpty,     // no commit-log files
    kNormal,    // abort file absent: RocketMQ's recoverNormally
    kAbnormal,  // abort file present: scan with CRC, re-dispatch, truncate
    kReadOnly,  // read-only open: positions found, nothing written
  };
  Mode mode = Mode::kEmpty;
  int64_t scan_from = 0;             // physical offset the scan started at
  int64_t log_end = 0;               // physical offset of the end of valid data
  int64_t last_store_timestamp = 0;  // store time of the last valid record
  int64_t bytes_dropped = 0;         // bytes after log_end that held something
  int64_t files_removed = 0;         // commit-log files after log_end, deleted
  int64_t records_redispatched = 0;
  int64_t consume_queues_truncated = 0;
  int64_t index_files_removed = 0;
  std::string stopped_because;  // why the scan ended (decoder's message)
  double duration_ms = 0;

  std::string ToString() const;
};

}  // namespace rmq
