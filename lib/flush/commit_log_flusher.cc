#include "flush/commit_log_flusher.h"

#include "absl/strings/str_cat.h"
#include "base/thread_name.h"

namespace rmq {
namespace {
constexpr int64_t kPage = 4096;
}  // namespace

CommitLogFlusher::CommitLogFlusher(FlushPolicy policy, CommitLog& log,
                                   DurabilityTracker& tracker, Logger& logger,
                                   std::function<void(int64_t)> on_synced)
    : policy_(policy),
      log_(log),
      tracker_(tracker),
      logger_(logger),
      on_synced_(std::move(on_synced)) {}

CommitLogFlusher::~CommitLogFlusher() {
  if (thread_.joinable()) {
    thread_.request_stop();
    tracker_.Wake();
    thread_.join();
  }
}

void CommitLogFlusher::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

absl::Status CommitLogFlusher::FlushIfDirty(int least_pages) {
  absl::MutexLock lock(&sync_mu_);
  if (tracker_.read_only()) return tracker_.read_only_reason();
  const int64_t timestamp = tracker_.committed_store_timestamp();
  const int64_t target = tracker_.committed();
  const int64_t flushed = tracker_.flushed();
  if (target <= flushed) return absl::OkStatus();
  if (least_pages > 0 && target / kPage - flushed / kPage < least_pages) {
    return absl::OkStatus();
  }
  absl::Status synced = log_.SyncRange(flushed, target);
  if (!synced.ok()) {
    logger_.Log(LogLevel::kError,
                absl::StrCat("commit log sync failed, store is now read-only: ",
                             synced.ToString()));
    tracker_.MarkReadOnly(synced);
    return synced;
  }
  tracker_.Flushed(target);
  if (on_synced_) on_synced_(timestamp);
  return absl::OkStatus();
}

absl::Status CommitLogFlusher::FlushAll() { return FlushIfDirty(0); }

void CommitLogFlusher::Run(std::stop_token stop) {
  NameThisThread("FlushCommitLog");
  absl::Time last_thorough = absl::Now();
  while (!stop.stop_requested()) {
    if (policy_.sync) {
      // Sleep until a writer waits for unsynced data (or a callback's
      // deadline needs enforcing). Like a plain group commit, the next sync
      // starts as soon as the previous one returns if a writer is waiting.
      const absl::Duration idle =
          std::min(absl::Milliseconds(10),
                   std::max(absl::ZeroDuration(),
                            tracker_.NextDeadline() - absl::Now()));
      tracker_.WaitForWork(idle);
      if (stop.stop_requested()) break;
      // A failure has already turned the store read-only and failed waiters.
      FlushIfDirty(0).IgnoreError();
      tracker_.ExpireWaiters(absl::Now());
      continue;
    }
    tracker_.WaitForWork(policy_.interval);
    if (stop.stop_requested()) break;
    int least = policy_.least_pages;
    if (absl::Now() - last_thorough >= policy_.thorough_interval) {
      least = 0;
      last_thorough = absl::Now();
    }
    FlushIfDirty(least).IgnoreError();  // failure: store is read-only now
  }
}

}  // namespace rmq
