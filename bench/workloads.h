#pragma once
// rmq-bench workloads. Each measures librmqstore directly (no network) and,
// in the same run, a baseline on the same disk.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "histogram.h"

namespace rmq::bench {

struct Options {
  std::string store;
  std::string config_file;
  int64_t messages = 0;  // 0: the workload's default
  int64_t size = 1024;
  int topics = 1;
  int queues = 4;
  int producers = 1;
  std::string flush = "async";  // async | sync | uring | uring-sync
  bool keys = false;
  uint64_t seed = 1;
};

// One measured configuration of a workload.
struct RunResult {
  int64_t messages = 0;
  double seconds = 0;
  double msgs_per_sec = 0;
  double mb_per_sec = 0;
  Histogram latency_ns;
  std::string io_backend;
  std::string write_path;
};

// `append`: producers append `messages` round-robin over topics x queues.
absl::StatusOr<RunResult> RunAppend(const Options& options);

}  // namespace rmq::bench
