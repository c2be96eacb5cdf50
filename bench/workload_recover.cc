// The recover workload: reopen time after a clean shutdown and after kill -9
// of a writer process, for a growing backlog.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "report.h"

namespace rmq::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Messages the killed writer appends after reopening (the unflushed tail):
// 20,000, or a quarter of a small run.
int64_t CrashTail(const Options& o) {
  return std::clamp<int64_t>(o.messages / 4, 100, 20000);
}

absl::StatusOr<double> TimedOpen(const Options& o, RecoveryReport* report) {
  const auto start = Clock::now();
  auto store = OpenExisting(o);
  if (!store.ok()) return store.status();
  const double ms =
      std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  *report = (*store)->Stats().recovery;
  absl::Status closed = (*store)->Shutdown();
  if (!closed.ok()) return closed;
  return ms;
}

// A child process opens the store, appends CrashTail(o) messages, tells the
// parent, and is killed with SIGKILL mid-flight.
absl::Status CrashWriter(const Options& o, int64_t first_index) {
  const int64_t tail = CrashTail(o);
  int ready[2];
  if (::pipe(ready) != 0) return absl::InternalError("pipe");
  const pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError("fork");
  if (pid == 0) {
    ::close(ready[0]);
    auto store = OpenExisting(o);
    if (store.ok()) {
      auto run = AppendMessages(
          **store, o, AppendSpec{.messages = tail, .first_index = first_index});
      if (run.ok()) (void)!::write(ready[1], "k", 1);
    }
    ::pause();  // killed here: nothing flushed, abort file left
    ::_exit(1);
  }
  ::close(ready[1]);
  char byte = 0;
  const bool appended = ::read(ready[0], &byte, 1) == 1;
  ::close(ready[0]);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return appended ? absl::OkStatus()
                  : absl::InternalError("the crash writer failed to append");
}

}  // namespace

absl::StatusOr<Report> RunRecoverWorkload(const Options& options) {
  Options o = options;
  if (o.messages == 0) o.messages = 2000000;
  if (o.size == 0) o.size = 1024;
  o.producers = 1;
  auto baseline = MeasureSequentialWrite(o.store + ".baseline", 256 << 20);
  if (!baseline.ok()) return baseline.status();
  std::printf("%12s %14s %14s %16s\n", "backlog", "clean open ms",
              "crash open ms", "crash scanned MB");
  Chart chart{.title = "Reopen time vs backlog",
              .x_label = "messages in the store",
              .y_label = "open time (ms)",
              .series = {{"after clean shutdown", {}}, {"after kill -9", {}}}};
  std::string rows;
  int64_t stored = 0;
  bool fresh = true;
  for (int step = 1; step <= 4; ++step) {
    const int64_t target = o.messages * step / 4;
    {
      auto store = fresh ? OpenFresh(o) : OpenExisting(o);
      if (!store.ok()) return store.status();
      fresh = false;
      Progress progress(absl::StrCat("recover: backlog ", target),
                        target - stored);
      auto run = AppendMessages(**store, o,
                                AppendSpec{.messages = target - stored,
                                           .first_index = stored,
                                           .progress = &progress});
      if (!run.ok()) return run.status();
      stored = target;
      absl::Status closed = (*store)->Shutdown();
      if (!closed.ok()) return closed;
    }
    RecoveryReport clean, crash;
    auto clean_ms = TimedOpen(o, &clean);
    if (!clean_ms.ok()) return clean_ms.status();
    absl::Status crashed = CrashWriter(o, stored);
    if (!crashed.ok()) return crashed;
    stored += CrashTail(o);
    auto crash_ms = TimedOpen(o, &crash);
    if (!crash_ms.ok()) return crash_ms.status();
    const double scanned_mb = (crash.log_end - crash.scan_from) / 1048576.0;
    std::printf("%12lld %14.1f %14.1f %16.1f\n", static_cast<long long>(stored),
                *clean_ms, *crash_ms, scanned_mb);
    chart.series[0].points.emplace_back(stored, *clean_ms);
    chart.series[1].points.emplace_back(stored, *crash_ms);
    absl::StrAppendFormat(
        &rows,
        "%s{\"backlog\":%d,\"clean_open_ms\":%.1f,\"crash_open_ms\":%.1f,"
        "\"crash_scanned_bytes\":%d,\"clean_mode\":\"%s\"}",
        rows.empty() ? "" : ",", stored, *clean_ms, *crash_ms,
        crash.log_end - crash.scan_from,
        clean.mode == RecoveryReport::Mode::kNormal ? "normal" : "other");
  }
  RunResult run;
  run.messages = stored;
  return Report{absl::StrCat("{", CommonJson("recover", o, run, *baseline),
                             ",\"by_backlog\":[", rows, "]}"),
                std::move(chart)};
}

}  // namespace rmq::bench
