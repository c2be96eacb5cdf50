#include "flush/consume_queue_flusher.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/thread_name.h"

namespace rmq {

ConsumeQueueFlusher::ConsumeQueueFlusher(
    ConsumeQueueFlushPolicy policy, ConsumeQueueTable& table, FileSystem& fs,
    Logger& logger, std::function<int64_t()> logics_timestamp,
    std::function<absl::Status(int64_t)> on_thorough)
    : policy_(policy),
      table_(table),
      fs_(fs),
      logger_(logger),
      logics_timestamp_(std::move(logics_timestamp)),
      on_thorough_(std::move(on_thorough)) {}

ConsumeQueueFlusher::~ConsumeQueueFlusher() {
  {
    absl::MutexLock lock(&wait_mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void ConsumeQueueFlusher::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

absl::Status ConsumeQueueFlusher::Pass(int least_pages) {
  absl::MutexLock lock(&pass_mu_);
  // Sampled before taking the dirty list: every unit up to this time is in a
  // queue taken below, so a clean pass covers it.
  const int64_t timestamp = logics_timestamp_();
  std::vector<ConsumeQueue*> dirty;
  for (ConsumeQueue* queue : table_.TakeDirty()) {
    if (queue->NeedsFlush(least_pages)) {
      dirty.push_back(queue);
    } else if (queue->dirty()) {
      table_.MarkDirty(*queue);  // below the page threshold: next time
    }
  }
  if (dirty.size() > kMaxQueueSyncs) {
    // Thousands of queues with a page or two each: one syncfs lets the
    // kernel write them all in one go instead of one sync round trip each.
    std::vector<ConsumeQueue::WrittenSnapshot> snapshots;
    snapshots.reserve(dirty.size());
    for (ConsumeQueue* queue : dirty) {
      snapshots.push_back(queue->SnapshotWritten());
    }
    // Units landing meanwhile re-add their queue themselves (TakeDirty
    // cleared the flags), so only a failure needs the list put back.
    absl::Status synced = fs_.SyncFileSystem(dirty.front()->dir());
    for (size_t i = 0; i < dirty.size(); ++i) {
      if (synced.ok()) {
        ConsumeQueue::MarkSynced(snapshots[i]);
      } else {
        table_.MarkDirty(*dirty[i]);
      }
    }
    if (!synced.ok()) return synced;
    dirty.clear();
  }
  absl::Status first_error;
  for (ConsumeQueue* queue : dirty) {
    absl::StatusOr<bool> done = queue->Flush(least_pages);
    if (!done.ok() || !*done) table_.MarkDirty(*queue);
    if (!done.ok() && first_error.ok()) {
      first_error = Annotate(done.status(), queue->topic());
    }
  }
  if (!first_error.ok()) return first_error;
  if (least_pages != 0) return absl::OkStatus();
  RMQ_RETURN_IF_ERROR(SyncNewDirectories());
  return on_thorough_ ? on_thorough_(timestamp) : absl::OkStatus();
}

absl::Status ConsumeQueueFlusher::SyncNewDirectories() {
  std::vector<ConsumeQueue*> queues;
  absl::flat_hash_set<std::string> dirs;
  table_.ForEach([&](ConsumeQueue& queue) {
    if (!queue.TakeDirUnsynced()) return;
    queues.push_back(&queue);
    // The queue's files, the queue in its topic, the topic in consumequeue/.
    const std::filesystem::path& dir = queue.dir();
    dirs.insert(dir.string());
    dirs.insert(dir.parent_path().string());
    dirs.insert(dir.parent_path().parent_path().string());
  });
  absl::Status status;
  if (dirs.size() > kMaxDirectorySyncs) {
    status = fs_.SyncFileSystem(*dirs.begin());  // one syncfs beats thousands
  } else {
    for (const std::string& dir : dirs) {
      status = fs_.SyncDir(dir);
      if (!status.ok()) break;
    }
  }
  if (!status.ok()) {
    for (ConsumeQueue* queue : queues) queue->MarkDirUnsynced();
  }
  return status;
}

absl::Status ConsumeQueueFlusher::FlushAll() { return Pass(0); }

void ConsumeQueueFlusher::Run(std::stop_token stop) {
  NameThisThread("FlushConsumeQ");
  absl::Time last_thorough = absl::Now();
  while (!stop.stop_requested()) {
    {
      absl::MutexLock lock(&wait_mu_);
      auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(wait_mu_) {
        return stopping_;
      };
      if (wait_mu_.AwaitWithTimeout(absl::Condition(&stopping),
                                    policy_.interval)) {
        return;
      }
    }
    int least = policy_.least_pages;
    if (absl::Now() - last_thorough >= policy_.thorough_interval) {
      least = 0;
      last_thorough = absl::Now();
    }
    absl::Status s = Pass(least);
    if (!s.ok()) {
      logger_.Log(LogLevel::kError,
                  absl::StrCat("consume queue flush: ", s.ToString()));
    }
  }
}

}  // namespace rmq
