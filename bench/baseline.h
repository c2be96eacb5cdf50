#pragma once
// Same-run baselines on the benchmark's own disk, so results are ratios that
// hold on a noisy shared machine (ARCHITECTURE.md: numbers move 2-4x between
// runs minutes apart).

#include <cstdint>
#include <filesystem>

#include "absl/status/statusor.h"
#include "histogram.h"

namespace rmq::bench {

struct SeqWriteResult {
  double mb_per_sec = 0;         // pwrite 1 MiB blocks + one fdatasync
  double fdatasync_per_sec = 0;  // 4 KiB pwrite + fdatasync, repeated
};
absl::StatusOr<SeqWriteResult> MeasureSequentialWrite(
    const std::filesystem::path& dir, int64_t bytes);

struct GroupCommitResult {
  double msgs_per_sec = 0;
  Histogram latency_ns;
};
// The minimal group-commit reference: `producers` threads append 1 KiB
// records with pwrite into one file, one flusher thread fdatasyncs and
// releases every waiter at or below the synced offset.
absl::StatusOr<GroupCommitResult> MeasureGroupCommit(
    const std::filesystem::path& dir, int producers, int64_t messages,
    int64_t record_bytes);

}  // namespace rmq::bench
