#pragma once
// Checks a store directory without opening it for writing (rmq-store verify):
// every commit-log record (magic, size, CRC, physical offset field), every
// consume-queue unit against the record it points at (topic, queue, queue
// offset, size, tag code) and the other way round, the index files' chains,
// and the checkpoint. Works on stores written by Apache RocketMQ too.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rmq/store_config.h"

namespace rmq {

struct VerifyReport {
  int64_t segments = 0;
  int64_t records = 0;
  int64_t blanks = 0;
  int64_t log_min = 0;
  int64_t log_end = 0;
  int64_t consume_queues = 0;
  int64_t units = 0;
  int64_t index_files = 0;
  int64_t index_items = 0;
  std::vector<std::string> problems;  // empty: the store is clean

  bool clean() const { return problems.empty(); }
};

// Uses config.store_path_root_dir / store_path_commit_log, the index geometry
// and delay levels of `config`; segment sizes are read from the files.
// Non-OK only when the store cannot be read at all.
absl::StatusOr<VerifyReport> VerifyStore(const StoreConfig& config);

}  // namespace rmq
