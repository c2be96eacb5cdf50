#include "workloads.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "rmq/store.h"

namespace rmq::bench {
namespace {

using Clock = std::chrono::steady_clock;

absl::StatusOr<StoreConfig> MakeConfig(const Options& o) {
  StoreConfig config;
  if (!o.config_file.empty()) {
    auto file = PropertiesFile::Load(o.config_file);
    if (!file.ok()) return file.status();
    auto applied = ApplyStoreProperties(*file, &config, nullptr);
    if (!applied.ok()) return applied;
  }
  config.store_path_root_dir = o.store;
  config.logger = StderrLogger(LogLevel::kWarn);
  // mmap path: async | sync; write-buffer path committed with pwrite:
  // buffer | buffer-sync, or with io_uring: uring | uring-sync.
  static const std::vector<std::string> kModes = {
      "async", "sync", "buffer", "buffer-sync", "uring", "uring-sync"};
  if (std::find(kModes.begin(), kModes.end(), o.flush) == kModes.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--flush must be async, sync, buffer, buffer-sync, uring or "
        "uring-sync, not ",
        o.flush));
  }
  if (o.flush == "sync" || o.flush.ends_with("-sync")) {
    config.flush_disk_type = FlushDiskType::kSyncFlush;
  }
  const bool uring = o.flush.starts_with("uring");
  config.transient_store_pool_enable = uring || o.flush.starts_with("buffer");
  if (config.transient_store_pool_enable) {
    config.write_buffer_backend =
        uring ? WriteBackend::kIoUring : WriteBackend::kPwrite;
  }
  return config;
}

}  // namespace

absl::StatusOr<RunResult> RunAppend(const Options& o) {
  absl::StatusOr<StoreConfig> config = MakeConfig(o);
  if (!config.ok()) return config.status();
  std::filesystem::remove_all(o.store);
  auto store = MessageStore::Open(*config);
  if (!store.ok()) return store.status();
  const int queues_total = o.topics * o.queues;
  std::vector<std::string> topics;
  for (int t = 0; t < o.topics; ++t) topics.push_back(absl::StrCat("Bench", t));
  std::vector<Histogram> latencies(static_cast<size_t>(o.producers));
  std::vector<absl::Status> failures(static_cast<size_t>(o.producers));
  const int64_t per_producer = o.messages / o.producers;
  const std::string body(static_cast<size_t>(o.size), 'm');
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < o.producers; ++p) {
    threads.emplace_back([&, p] {
      MessageToStore m;
      m.body = body;
      m.born_host = HostAddress::V4(127, 0, 0, 1, 50000 + p);
      for (int64_t i = 0; i < per_producer; ++i) {
        const int64_t n = i * o.producers + p;
        const int q = static_cast<int>(n % queues_total);
        m.topic = topics[static_cast<size_t>(q / o.queues)];
        m.queue_id = q % o.queues;
        if (o.keys) m.properties.Set(kPropertyKeys, absl::StrCat("key-", n));
        const auto t0 = Clock::now();
        absl::StatusOr<PutResult> put = (*store)->Put(m);
        latencies[p].Record(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                Clock::now() - t0)
                                .count());
        if (!put.ok()) {
          failures[p] = put.status();
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  RunResult result;
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (const absl::Status& f : failures) {
    if (!f.ok()) return f;
  }
  for (const Histogram& h : latencies) result.latency_ns.Merge(h);
  result.messages = per_producer * o.producers;
  result.msgs_per_sec = static_cast<double>(result.messages) / result.seconds;
  const StoreStats stats = (*store)->Stats();
  result.mb_per_sec =
      static_cast<double>(stats.put_bytes) / (1 << 20) / result.seconds;
  result.io_backend = stats.io_backend;
  result.write_path = stats.write_path;
  auto closed = (*store)->Shutdown();
  if (!closed.ok()) return closed;
  return result;
}

}  // namespace rmq::bench
