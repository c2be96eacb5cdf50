// The read workloads: consume (cold and hot readers beside a producer) and
// lookup (query by key).

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "report.h"

namespace rmq::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Drops the page cache so "cold" readers really read from disk (needs root).
bool DropPageCache() {
  ::sync();
  std::ofstream drop("/proc/sys/vm/drop_caches");
  if (!drop) return false;
  drop << "3\n";
  return static_cast<bool>(drop.flush());
}

// A producer putting at `rate` messages/s until `stop`, recording latency.
Histogram PacedProducer(MessageStore& store, const Options& o, int64_t rate,
                        int64_t first_index, const std::atomic<bool>& stop) {
  Histogram latency;
  MessageToStore m;
  m.body = std::string(static_cast<size_t>(o.size), 'p');
  const auto start = Clock::now();
  for (int64_t i = 0; !stop.load(); ++i) {
    const auto due = start + std::chrono::nanoseconds(i * 1'000'000'000 / rate);
    std::this_thread::sleep_until(due);
    m.topic = TopicFor(o, first_index + i);
    m.queue_id = QueueFor(o, first_index + i);
    const auto t0 = Clock::now();
    if (!store.Put(m).ok()) break;
    latency.Record(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0)
            .count());
  }
  return latency;
}

// Reads queues {first, first + step, ...} from offset 0 up to `until`.
int64_t ColdReader(const MessageStore& store, const Options& o, int first,
                   int step, const std::vector<int64_t>& until) {
  int64_t read = 0;
  const int queues = o.topics * o.queues;
  for (int q = first; q < queues; q += step) {
    const std::string topic = TopicFor(o, q);
    const QueueId id(QueueFor(o, q));
    int64_t offset = 0;
    while (offset < until[static_cast<size_t>(q)]) {
      auto got = store.Get(GetRequest{.topic = topic,
                                      .queue_id = id,
                                      .offset = QueueOffset(offset),
                                      .max_messages = 32});
      if (!got.ok() || got->records.empty()) break;
      read += static_cast<int64_t>(got->records.size());
      offset = got->next_begin_offset.value();
    }
  }
  return read;
}

// Follows the head of every queue until `stop`.
int64_t TailReader(const MessageStore& store, const Options& o,
                   const std::atomic<bool>& stop) {
  const int queues = o.topics * o.queues;
  std::vector<int64_t> next(static_cast<size_t>(queues));
  for (int q = 0; q < queues; ++q) {
    next[q] =
        store.MaxOffsetInQueue(TopicFor(o, q), QueueId(QueueFor(o, q))).value();
  }
  int64_t read = 0;
  while (!stop.load()) {
    bool any = false;
    for (int q = 0; q < queues; ++q) {
      auto got = store.Get(GetRequest{.topic = TopicFor(o, q),
                                      .queue_id = QueueId(QueueFor(o, q)),
                                      .offset = QueueOffset(next[q]),
                                      .max_messages = 32});
      if (!got.ok() || got->records.empty()) continue;
      any = true;
      read += static_cast<int64_t>(got->records.size());
      next[q] = got->next_begin_offset.value();
    }
    if (!any) std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return read;
}

}  // namespace

absl::StatusOr<Report> RunConsumeWorkload(const Options& options) {
  Options o = options;
  if (o.messages == 0) o.messages = 1000000;
  if (o.size == 0) o.size = 1024;
  auto baseline = MeasureSequentialWrite(o.store + ".baseline",
                                         o.messages * (o.size + 110));
  if (!baseline.ok()) return baseline.status();
  auto store = OpenFresh(o);
  if (!store.ok()) return store.status();
  {
    Progress progress("consume: backlog", o.messages);
    auto fill = AppendMessages(
        **store, o, AppendSpec{.messages = o.messages, .progress = &progress});
    if (!fill.ok()) return fill.status();
  }
  absl::Status flushed = (*store)->Flush();
  if (!flushed.ok()) return flushed;
  const int queues = o.topics * o.queues;
  std::vector<int64_t> until(static_cast<size_t>(queues));
  for (int q = 0; q < queues; ++q) {
    until[q] = (*store)
                   ->MaxOffsetInQueue(TopicFor(o, q), QueueId(QueueFor(o, q)))
                   .value();
  }
  // Phase 1: the producer alone, for reference.
  std::atomic<bool> stop{false};
  Histogram alone;
  {
    std::thread producer(
        [&] { alone = PacedProducer(**store, o, o.rate, o.messages, stop); });
    std::this_thread::sleep_for(std::chrono::seconds(2));
    stop = true;
    producer.join();
  }
  const bool dropped = DropPageCache();
  // Phase 2: the same producer beside cold readers and a tail reader.
  stop = false;
  Histogram beside;
  std::atomic<int64_t> hot{0};
  std::vector<int64_t> cold(static_cast<size_t>(o.consumers));
  const auto start = Clock::now();
  std::thread producer([&] {
    beside = PacedProducer(**store, o, o.rate, 2 * o.messages, stop);
  });
  std::thread tail([&] { hot = TailReader(**store, o, stop); });
  std::vector<std::thread> readers;
  for (int c = 0; c < o.consumers; ++c) {
    readers.emplace_back(
        [&, c] { cold[c] = ColdReader(**store, o, c, o.consumers, until); });
  }
  for (auto& r : readers) r.join();
  const double cold_seconds = SecondsSince(start);
  stop = true;
  producer.join();
  tail.join();
  const StoreStats stats = (*store)->Stats();
  absl::Status closed = (*store)->Shutdown();
  if (!closed.ok()) return closed;
  int64_t cold_total = 0;
  for (int64_t c : cold) cold_total += c;
  const double cold_rate = cold_total / cold_seconds;
  const double hot_rate = hot.load() / cold_seconds;
  const double p99_ratio = static_cast<double>(beside.Percentile(99)) /
                           std::max<int64_t>(1, alone.Percentile(99));
  std::printf("%-28s %12.0f msgs/s (%.1f MB/s)%s\n", "cold readers", cold_rate,
              cold_rate * (o.size + 110) / (1 << 20),
              dropped ? "" : " (page cache NOT dropped: not root?)");
  std::printf("%-28s %12.0f msgs/s\n", "tail reader", hot_rate);
  std::printf("%-28s p99 %.1f us alone, %.1f us beside readers (x%.2f)\n",
              "producer", alone.Percentile(99) / 1e3,
              beside.Percentile(99) / 1e3, p99_ratio);
  RunResult run;
  run.messages = cold_total;
  run.seconds = cold_seconds;
  run.msgs_per_sec = cold_rate;
  run.mb_per_sec = cold_rate * (o.size + 110) / (1 << 20);
  run.latency_ns = beside;
  run.io_backend = stats.io_backend;
  run.write_path = stats.write_path;
  return Report{
      absl::StrCat(
          "{", CommonJson("consume", o, run, *baseline),
          absl::StrFormat(
              ",\"cold_msgs_per_sec\":%.1f,\"hot_msgs_per_sec\":%.1f,"
              "\"page_cache_dropped\":%s,\"producer_rate\":%d,"
              "\"producer_latency_alone_us\":%s,"
              "\"producer_latency_beside_readers_us\":%s,"
              "\"producer_p99_ratio\":%.3f,\"consumers\":%d}",
              cold_rate, hot_rate, dropped ? "true" : "false", o.rate,
              LatencyJson(alone), LatencyJson(beside), p99_ratio, o.consumers)),
      std::nullopt};
}

absl::StatusOr<Report> RunLookupWorkload(const Options& options) {
  Options o = options;
  if (o.messages == 0) o.messages = 1000000;
  if (o.size == 0) o.size = 128;
  o.keys = true;
  auto baseline = MeasureSequentialWrite(o.store + ".baseline",
                                         o.messages * (o.size + 130));
  if (!baseline.ok()) return baseline.status();
  auto store = OpenFresh(o);
  if (!store.ok()) return store.status();
  {
    Progress progress("lookup: indexing", o.messages);
    auto fill = AppendMessages(
        **store, o, AppendSpec{.messages = o.messages, .progress = &progress});
    if (!fill.ok()) return fill.status();
  }
  // The first query waits for the index builder to catch up.
  auto warm = (*store)->QueryByKey(TopicFor(o, 0), KeyFor(0), 1, 0, INT64_MAX);
  if (!warm.ok()) return warm.status();
  std::mt19937_64 rng(o.seed);
  Histogram latency;
  int64_t misses = 0;
  const auto start = Clock::now();
  for (int64_t i = 0; i < o.lookups; ++i) {
    const int64_t n =
        static_cast<int64_t>(rng() % static_cast<uint64_t>(o.messages));
    const auto t0 = Clock::now();
    auto found =
        (*store)->QueryByKey(TopicFor(o, n), KeyFor(n), 1, 0, INT64_MAX);
    latency.Record(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0)
            .count());
    if (!found.ok() || found->records.size() != 1) ++misses;
  }
  RunResult run;
  run.messages = o.lookups;
  run.seconds = SecondsSince(start);
  run.msgs_per_sec = o.lookups / run.seconds;
  run.latency_ns = latency;
  run.io_backend = (*store)->Stats().io_backend;
  run.write_path = (*store)->Stats().write_path;
  absl::Status closed = (*store)->Shutdown();
  if (!closed.ok()) return closed;
  std::printf(
      "lookups %lld over %lld keys: p50 %.1f us, p99 %.1f us, "
      "p999 %.1f us, max %.1f us, %lld misses\n",
      static_cast<long long>(o.lookups), static_cast<long long>(o.messages),
      latency.Percentile(50) / 1e3, latency.Percentile(99) / 1e3,
      latency.Percentile(99.9) / 1e3, latency.max() / 1e3,
      static_cast<long long>(misses));
  return Report{absl::StrCat("{", CommonJson("lookup", o, run, *baseline),
                             absl::StrFormat(",\"keys\":%d,\"misses\":%d}",
                                             o.messages, misses)),
                std::nullopt};
}

}  // namespace rmq::bench
