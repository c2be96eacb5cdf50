#pragma once
// A cheap snapshot of the store's counters and watermarks.

#include <cstdint>
#include <string>

#include "rmq/results.h"

namespace rmq {

struct StoreStats {
  int64_t put_messages = 0;
  int64_t put_bytes = 0;
  int64_t put_failures = 0;
  int64_t get_messages = 0;
  int64_t flush_timeouts = 0;

  int64_t min_physical_offset = 0;
  int64_t written_offset = 0;    // appended
  int64_t committed_offset = 0;  // readable (in the file / page cache)
  int64_t flushed_offset = 0;    // synced
  int64_t indexed_offset = 0;    // index built up to here
  // Records the index builder decoded; stretches without KEYS or UNIQ_KEY
  // are skipped unread.
  int64_t index_records_read = 0;

  int64_t commit_log_files = 0;
  int64_t consume_queues = 0;
  int64_t mapped_consume_queue_files = 0;
  int64_t index_files = 0;

  std::string write_path;  // "mmap" or "write-buffer"
  std::string io_backend;  // "mmap+msync", "pwrite" or "io_uring"
  std::string flush_disk_type;
  bool read_only = false;
  std::string read_only_reason;
  RecoveryReport recovery;
};

}  // namespace rmq
