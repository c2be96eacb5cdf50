#pragma once
// rmq-bench workloads. Each measures librmqstore directly (no network); the
// caller measures a baseline on the same disk in the same run.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "histogram.h"
#include "progress.h"
#include "rmq/store.h"

namespace rmq::bench {

struct Options {
  std::string store;
  std::string config_file;
  int64_t messages = 0;  // 0: the workload's default
  int64_t size = 0;      // 0: the workload's default
  int topics = 1;
  int queues = 4;
  int producers = 1;
  std::string flush =
      "async";  // async|sync|buffer|buffer-sync|uring|uring-sync
  bool keys = false;
  uint64_t seed = 1;
  int consumers = 2;        // consume
  int64_t rate = 20000;     // consume: producer messages/s
  int64_t lookups = 10000;  // lookup
  int runs = 1;             // queues: sweeps, reported as medians
  // Broker workloads (e2e, consume-e2e): they talk to a running nameserver
  // and broker over loopback instead of opening a store.
  std::string namesrv;  // HOST:PORT
  std::string topic = "RmqBenchE2E";
};

// One measured append run.
struct RunResult {
  int64_t messages = 0;
  double seconds = 0;
  double msgs_per_sec = 0;
  double mb_per_sec = 0;
  Histogram latency_ns;
  // With a bucket size: latency per bucket of that many messages, in append
  // order (backlog curves).
  std::vector<Histogram> curve;
  // Puts that were the first in a new commit-log segment (they paid for
  // the roll), seen per producer.
  Histogram roll_latency_ns;
  std::string io_backend;
  std::string write_path;
};

struct AppendSpec {
  int64_t messages = 0;
  int64_t first_index = 0;  // message numbering continues across runs
  int64_t bucket = 0;       // 0: no curve
  Progress* progress = nullptr;
};

// Removes `path` and everything under it (nothing there is fine). The
// error_code form of remove_all: the throwing one ended a run in
// std::terminate.
absl::Status RemoveTree(const std::filesystem::path& path);

// Removes the directory and opens a store configured from `options`.
absl::StatusOr<std::unique_ptr<MessageStore>> OpenFresh(const Options& options);
absl::StatusOr<std::unique_ptr<MessageStore>> OpenExisting(
    const Options& options);

// Appends spec.messages with options.producers threads, round-robin over
// options.topics x options.queues queues, measuring each Put.
absl::StatusOr<RunResult> AppendMessages(MessageStore& store,
                                         const Options& options,
                                         const AppendSpec& spec);

// The topic and key of message number `n`.
std::string TopicFor(const Options& options, int64_t n);
int32_t QueueFor(const Options& options, int64_t n);
std::string KeyFor(int64_t n);

}  // namespace rmq::bench
