// The write workloads: append, backlog, queues, sync.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "report.h"

namespace rmq::bench {
namespace {

// Record overhead beyond the body: header, hosts, topic, properties.
constexpr int64_t kRecordOverhead = 110;

absl::StatusOr<SeqWriteResult> Baseline(const Options& o, int64_t bytes) {
  return MeasureSequentialWrite(o.store + ".baseline", bytes);
}

// The workload's defaults where the command line left 0.
Options WithDefaults(const Options& options, int64_t messages, int64_t size) {
  Options o = options;
  if (o.messages == 0) o.messages = messages;
  if (o.size == 0) o.size = size;
  return o;
}

// The baseline for as many bytes as the run appends, at most `cap`.
absl::StatusOr<SeqWriteResult> BaselineForRun(
    const Options& o, int64_t cap = std::numeric_limits<int64_t>::max()) {
  return Baseline(o, std::min(o.messages * (o.size + kRecordOverhead), cap));
}

void PrintHeader() {
  std::printf("%-10s %10s %9s %9s %9s %9s %9s %10s %7s\n", "run", "msgs/s",
              "MB/s", "p50us", "p99us", "p999us", "maxus", "base MB/s",
              "ratio");
}

void PrintRow(const std::string& name, const RunResult& r, double base_mb) {
  std::printf("%-10s %10.0f %9.1f %9.1f %9.1f %9.1f %9.0f %10.1f %7.2f\n",
              name.c_str(), r.msgs_per_sec, r.mb_per_sec,
              r.latency_ns.Percentile(50) / 1e3,
              r.latency_ns.Percentile(99) / 1e3,
              r.latency_ns.Percentile(99.9) / 1e3, r.latency_ns.max() / 1e3,
              base_mb, base_mb > 0 ? r.mb_per_sec / base_mb : 0);
}

absl::StatusOr<RunResult> FreshRun(const Options& o, const AppendSpec& spec) {
  auto store = OpenFresh(o);
  if (!store.ok()) return store.status();
  auto run = AppendMessages(**store, o, spec);
  if (!run.ok()) return run;
  absl::Status closed = (*store)->Shutdown();
  if (!closed.ok()) return closed;
  return run;
}

}  // namespace

absl::StatusOr<Report> RunAppendWorkload(const Options& options) {
  const Options o = WithDefaults(options, 1000000, 1024);
  auto baseline = BaselineForRun(o);
  if (!baseline.ok()) return baseline.status();
  Progress progress("append", o.messages);
  auto run =
      FreshRun(o, AppendSpec{.messages = o.messages, .progress = &progress});
  if (!run.ok()) return run.status();
  PrintHeader();
  PrintRow("append", *run, baseline->mb_per_sec);
  return Report{
      absl::StrCat("{", CommonJson("append", o, *run, *baseline), "}"),
      std::nullopt};
}

absl::StatusOr<Report> RunBacklogWorkload(const Options& options) {
  const Options o = WithDefaults(options, 100000000, 128);
  auto baseline = BaselineForRun(o, int64_t{4} << 30);
  if (!baseline.ok()) return baseline.status();
  const int64_t bucket = std::max<int64_t>(1, o.messages / 100);
  Progress progress("backlog", o.messages);
  auto run = FreshRun(
      o, AppendSpec{
             .messages = o.messages, .bucket = bucket, .progress = &progress});
  if (!run.ok()) return run.status();
  PrintHeader();
  PrintRow("backlog", *run, baseline->mb_per_sec);
  std::printf("%12s %9s %9s %9s %9s\n", "backlog", "p50us", "p99us", "p999us",
              "maxus");
  Chart chart{.title = absl::StrFormat("Put latency vs backlog (%d x %d B, %s)",
                                       o.messages, o.size, o.flush),
              .x_label = "messages in the store",
              .y_label = "put latency (us)",
              .log_y = true,
              .series = {{"p50", {}}, {"p99", {}}, {"p99.9", {}}, {"max", {}}}};
  std::string curve;
  for (size_t b = 0; b < run->curve.size(); ++b) {
    const Histogram& h = run->curve[b];
    const double at = static_cast<double>((b + 1) * bucket);
    const double p50 = h.Percentile(50) / 1e3, p99 = h.Percentile(99) / 1e3,
                 p999 = h.Percentile(99.9) / 1e3, max = h.max() / 1e3;
    if (b % 10 == 9 || b == 0) {
      std::printf("%12.0f %9.1f %9.1f %9.1f %9.0f\n", at, p50, p99, p999, max);
    }
    chart.series[0].points.emplace_back(at, p50);
    chart.series[1].points.emplace_back(at, p99);
    chart.series[2].points.emplace_back(at, p999);
    chart.series[3].points.emplace_back(at, max);
    absl::StrAppendFormat(&curve,
                          "%s{\"backlog\":%.0f,\"p50\":%.1f,\"p99\":%.1f,"
                          "\"p999\":%.1f,\"max\":%.1f}",
                          curve.empty() ? "" : ",", at, p50, p99, p999, max);
  }
  std::printf(
      "segment rolls: %lld, put latency at a roll: p50 %.1f us, "
      "max %.1f us; max of all puts %.1f us\n",
      static_cast<long long>(run->roll_latency_ns.count()),
      run->roll_latency_ns.Percentile(50) / 1e3,
      run->roll_latency_ns.max() / 1e3, run->latency_ns.max() / 1e3);
  return Report{
      absl::StrCat("{", CommonJson("backlog", o, *run, *baseline),
                   absl::StrFormat(",\"rolls\":%d,\"roll_latency_us\":%s",
                                   run->roll_latency_ns.count(),
                                   LatencyJson(run->roll_latency_ns)),
                   ",\"curve\":[", curve, "]}"),
      std::move(chart)};
}

namespace {

// One queue count of a sweep.
struct QueuesPhase {
  RunResult run;
  double create_seconds = 0;  // the warm-up message per queue
};

// Moves a finished phase's store under `aside`: its commit log, the bulk of
// its bytes, is removed at once, its tens of thousands of small files only
// when the workload ends. Deleting them right before the next phase creates
// as many made that phase's queue creation 6-22x slower here: ext4 without
// a journal (this machine's root) avoids reusing an inode freed in the last
// 60 s (360 s while its inode-table block is dirty) and checks each such
// inode on every allocation (find_inode_bit -> recently_deleted: 91% of the
// creating thread's samples), 0.3-1.0 ms per queue against 45-50 us. Those
// idle seconds let this VM's host take back the memory the timed run needs.
absl::Status SetAside(const std::string& store, const std::string& aside,
                      int serial) {
  std::error_code error;
  std::filesystem::create_directories(aside, error);
  const std::filesystem::path to =
      std::filesystem::path(aside) / std::to_string(serial);
  if (!error) std::filesystem::rename(store, to, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("setting aside the store ", store, ": ", error.message()));
  }
  return RemoveTree(to / "commitlog");
}

// One sweep over `counts`: per count a fresh store, its queues created first
// (a message each: creating a queue, directory, file and mapping, is a
// one-time cost paid by its first message, so it is measured apart and the
// timed run shows steady state), then the timed messages.
absl::StatusOr<std::vector<QueuesPhase>> SweepQueues(
    const Options& o, const std::vector<int>& counts, double base_mb,
    const std::string& aside, int& serial) {
  std::vector<QueuesPhase> phases;
  for (int q : counts) {
    Options run_options = o;
    run_options.queues = std::min(q, 100);
    run_options.topics = q / run_options.queues;
    auto store = OpenFresh(run_options);
    if (!store.ok()) return store.status();
    auto warm = AppendMessages(**store, run_options, AppendSpec{.messages = q});
    if (!warm.ok()) return warm.status();
    auto run =
        AppendMessages(**store, run_options,
                       AppendSpec{.messages = o.messages, .first_index = q});
    if (!run.ok()) return run.status();
    absl::Status closed = (*store)->Shutdown();
    if (!closed.ok()) return closed;
    store->reset();
    if (absl::Status s = SetAside(o.store, aside, serial++); !s.ok()) return s;
    std::printf("  (creating %d queues: %.2f s, %.0f us each)\n", q,
                warm->seconds, warm->seconds * 1e6 / q);
    PrintRow(absl::StrCat(q, " queues"), *run, base_mb);
    phases.push_back({*std::move(run), warm->seconds});
  }
  return phases;
}

// Median, min and max of a non-empty list.
struct Spread {
  double median = 0, min = 0, max = 0;
};

Spread SpreadOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  const double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return {median, v.front(), v.back()};
}

}  // namespace

absl::StatusOr<Report> RunQueuesWorkload(const Options& options) {
  const Options o = WithDefaults(options, 1000000, 1024);
  auto baseline = BaselineForRun(o);
  if (!baseline.ok()) return baseline.status();
  std::vector<int> counts = {1, 100, 1000, 10000};
  if (options.queues > 10000) counts.push_back(options.queues);
  const int runs = std::max(1, o.runs);
  PrintHeader();
  std::vector<std::vector<QueuesPhase>> sweeps;  // [run][count]
  const std::string aside = o.store + ".phases";
  (void)RemoveTree(aside);  // left by a run that died; best effort
  absl::Cleanup remove_aside = [&aside] { (void)RemoveTree(aside); };
  int serial = 0;
  for (int r = 0; r < runs; ++r) {
    if (runs > 1) std::printf("sweep %d of %d\n", r + 1, runs);
    auto sweep = SweepQueues(o, counts, baseline->mb_per_sec, aside, serial);
    if (!sweep.ok()) return sweep.status();
    sweeps.push_back(*std::move(sweep));
  }
  Chart chart{
      .title = absl::StrFormat("Append throughput vs queues (%d B, %s)", o.size,
                               o.flush),
      .x_label = "queues",
      .y_label = runs > 1 ? "messages/s (median of runs)" : "messages/s",
      .log_x = true,
      .series = {{"rmq", {}}}};
  if (runs > 1) {
    std::printf("over %d sweeps, median [min-max]: msgs/s; ratio to 1 queue\n",
                runs);
  }
  std::string rows;
  for (size_t i = 0; i < counts.size(); ++i) {
    // Each run's ratio uses that run's own one-queue phase.
    std::vector<double> rates, mbs, ratios, creates;
    Histogram latency;
    for (const auto& sweep : sweeps) {
      const RunResult& run = sweep[i].run;
      rates.push_back(run.msgs_per_sec);
      mbs.push_back(run.mb_per_sec);
      ratios.push_back(run.msgs_per_sec / sweep[0].run.msgs_per_sec);
      creates.push_back(sweep[i].create_seconds * 1e6 / counts[i]);
      latency.Merge(run.latency_ns);
    }
    const Spread rate = SpreadOf(rates), ratio = SpreadOf(ratios);
    if (runs > 1) {
      std::printf("%-13s %10.0f [%.0f-%.0f]; %.2f [%.2f-%.2f]\n",
                  absl::StrCat(counts[i], " queues").c_str(), rate.median,
                  rate.min, rate.max, ratio.median, ratio.min, ratio.max);
    }
    chart.series[0].points.emplace_back(counts[i], rate.median);
    absl::StrAppendFormat(
        &rows,
        "%s{\"queues\":%d,\"msgs_per_sec\":%.1f,\"mb_per_sec\":%.2f,"
        "\"latency_us\":%s,\"ratio_to_one_queue\":%.3f,"
        "\"ratio_to_baseline\":%.3f,\"queue_create_us\":%.1f,\"runs\":%d,"
        "\"msgs_per_sec_min\":%.1f,\"msgs_per_sec_max\":%.1f,"
        "\"ratio_to_one_queue_min\":%.3f,\"ratio_to_one_queue_max\":%.3f}",
        rows.empty() ? "" : ",", counts[i], rate.median, SpreadOf(mbs).median,
        LatencyJson(latency), ratio.median,
        SpreadOf(mbs).median / baseline->mb_per_sec, SpreadOf(creates).median,
        runs, rate.min, rate.max, ratio.min, ratio.max);
  }
  Options last_options = o;
  last_options.topics = counts.back() / std::min(counts.back(), 100);
  last_options.queues = std::min(counts.back(), 100);
  return Report{absl::StrCat("{",
                             CommonJson("queues", last_options,
                                        sweeps.back().back().run, *baseline),
                             ",\"by_queues\":[", rows, "]}"),
                std::move(chart)};
}

absl::StatusOr<Report> RunSyncWorkload(const Options& options) {
  Options o = options;
  if (o.flush == "async") o.flush = "sync";
  if (o.flush != "sync" && !o.flush.ends_with("-sync")) {
    return absl::InvalidArgumentError(
        "sync: --flush must be sync, buffer-sync or uring-sync");
  }
  const int64_t messages = o.messages == 0 ? 20000 : o.messages;
  o.size = 1024;
  auto baseline = Baseline(o, 64 << 20);
  if (!baseline.ok()) return baseline.status();
  std::printf("%-9s %10s %9s %12s %9s %8s %8s\n", "producers", "msgs/s",
              "p99us", "ref msgs/s", "ref p99us", "ratio", "p99/ref");
  Chart chart{
      .title = absl::StrFormat("SYNC_FLUSH group commit, 1 KiB (%s)", o.flush),
      .x_label = "producers",
      .y_label = "messages/s",
      .log_x = true,
      .series = {{"rmq", {}}, {"pwrite+fdatasync reference", {}}}};
  std::string rows;
  RunResult last;
  for (int producers : {1, 4, 16, 64}) {
    o.producers = producers;
    o.messages = std::max<int64_t>(messages, producers * 50);
    auto reference = MeasureGroupCommit(o.store + ".baseline", producers,
                                        o.messages, o.size + kRecordOverhead);
    if (!reference.ok()) return reference.status();
    auto run = FreshRun(o, AppendSpec{.messages = o.messages});
    if (!run.ok()) return run.status();
    const double ratio = run->msgs_per_sec / reference->msgs_per_sec;
    const double p99_ratio =
        static_cast<double>(run->latency_ns.Percentile(99)) /
        std::max<int64_t>(1, reference->latency_ns.Percentile(99));
    std::printf("%-9d %10.0f %9.1f %12.0f %9.1f %8.2f %8.2f\n", producers,
                run->msgs_per_sec, run->latency_ns.Percentile(99) / 1e3,
                reference->msgs_per_sec,
                reference->latency_ns.Percentile(99) / 1e3, ratio, p99_ratio);
    chart.series[0].points.emplace_back(producers, run->msgs_per_sec);
    chart.series[1].points.emplace_back(producers, reference->msgs_per_sec);
    absl::StrAppendFormat(
        &rows,
        "%s{\"producers\":%d,\"msgs_per_sec\":%.1f,\"latency_us\":%s,"
        "\"reference_msgs_per_sec\":%.1f,\"reference_latency_us\":%s,"
        "\"ratio_to_baseline\":%.3f,\"p99_ratio_to_reference\":%.3f}",
        rows.empty() ? "" : ",", producers, run->msgs_per_sec,
        LatencyJson(run->latency_ns), reference->msgs_per_sec,
        LatencyJson(reference->latency_ns), ratio, p99_ratio);
    last = *std::move(run);
  }
  return Report{absl::StrCat("{", CommonJson("sync", o, last, *baseline),
                             ",\"by_producers\":[", rows, "]}"),
                std::move(chart)};
}

}  // namespace rmq::bench
