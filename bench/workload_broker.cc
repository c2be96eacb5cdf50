// The broker workloads, over loopback against a running rmq-namesrv and
// rmq-broker (no store is opened here, so there is no disk baseline):
//   e2e          send-to-receive latency with a long-polling consumer
//   consume-e2e  fill a topic with batched async sends, then measure how fast
//                one consumer catches up the backlog with pulls.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <span>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "broker_client.h"
#include "remoting/codes.h"
#include "report.h"
#include "rmq/commitlog/record.h"

namespace rmq::bench {
namespace {

using Clock = std::chrono::steady_clock;
using remoting::RemotingCommand;

// Held pulls: what the Java and C++ push consumers send (§10.6).
constexpr int64_t kSuspendMillis = 15000;
// Longer than the hold, as the Java client's 30 s, so a held pull is never
// abandoned while the broker still holds it.
constexpr absl::Duration kPullTimeout = absl::Seconds(30);
constexpr absl::Duration kSendTimeout = absl::Seconds(10);
constexpr int32_t kPullBatch = 32;  // maxMsgNums, the clients' default
// After the last send, how long the e2e consumer may still wait for the rest.
constexpr auto kDrainGrace = std::chrono::seconds(20);
// consume-e2e fill: messages per SEND_BATCH_MESSAGE and batches in flight.
// The broker runs sends on min(CPUs, 4) threads and answers SYSTEM_BUSY to a
// send queued over 200 ms, so a deep window only adds retries.
constexpr int64_t kFillBatch = 256;
constexpr int kFillWindow = 8;
// e2e body: [send time, steady_clock ns][sequence number][padding].
constexpr int64_t kE2eHeader = 16;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             Clock::now().time_since_epoch())
      .count();
}

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::span<const std::byte> Bytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

std::string LatencyLine(const char* what, const Histogram& h) {
  return absl::StrFormat(
      "%-30s p50 %.1f us, p99 %.1f us, p999 %.1f us, max %.1f us\n", what,
      h.Percentile(50) / 1e3, h.Percentile(99) / 1e3, h.Percentile(99.9) / 1e3,
      h.max() / 1e3);
}

// ---- e2e -------------------------------------------------------------------

struct E2eConsumerResult {
  Histogram latency_ns;
  int64_t received = 0;
  int64_t last_receive_ns = 0;
  absl::Status status;
};

// Keeps one held pull outstanding on `queue` from `offset` until `expected`
// messages arrived or `give_up_ns` (steady ns, moved by the producer) passed.
E2eConsumerResult RunE2eConsumer(BrokerClient& client, int32_t queue,
                                 int64_t offset, int64_t expected,
                                 const std::atomic<int64_t>& give_up_ns) {
  E2eConsumerResult r;
  while (r.received < expected) {
    if (NowNs() > give_up_ns.load()) {
      r.status = absl::DeadlineExceededError(
          absl::StrCat("e2e: received ", r.received, " of ", expected,
                       " messages before giving up"));
      return r;
    }
    absl::StatusOr<RemotingCommand> response = client.remoting().InvokeSync(
        client.broker_addr(),
        client.PullRequest(queue, offset, kPullBatch, kSuspendMillis),
        kPullTimeout);
    if (!response.ok()) {
      r.status = response.status();
      return r;
    }
    absl::StatusOr<PullAnswer> answer = ParsePullAnswer(*response);
    if (!answer.ok()) {
      r.status = answer.status();
      return r;
    }
    offset = answer->next_begin_offset;
    if (answer->code != remoting::response::kSuccess) continue;
    std::string_view body = response->body;
    while (!body.empty()) {
      absl::StatusOr<RecordView> record = DecodeRecord(Bytes(body));
      if (!record.ok()) {
        r.status = record.status();
        return r;
      }
      const int64_t now = NowNs();
      if (record->body.size() < kE2eHeader) {
        r.status = absl::DataLossError("e2e: a message without a timestamp");
        return r;
      }
      int64_t sent_ns = 0;
      int64_t sequence = 0;
      std::memcpy(&sent_ns, record->body.data(), 8);
      std::memcpy(&sequence, record->body.data() + 8, 8);
      // One producer, one queue, sends in order: anything else is lost or
      // duplicated messages.
      if (sequence != r.received) {
        r.status = absl::DataLossError(absl::StrCat(
            "e2e: message ", sequence, " arrived as number ", r.received));
        return r;
      }
      r.latency_ns.Record(now - sent_ns);
      r.last_receive_ns = now;
      ++r.received;
      body.remove_prefix(static_cast<size_t>(record->total_size));
    }
  }
  return r;
}

// ---- consume-e2e -----------------------------------------------------------

// Batches of the fill in flight and what came back (callbacks run on the
// remoting client's I/O thread).
struct FillState {
  absl::Mutex mu;
  int inflight ABSL_GUARDED_BY(mu) = 0;
  std::vector<int64_t> retry ABSL_GUARDED_BY(mu);  // batches answered busy
  absl::Status error ABSL_GUARDED_BY(mu);
  Histogram rtt_ns ABSL_GUARDED_BY(mu);
  int64_t busy ABSL_GUARDED_BY(mu) = 0;
};

struct FillResult {
  double seconds = 0;
  Histogram rtt_ns;
  int64_t busy = 0;
};

// Sends `messages` x `size` B to queues 0..queues-1 round-robin by batch,
// kFillWindow batches in flight; `per_queue[q]` counts what queue q got.
absl::StatusOr<FillResult> Fill(BrokerClient& client, int64_t messages,
                                int64_t size, int queues,
                                std::vector<int64_t>* per_queue) {
  const int64_t batches = (messages + kFillBatch - 1) / kFillBatch;
  const auto batch_size = [&](int64_t b) {
    return std::min(kFillBatch, messages - b * kFillBatch);
  };
  for (int64_t b = 0; b < batches; ++b) {
    (*per_queue)[static_cast<size_t>(b % queues)] += batch_size(b);
  }
  // Every batch of a queue has the same bytes, so one body per size.
  const std::string payload(static_cast<size_t>(size), 'c');
  std::string full_body;
  for (int64_t i = 0; i < kFillBatch; ++i)
    AppendBatchEntry(payload, &full_body);
  const size_t entry_bytes = full_body.size() / kFillBatch;

  FillState state;
  Progress progress("consume-e2e: fill", messages);
  const auto start = Clock::now();
  int64_t next = 0;
  for (;;) {
    int64_t b = -1;
    {
      absl::MutexLock lock(&state.mu);
      const auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state.mu) {
        const bool more = !state.retry.empty() || next < batches;
        return !state.error.ok() || (more && state.inflight < kFillWindow) ||
               (!more && state.inflight == 0);
      };
      state.mu.Await(absl::Condition(&ready));
      if (!state.error.ok()) break;
      if (!state.retry.empty()) {
        b = state.retry.back();
        state.retry.pop_back();
      } else if (next < batches) {
        b = next++;
      } else {
        break;  // nothing left and nothing in flight
      }
      ++state.inflight;
    }
    const int64_t count = batch_size(b);
    RemotingCommand request =
        client.BatchRequest(static_cast<int32_t>(b % queues),
                            full_body.substr(0, entry_bytes * count));
    const int64_t sent_ns = NowNs();
    client.remoting().InvokeAsync(
        client.broker_addr(), std::move(request), kSendTimeout,
        [&state, &progress, b, count,
         sent_ns](absl::StatusOr<RemotingCommand> response) {
          absl::Status s =
              response.ok() ? SendAnswerStatus(*response) : response.status();
          absl::MutexLock lock(&state.mu);
          --state.inflight;
          if (s.ok()) {
            state.rtt_ns.Record(NowNs() - sent_ns);
            progress.Add(count);
          } else if (absl::IsResourceExhausted(s)) {
            // SYSTEM_BUSY: the broker shed it before storing; send it again.
            ++state.busy;
            state.retry.push_back(b);
          } else if (state.error.ok()) {
            state.error = s;
          }
        });
  }
  // Waits for the callbacks, which reference `state` and `progress`.
  absl::MutexLock lock(&state.mu);
  const auto drained = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state.mu) {
    return state.inflight == 0;
  };
  state.mu.Await(absl::Condition(&drained));
  if (!state.error.ok()) return state.error;
  return FillResult{.seconds = SecondsSince(start),
                    .rtt_ns = state.rtt_ns,
                    .busy = state.busy};
}

struct DrainResult {
  int64_t messages = 0;
  int64_t record_bytes = 0;
  Histogram rtt_ns;
  absl::Status status;
};

// Pulls `queue` from `offset` to `end`, checking every record is the next
// one of the queue and has the body size that was sent.
DrainResult Drain(BrokerClient& client, int32_t queue, int64_t offset,
                  int64_t end, int64_t size, Progress& progress) {
  DrainResult r;
  while (offset < end) {
    const int64_t t0 = NowNs();
    // No suspend: the backlog is there; a hold would only hide a bug.
    absl::StatusOr<RemotingCommand> response = client.remoting().InvokeSync(
        client.broker_addr(), client.PullRequest(queue, offset, kPullBatch, 0),
        kPullTimeout);
    if (!response.ok()) {
      r.status = response.status();
      return r;
    }
    r.rtt_ns.Record(NowNs() - t0);
    absl::StatusOr<PullAnswer> answer = ParsePullAnswer(*response);
    if (!answer.ok()) {
      r.status = answer.status();
      return r;
    }
    if (answer->code != remoting::response::kSuccess) {
      r.status = absl::DataLossError(
          absl::StrCat("consume-e2e: queue ", queue, " answered code ",
                       answer->code, " at offset ", offset, " of ", end,
                       " (maxOffset ", answer->max_offset, ")"));
      return r;
    }
    std::string_view body = response->body;
    int64_t got = 0;
    while (!body.empty()) {
      absl::StatusOr<RecordView> record = DecodeRecord(Bytes(body));
      if (!record.ok()) {
        r.status = record.status();
        return r;
      }
      if (record->queue_offset != offset + got ||
          static_cast<int64_t>(record->body.size()) != size) {
        r.status = absl::DataLossError(absl::StrCat(
            "consume-e2e: queue ", queue, " expected offset ", offset + got,
            " with a ", size, " B body, got offset ", record->queue_offset,
            " with ", record->body.size(), " B"));
        return r;
      }
      ++got;
      r.record_bytes += record->total_size;
      body.remove_prefix(static_cast<size_t>(record->total_size));
    }
    r.messages += got;
    progress.Add(got);
    offset = answer->next_begin_offset;
  }
  return r;
}

}  // namespace

absl::StatusOr<Report> RunE2eWorkload(const Options& options) {
  Options o = options;
  if (o.messages == 0) o.messages = 1000;
  if (o.size == 0) o.size = 128;
  o.size = std::max(o.size, kE2eHeader);
  if (o.rate <= 0) return absl::InvalidArgumentError("--rate must be > 0");
  absl::StatusOr<std::unique_ptr<BrokerClient>> client =
      BrokerClient::Connect(o.namesrv, o.topic, 1);
  if (!client.ok()) return client.status();
  BrokerClient& c = **client;
  constexpr int32_t kQueue = 0;
  // Start at the end: the topic may hold messages of earlier runs.
  absl::StatusOr<int64_t> start_offset = c.MaxOffset(kQueue);
  if (!start_offset.ok()) return start_offset.status();
  std::printf(
      "e2e: %lld messages of %lld B at %lld msg/s to %s queue %d on %s\n",
      static_cast<long long>(o.messages), static_cast<long long>(o.size),
      static_cast<long long>(o.rate), o.topic.c_str(), kQueue,
      c.broker_addr().c_str());

  std::atomic<int64_t> give_up_ns{INT64_MAX};
  E2eConsumerResult consumed;
  std::thread consumer([&] {
    consumed = RunE2eConsumer(c, kQueue, *start_offset, o.messages, give_up_ns);
  });
  // Lets the first pull reach the broker and be held, so the first message
  // measures a wake-up like the others (an unheld pull would only find it).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  Histogram send_rtt;
  absl::Status send_status;
  std::string body(static_cast<size_t>(o.size), 'e');
  const auto start = Clock::now();
  for (int64_t i = 0; i < o.messages; ++i) {
    std::this_thread::sleep_until(
        start + std::chrono::nanoseconds(i * 1'000'000'000 / o.rate));
    const int64_t sent_ns = NowNs();
    std::memcpy(body.data(), &sent_ns, 8);
    std::memcpy(body.data() + 8, &i, 8);
    absl::StatusOr<RemotingCommand> response = c.remoting().InvokeSync(
        c.broker_addr(), c.SendRequest(kQueue, body), kSendTimeout);
    send_status =
        response.ok() ? SendAnswerStatus(*response) : response.status();
    if (!send_status.ok()) break;
    send_rtt.Record(NowNs() - sent_ns);
  }
  give_up_ns = send_status.ok()
                   ? NowNs() + std::chrono::nanoseconds(kDrainGrace).count()
                   : 0;
  consumer.join();
  if (!send_status.ok()) return send_status;
  if (!consumed.status.ok()) return consumed.status;

  const double seconds =
      static_cast<double>(consumed.last_receive_ns -
                          std::chrono::duration_cast<std::chrono::nanoseconds>(
                              start.time_since_epoch())
                              .count()) /
      1e9;
  const double rate = static_cast<double>(consumed.received) / seconds;
  std::printf("%s",
              LatencyLine("send-to-receive", consumed.latency_ns).c_str());
  std::printf("%s", LatencyLine("send round trip", send_rtt).c_str());
  std::printf("%-30s %lld in %.2f s (%.1f msgs/s)\n", "received",
              static_cast<long long>(consumed.received), seconds, rate);
  return Report{
      absl::StrFormat(
          "{\"workload\":\"e2e\",\"messages\":%d,\"size\":%d,\"rate\":%d,"
          "\"msgs_per_sec\":%.1f,\"latency_us\":%s,\"send_latency_us\":%s,"
          "\"received\":%d,\"queues\":1,\"topic\":\"%s\",\"broker\":\"%s\"}",
          o.messages, o.size, o.rate, rate, LatencyJson(consumed.latency_ns),
          LatencyJson(send_rtt), consumed.received, o.topic, c.broker_addr()),
      std::nullopt};
}

absl::StatusOr<Report> RunConsumeE2eWorkload(const Options& options) {
  Options o = options;
  if (o.messages == 0) o.messages = 1000000;
  if (o.size == 0) o.size = 128;
  const int queues = std::max(1, o.queues);
  absl::StatusOr<std::unique_ptr<BrokerClient>> client =
      BrokerClient::Connect(o.namesrv, o.topic, queues);
  if (!client.ok()) return client.status();
  BrokerClient& c = **client;
  // The backlog starts where earlier runs left each queue.
  std::vector<int64_t> first(static_cast<size_t>(queues));
  for (int q = 0; q < queues; ++q) {
    absl::StatusOr<int64_t> max = c.MaxOffset(q);
    if (!max.ok()) return max.status();
    first[q] = *max;
  }
  std::printf(
      "consume-e2e: %lld messages of %lld B to %s (%d queues) on %s, "
      "batches of %lld, %d in flight\n",
      static_cast<long long>(o.messages), static_cast<long long>(o.size),
      o.topic.c_str(), queues, c.broker_addr().c_str(),
      static_cast<long long>(kFillBatch), kFillWindow);

  std::vector<int64_t> per_queue(static_cast<size_t>(queues));
  absl::StatusOr<FillResult> fill =
      Fill(c, o.messages, o.size, queues, &per_queue);
  if (!fill.ok()) return fill.status();
  for (int q = 0; q < queues; ++q) {
    absl::StatusOr<int64_t> max = c.MaxOffset(q);
    if (!max.ok()) return max.status();
    if (*max != first[q] + per_queue[q]) {
      return absl::DataLossError(absl::StrCat(
          "consume-e2e: queue ", q, " ends at ", *max, ", expected ",
          first[q] + per_queue[q], " after the fill"));
    }
  }
  const double fill_rate = o.messages / fill->seconds;
  const double payload_mb = static_cast<double>(o.size) / (1 << 20);

  // Catch-up: one consumer, one pull in flight per queue (so `queues` across
  // the topic), each thread decoding its own answers.
  std::vector<DrainResult> drained(static_cast<size_t>(queues));
  const auto start = Clock::now();
  {
    Progress progress("consume-e2e: catch up", o.messages);
    std::vector<std::thread> threads;
    for (int q = 0; q < queues; ++q) {
      threads.emplace_back([&, q] {
        drained[q] =
            Drain(c, q, first[q], first[q] + per_queue[q], o.size, progress);
      });
    }
    for (auto& t : threads) t.join();
  }
  const double seconds = SecondsSince(start);
  DrainResult total;
  for (const DrainResult& d : drained) {
    if (!d.status.ok()) return d.status;
    total.messages += d.messages;
    total.record_bytes += d.record_bytes;
    total.rtt_ns.Merge(d.rtt_ns);
  }
  if (total.messages != o.messages) {
    return absl::DataLossError(absl::StrCat("consume-e2e: received ",
                                            total.messages, " of ", o.messages,
                                            " messages"));
  }
  const double rate = total.messages / seconds;
  const double record_mb_per_sec =
      static_cast<double>(total.record_bytes) / (1 << 20) / seconds;
  std::printf(
      "%-30s %12.0f msgs/s (%.1f MB/s payload), %lld SYSTEM_BUSY "
      "retries\n",
      "produce (batched, async)", fill_rate, fill_rate * payload_mb,
      static_cast<long long>(fill->busy));
  std::printf("%s", LatencyLine("batch send round trip", fill->rtt_ns).c_str());
  std::printf(
      "%-30s %12.0f msgs/s (%.1f MB/s records, %.1f MB/s payload), "
      "%lld received in %.2f s\n",
      "catch-up consume", rate, record_mb_per_sec, rate * payload_mb,
      static_cast<long long>(total.messages), seconds);
  std::printf("%s", LatencyLine("pull round trip", total.rtt_ns).c_str());
  return Report{
      absl::StrFormat(
          "{\"workload\":\"consume-e2e\",\"messages\":%d,\"size\":%d,"
          "\"msgs_per_sec\":%.1f,\"mb_per_sec\":%.2f,"
          "\"payload_mb_per_sec\":%.2f,\"latency_us\":%s,\"received\":%d,"
          "\"seconds\":%.3f,\"produce_msgs_per_sec\":%.1f,"
          "\"produce_mb_per_sec\":%.2f,\"produce_seconds\":%.3f,"
          "\"produce_latency_us\":%s,\"produce_batch\":%d,"
          "\"produce_in_flight\":%d,\"system_busy_retries\":%d,"
          "\"pull_batch\":%d,\"queues\":%d,\"topic\":\"%s\",\"broker\":\"%s\"}",
          o.messages, o.size, rate, record_mb_per_sec, rate * payload_mb,
          LatencyJson(total.rtt_ns), total.messages, seconds, fill_rate,
          fill_rate * payload_mb, fill->seconds, LatencyJson(fill->rtt_ns),
          kFillBatch, kFillWindow, fill->busy, kPullBatch, queues, o.topic,
          c.broker_addr()),
      std::nullopt};
}

}  // namespace rmq::bench
