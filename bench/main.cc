// rmq-bench: librmqstore benchmarks, each reported as a ratio to a baseline
// measured in the same run on the same disk (leveldb's db_bench model).
//   rmq-bench WORKLOAD --store DIR [options] [--json FILE] [--plot FILE.svg]
// Workloads: append, backlog, queues, sync, consume, lookup, recover.

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "CLI/CLI.hpp"
#include "report.h"

namespace rmq::bench {
namespace {

void PrintEnvironment(const Options& o) {
  struct utsname u;
  uname(&u);
  std::printf("rmq-bench: %s %s, %ld CPUs, g++ %s, store %s, flush %s\n",
              u.sysname, u.release, sysconf(_SC_NPROCESSORS_ONLN), __VERSION__,
              o.store.c_str(), o.flush.c_str());
#if !defined(NDEBUG)
  std::printf(
      "WARNING: built with assertions (not a release build): "
      "numbers are not representative\n");
#endif
#if defined(RMQ_SANITIZED)
  std::printf("WARNING: built with sanitizers: numbers are meaningless\n");
#endif
}

using Workload = absl::StatusOr<Report> (*)(const Options&);

const std::map<std::string, Workload>& Workloads() {
  static const std::map<std::string, Workload> kWorkloads = {
      {"append", &RunAppendWorkload},   {"backlog", &RunBacklogWorkload},
      {"queues", &RunQueuesWorkload},   {"sync", &RunSyncWorkload},
      {"consume", &RunConsumeWorkload}, {"lookup", &RunLookupWorkload},
      {"recover", &RunRecoverWorkload}};
  return kWorkloads;
}

}  // namespace
}  // namespace rmq::bench

int main(int argc, char** argv) {
  using rmq::bench::Workloads;
  CLI::App app{"rmq-bench: librmqstore benchmarks against a same-run baseline"};
  std::string workload, json_file, plot_file;
  rmq::bench::Options o;
  app.add_option(
         "workload", workload,
         "append | backlog | queues | sync | consume | lookup | recover")
      ->required();
  app.add_option("--store", o.store, "store directory (recreated)")->required();
  app.add_option("--config", o.config_file, "store .properties file");
  app.add_option("--messages", o.messages, "messages (default per workload)");
  app.add_option("--size", o.size, "body bytes (default per workload)");
  app.add_option("--topics", o.topics);
  app.add_option("--queues", o.queues, "queues per topic");
  app.add_option("--producers", o.producers, "producer threads");
  app.add_option("--flush", o.flush,
                 "async | sync (mmap), buffer | buffer-sync (write buffer + "
                 "pwrite), uring | uring-sync (write buffer + io_uring)");
  app.add_flag("--keys", o.keys, "a unique KEYS value per message");
  app.add_option("--seed", o.seed, "seed of the lookup workload's key choice");
  app.add_option("--consumers", o.consumers, "consume: cold readers");
  app.add_option("--rate", o.rate, "consume: producer messages/s");
  app.add_option("--lookups", o.lookups, "lookup: queries");
  app.add_option("--json", json_file, "append one JSON object per workload");
  app.add_option("--plot", plot_file, "write a self-contained SVG chart");
  CLI11_PARSE(app, argc, argv);
  auto it = Workloads().find(workload);
  if (it == Workloads().end()) {
    std::cerr << "rmq-bench: unknown workload " << workload << "\n";
    return 2;
  }
  rmq::bench::PrintEnvironment(o);
  // Baselines write next to the store, on the same disk.
  std::filesystem::create_directories(o.store + ".baseline");
  absl::StatusOr<rmq::bench::Report> report = it->second(o);
  std::filesystem::remove_all(o.store + ".baseline");
  if (!report.ok()) {
    std::cerr << "rmq-bench: " << report.status().message() << "\n";
    return 1;
  }
  if (!json_file.empty()) {
    std::ofstream(json_file, std::ios::app) << report->json << "\n";
  }
  if (!plot_file.empty()) {
    if (!report->chart.has_value()) {
      std::cerr << "rmq-bench: " << workload << " has no chart\n";
      return 1;
    }
    std::ofstream(plot_file) << rmq::bench::RenderSvg(*report->chart);
  }
  return 0;
}
