// rmq-bench: librmqstore benchmarks, each reported as a ratio to a baseline
// measured in the same run on the same disk (leveldb's db_bench model).
//   rmq-bench WORKLOAD --store DIR [options] [--json FILE] [--plot FILE.svg]
//   rmq-bench e2e|consume-e2e --namesrv HOST:PORT [options] [--json FILE]
// Store workloads: append, backlog, queues, sync, consume, lookup, recover.
// Broker workloads (against a running rmq-namesrv + rmq-broker, no
// baseline): e2e, consume-e2e.

#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <system_error>

#include "CLI/CLI.hpp"
#include "report.h"
#include "workloads.h"

namespace rmq::bench {
namespace {

void PrintEnvironment(const Options& o, bool broker_workload) {
  struct utsname u;
  uname(&u);
  if (broker_workload) {
    std::printf("rmq-bench: %s %s, %ld CPUs, g++ %s, namesrv %s, topic %s\n",
                u.sysname, u.release, sysconf(_SC_NPROCESSORS_ONLN),
                __VERSION__, o.namesrv.c_str(), o.topic.c_str());
  } else {
    std::printf("rmq-bench: %s %s, %ld CPUs, g++ %s, store %s, flush %s\n",
                u.sysname, u.release, sysconf(_SC_NPROCESSORS_ONLN),
                __VERSION__, o.store.c_str(), o.flush.c_str());
  }
#if !defined(NDEBUG)
  std::printf(
      "WARNING: built with assertions (not a release build): "
      "numbers are not representative\n");
#endif
#if defined(RMQ_SANITIZED)
  std::printf("WARNING: built with sanitizers: numbers are meaningless\n");
#endif
}

// Touches `gib` GiB of anonymous memory once and frees it. On this VM the
// host backs guest memory lazily: the first touch of a guest page nobody has
// used yet cost 2.8 s/GiB against 0.37 s/GiB for a page used before, and a
// run whose page cache landed on such pages measured 3x slower than the next
// (docs/benchmarks.md). Warming first gives the baseline and the store the
// same kind of pages; the rate printed shows how cold the memory was.
void WarmMemory(int gib) {
  if (gib <= 0) return;
  const size_t bytes = static_cast<size_t>(gib) << 30;
  void* mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) {
    std::printf("warm memory: mmap of %d GiB failed, skipped\n", gib);
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  auto* bytes_ptr = static_cast<volatile char*>(mem);
  for (size_t at = 0; at < bytes; at += 4096) bytes_ptr[at] = 1;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  munmap(mem, bytes);
  std::printf("warm memory: touched %d GiB in %.2f s (%.2f s/GiB)\n", gib,
              seconds, seconds / gib);
}

using Workload = absl::StatusOr<Report> (*)(const Options&);

const std::map<std::string, Workload>& Workloads() {
  static const std::map<std::string, Workload> kWorkloads = {
      {"append", &RunAppendWorkload},         {"backlog", &RunBacklogWorkload},
      {"queues", &RunQueuesWorkload},         {"sync", &RunSyncWorkload},
      {"consume", &RunConsumeWorkload},       {"lookup", &RunLookupWorkload},
      {"recover", &RunRecoverWorkload},       {"e2e", &RunE2eWorkload},
      {"consume-e2e", &RunConsumeE2eWorkload}};
  return kWorkloads;
}

// The workloads that talk to a broker: they need --namesrv, not --store.
bool IsBrokerWorkload(const std::string& name) {
  return name == "e2e" || name == "consume-e2e";
}

}  // namespace
}  // namespace rmq::bench

int main(int argc, char** argv) {
  using rmq::bench::IsBrokerWorkload;
  using rmq::bench::Workloads;
  CLI::App app{"rmq-bench: librmqstore benchmarks against a same-run baseline"};
  std::string workload, json_file, plot_file;
  rmq::bench::Options o;
  app.add_option(
         "workload", workload,
         "append | backlog | queues | sync | consume | lookup | recover | "
         "e2e | consume-e2e")
      ->required();
  // Required by the store workloads only (checked below): the broker
  // workloads write nothing locally.
  app.add_option("--store", o.store, "store directory (recreated)");
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
  CLI::Option* rate = app.add_option(
      "--rate", o.rate,
      "consume: producer messages/s (default 20000); e2e: send rate "
      "(default 100)");
  app.add_option("--namesrv", o.namesrv,
                 "e2e, consume-e2e: the nameserver, HOST:PORT");
  app.add_option("--topic", o.topic, "e2e, consume-e2e: topic")
      ->capture_default_str();
  app.add_option("--lookups", o.lookups, "lookup: queries");
  app.add_option("--runs", o.runs,
                 "queues: repeat the sweep, report median [min-max] per "
                 "queue count and of each run's ratio to one queue")
      ->check(CLI::PositiveNumber);
  app.add_option("--json", json_file, "append one JSON object per workload");
  app.add_option("--plot", plot_file, "write a self-contained SVG chart");
  int warm_memory_gib = 0;
  app.add_option("--warm-memory", warm_memory_gib,
                 "GiB of memory to touch and free before running (VMs that "
                 "back guest memory lazily)");
  CLI11_PARSE(app, argc, argv);
  auto it = Workloads().find(workload);
  if (it == Workloads().end()) {
    std::cerr << "rmq-bench: unknown workload " << workload << "\n";
    return 2;
  }
  const bool broker_workload = IsBrokerWorkload(workload);
  if (broker_workload && o.namesrv.empty()) {
    std::cerr << "rmq-bench: " << workload << " needs --namesrv HOST:PORT\n";
    return 2;
  }
  if (!broker_workload && o.store.empty()) {
    std::cerr << "rmq-bench: " << workload << " needs --store DIR\n";
    return 2;
  }
  if (broker_workload && rate->count() == 0 && workload == "e2e") o.rate = 100;
  rmq::bench::PrintEnvironment(o, broker_workload);
  rmq::bench::WarmMemory(warm_memory_gib);
  // Baselines write next to the store, on the same disk.
  std::error_code error;
  if (!broker_workload) {
    std::filesystem::create_directories(o.store + ".baseline", error);
  }
  if (error) {
    std::cerr << "rmq-bench: creating " << o.store
              << ".baseline: " << error.message() << "\n";
    return 1;
  }
  absl::StatusOr<rmq::bench::Report> report = it->second(o);
  if (!broker_workload) {
    if (absl::Status s = rmq::bench::RemoveTree(o.store + ".baseline");
        !s.ok()) {
      std::cerr << "rmq-bench: " << s.message() << "\n";
    }
  }
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
