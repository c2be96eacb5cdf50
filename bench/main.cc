// rmq-bench: librmqstore benchmarks, each reported as a ratio to a baseline
// measured in the same run on the same disk.
//   rmq-bench WORKLOAD --store DIR [options] [--json FILE]
// Workloads so far: append, sync (see bench/README or --help).

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "baseline.h"
#include "workloads.h"

namespace rmq::bench {
namespace {

void PrintEnvironment() {
  struct utsname u;
  uname(&u);
  std::printf("rmq-bench: %s %s, %ld CPUs, compiler %s\n", u.sysname,
              u.release, sysconf(_SC_NPROCESSORS_ONLN), __VERSION__);
#if !defined(NDEBUG)
  std::printf("WARNING: built with assertions (not a release build): "
              "numbers are not representative\n");
#endif
#if defined(RMQ_SANITIZED)
  std::printf("WARNING: built with sanitizers: numbers are meaningless\n");
#endif
}

std::string LatencyJson(const Histogram& h) {
  return absl::StrFormat(
      "{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f}",
      h.Percentile(50) / 1e3, h.Percentile(99) / 1e3,
      h.Percentile(99.9) / 1e3, h.max() / 1e3);
}

std::string BaselineJson(const SeqWriteResult& b) {
  return absl::StrFormat(
      "{\"seq_write_mb_per_sec\":%.1f,\"fdatasync_per_sec\":%.1f}",
      b.mb_per_sec, b.fdatasync_per_sec);
}

absl::StatusOr<std::string> Append(Options o) {
  if (o.messages == 0) o.messages = 1000000;
  auto baseline = MeasureSequentialWrite(
      o.store + ".baseline", o.messages * (o.size + 100));
  if (!baseline.ok()) return baseline.status();
  auto run = RunAppend(o);
  if (!run.ok()) return run.status();
  const double ratio = run->mb_per_sec / baseline->mb_per_sec;
  std::printf("%-8s %10s %10s %9s %9s %9s %9s %8s\n", "workload", "msgs/s",
              "MB/s", "p50us", "p99us", "p999us", "base MB/s", "ratio");
  std::printf("%-8s %10.0f %10.1f %9.1f %9.1f %9.1f %9.1f %8.2f\n", "append",
              run->msgs_per_sec, run->mb_per_sec,
              run->latency_ns.Percentile(50) / 1e3,
              run->latency_ns.Percentile(99) / 1e3,
              run->latency_ns.Percentile(99.9) / 1e3, baseline->mb_per_sec,
              ratio);
  return absl::StrFormat(
      "{\"workload\":\"append\",\"messages\":%d,\"size\":%d,"
      "\"msgs_per_sec\":%.1f,\"mb_per_sec\":%.2f,\"latency_us\":%s,"
      "\"baseline\":%s,\"ratio_to_baseline\":%.3f,\"io_backend\":\"%s\","
      "\"write_path\":\"%s\",\"flush\":\"%s\",\"queues\":%d,"
      "\"producers\":%d}",
      run->messages, o.size, run->msgs_per_sec, run->mb_per_sec,
      LatencyJson(run->latency_ns), BaselineJson(*baseline), ratio,
      run->io_backend, run->write_path, o.flush, o.topics * o.queues,
      o.producers);
}

absl::StatusOr<std::string> Sync(Options o) {
  if (o.flush == "async") o.flush = "sync";
  if (o.flush != "sync" && !o.flush.ends_with("-sync")) {
    return absl::InvalidArgumentError(
        "sync: --flush must be sync, buffer-sync or uring-sync");
  }
  const int64_t messages = o.messages == 0 ? 20000 : o.messages;
  o.size = 1024;
  auto baseline = MeasureSequentialWrite(o.store + ".baseline", 64 << 20);
  if (!baseline.ok()) return baseline.status();
  std::printf("%-9s %10s %9s %12s %9s %8s %8s\n", "producers", "msgs/s",
              "p99us", "ref msgs/s", "ref p99us", "ratio", "p99/ref");
  std::string rows;
  std::string backend, path;
  for (int producers : {1, 4, 16, 64}) {
    o.producers = producers;
    o.messages = std::max<int64_t>(messages, producers * 50);
    auto reference = MeasureGroupCommit(o.store + ".baseline", producers,
                                        o.messages, o.size + 100);
    if (!reference.ok()) return reference.status();
    auto run = RunAppend(o);
    if (!run.ok()) return run.status();
    backend = run->io_backend;
    path = run->write_path;
    const double ratio = run->msgs_per_sec / reference->msgs_per_sec;
    const double p99_ratio =
        static_cast<double>(run->latency_ns.Percentile(99)) /
        std::max<int64_t>(1, reference->latency_ns.Percentile(99));
    std::printf("%-9d %10.0f %9.1f %12.0f %9.1f %8.2f %8.2f\n", producers,
                run->msgs_per_sec, run->latency_ns.Percentile(99) / 1e3,
                reference->msgs_per_sec,
                reference->latency_ns.Percentile(99) / 1e3, ratio, p99_ratio);
    absl::StrAppend(
        &rows, rows.empty() ? "" : ",",
        absl::StrFormat(
            "{\"producers\":%d,\"msgs_per_sec\":%.1f,\"latency_us\":%s,"
            "\"reference_msgs_per_sec\":%.1f,\"reference_latency_us\":%s,"
            "\"ratio_to_baseline\":%.3f,\"p99_ratio_to_reference\":%.3f}",
            producers, run->msgs_per_sec, LatencyJson(run->latency_ns),
            reference->msgs_per_sec, LatencyJson(reference->latency_ns), ratio,
            p99_ratio));
  }
  return absl::StrFormat(
      "{\"workload\":\"sync\",\"messages\":%d,\"size\":%d,\"baseline\":%s,"
      "\"io_backend\":\"%s\",\"write_path\":\"%s\",\"flush\":\"%s\","
      "\"queues\":%d,\"by_producers\":[%s]}",
      messages, o.size, BaselineJson(*baseline), backend, path, o.flush,
      o.topics * o.queues, rows);
}

}  // namespace
}  // namespace rmq::bench

int main(int argc, char** argv) {
  CLI::App app{"rmq-bench: librmqstore benchmarks against a same-run baseline"};
  std::string workload, json_file;
  rmq::bench::Options o;
  app.add_option("workload", workload, "append | sync")->required();
  app.add_option("--store", o.store, "store directory (recreated)")->required();
  app.add_option("--config", o.config_file, "store .properties file");
  app.add_option("--messages", o.messages, "messages per run");
  app.add_option("--size", o.size, "body bytes");
  app.add_option("--topics", o.topics);
  app.add_option("--queues", o.queues, "queues per topic");
  app.add_option("--producers", o.producers, "producer threads");
  app.add_option("--flush", o.flush,
                 "async | sync (mmap), buffer | buffer-sync (write buffer + "
                 "pwrite), uring | uring-sync (write buffer + io_uring)");
  app.add_flag("--keys", o.keys, "a unique KEYS value per message");
  app.add_option("--seed", o.seed);
  app.add_option("--json", json_file, "append one JSON object per workload");
  CLI11_PARSE(app, argc, argv);
  rmq::bench::PrintEnvironment();
  // Baselines write next to the store, on the same disk.
  std::filesystem::create_directories(o.store + ".baseline");
  absl::StatusOr<std::string> json =
      workload == "append"   ? rmq::bench::Append(o)
      : workload == "sync"   ? rmq::bench::Sync(o)
                             : absl::InvalidArgumentError(
                                   "unknown workload " + workload);
  if (!json.ok()) {
    std::cerr << "rmq-bench: " << json.status().message() << "\n";
    return 1;
  }
  if (!json_file.empty()) {
    std::ofstream(json_file, std::ios::app) << *json << "\n";
  }
  return 0;
}
