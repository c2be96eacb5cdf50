#pragma once
// What a workload reports: one JSON object (the --json line), a chart for
// --plot, and the human table it already printed on stdout.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "baseline.h"
#include "histogram.h"
#include "plot.h"
#include "workloads.h"

namespace rmq::bench {

struct Report {
  std::string json;
  std::optional<Chart> chart;
};

// {"p50":..,"p99":..,"p999":..,"max":..} in microseconds.
std::string LatencyJson(const Histogram& h);
// {"seq_write_mb_per_sec":..,"fdatasync_per_sec":..}
std::string BaselineJson(const SeqWriteResult& baseline);
// The fields every workload's JSON starts with (no braces).
std::string CommonJson(const std::string& workload, const Options& options,
                       const RunResult& run, const SeqWriteResult& baseline);

// Workloads (workload_*.cc). Each prints its table and returns its report.
absl::StatusOr<Report> RunAppendWorkload(const Options& options);
absl::StatusOr<Report> RunBacklogWorkload(const Options& options);
absl::StatusOr<Report> RunQueuesWorkload(const Options& options);
absl::StatusOr<Report> RunSyncWorkload(const Options& options);
absl::StatusOr<Report> RunConsumeWorkload(const Options& options);
absl::StatusOr<Report> RunLookupWorkload(const Options& options);
absl::StatusOr<Report> RunRecoverWorkload(const Options& options);
// Broker workloads (workload_broker.cc): need options.namesrv, not a store.
absl::StatusOr<Report> RunE2eWorkload(const Options& options);
absl::StatusOr<Report> RunConsumeE2eWorkload(const Options& options);

}  // namespace rmq::bench
