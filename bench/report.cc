#include "report.h"

#include "absl/strings/str_format.h"

namespace rmq::bench {

std::string LatencyJson(const Histogram& h) {
  return absl::StrFormat(
      "{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f}",
      h.Percentile(50) / 1e3, h.Percentile(99) / 1e3, h.Percentile(99.9) / 1e3,
      h.max() / 1e3);
}

std::string BaselineJson(const SeqWriteResult& b) {
  return absl::StrFormat(
      "{\"seq_write_mb_per_sec\":%.1f,\"fdatasync_per_sec\":%.1f}",
      b.mb_per_sec, b.fdatasync_per_sec);
}

std::string CommonJson(const std::string& workload, const Options& o,
                       const RunResult& run, const SeqWriteResult& baseline) {
  return absl::StrFormat(
      "\"workload\":\"%s\",\"messages\":%d,\"size\":%d,"
      "\"msgs_per_sec\":%.1f,\"mb_per_sec\":%.2f,\"latency_us\":%s,"
      "\"baseline\":%s,\"ratio_to_baseline\":%.3f,\"io_backend\":\"%s\","
      "\"write_path\":\"%s\",\"flush\":\"%s\",\"queues\":%d,"
      "\"producers\":%d",
      workload, run.messages, o.size, run.msgs_per_sec, run.mb_per_sec,
      LatencyJson(run.latency_ns), BaselineJson(baseline),
      baseline.mb_per_sec > 0 ? run.mb_per_sec / baseline.mb_per_sec : 0,
      run.io_backend, run.write_path, o.flush, o.topics * o.queues,
      o.producers);
}

}  // namespace rmq::bench
