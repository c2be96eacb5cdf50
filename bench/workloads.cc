#include "workloads.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>

#include "absl/strings/str_cat.h"

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

std::string TopicFor(const Options& o, int64_t n) {
  const int64_t q = n % (int64_t{o.topics} * o.queues);
  return absl::StrCat("Bench", q / o.queues);
}

int32_t QueueFor(const Options& o, int64_t n) {
  return static_cast<int32_t>(n % (int64_t{o.topics} * o.queues) % o.queues);
}

std::string KeyFor(int64_t n) { return absl::StrCat("key-", n); }

absl::Status RemoveTree(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::remove_all(path, error);
  if (!error) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("removing ", path.string(), ": ", error.message()));
}

absl::StatusOr<std::unique_ptr<MessageStore>> OpenFresh(const Options& o) {
  if (absl::Status s = RemoveTree(o.store); !s.ok()) return s;
  return OpenExisting(o);
}

absl::StatusOr<std::unique_ptr<MessageStore>> OpenExisting(const Options& o) {
  absl::StatusOr<StoreConfig> config = MakeConfig(o);
  if (!config.ok()) return config.status();
  return MessageStore::Open(*std::move(config));
}

absl::StatusOr<RunResult> AppendMessages(MessageStore& store, const Options& o,
                                         const AppendSpec& spec) {
  const int producers = std::max(1, o.producers);
  const int64_t per_producer = spec.messages / producers;
  const int64_t buckets =
      spec.bucket > 0
          ? (per_producer * producers + spec.bucket - 1) / spec.bucket
          : 0;
  std::vector<Histogram> latencies(static_cast<size_t>(producers));
  std::vector<std::vector<Histogram>> curves(
      static_cast<size_t>(producers),
      std::vector<Histogram>(static_cast<size_t>(buckets)));
  std::vector<absl::Status> failures(static_cast<size_t>(producers));
  std::vector<Histogram> rolls(static_cast<size_t>(producers));
  std::vector<int64_t> last_segment(static_cast<size_t>(producers), -1);
  const int64_t segment_size = store.config().mapped_file_size_commit_log;
  const std::string body(static_cast<size_t>(o.size), 'm');
  const int64_t bytes_before = store.Stats().put_bytes;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      MessageToStore m;
      m.body = body;
      m.born_host = HostAddress::V4(127, 0, 0, 1, 50000 + p);
      for (int64_t i = 0; i < per_producer; ++i) {
        const int64_t local = i * producers + p;  // order within this run
        const int64_t n = spec.first_index + local;
        m.topic = TopicFor(o, n);
        m.queue_id = QueueFor(o, n);
        if (o.keys) m.properties.Set(kPropertyKeys, KeyFor(n));
        const auto t0 = Clock::now();
        absl::StatusOr<PutResult> put = store.Put(m);
        const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               Clock::now() - t0)
                               .count();
        if (!put.ok()) {
          failures[p] = put.status();
          return;
        }
        latencies[p].Record(ns);
        // The first record of a segment: this put paid for the roll.
        const int64_t segment =
            put->physical_offset.value() / std::max<int64_t>(1, segment_size);
        if (segment != last_segment[p]) {
          if (last_segment[p] >= 0) rolls[p].Record(ns);
          last_segment[p] = segment;
        }
        if (buckets > 0) curves[p][local / spec.bucket].Record(ns);
        if (spec.progress != nullptr && (i & 1023) == 1023) {
          spec.progress->Add(1024);
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
  for (const Histogram& h : rolls) result.roll_latency_ns.Merge(h);
  result.curve.resize(static_cast<size_t>(buckets));
  for (const auto& per_producer_curve : curves) {
    for (size_t b = 0; b < per_producer_curve.size(); ++b) {
      result.curve[b].Merge(per_producer_curve[b]);
    }
  }
  result.messages = per_producer * producers;
  result.msgs_per_sec = static_cast<double>(result.messages) / result.seconds;
  const StoreStats stats = store.Stats();
  result.mb_per_sec = static_cast<double>(stats.put_bytes - bytes_before) /
                      (1 << 20) / result.seconds;
  result.io_backend = stats.io_backend;
  result.write_path = stats.write_path;
  return result;
}

}  // namespace rmq::bench
