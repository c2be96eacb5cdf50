#pragma once
// Every consume queue of the store, by topic and queue id, created on first
// use and found at load by listing consumequeue/<topic>/<queueId>/. All queues
// share one MappingCache, which bounds how many of their files are mapped.
//
// Thread-safety: thread-safe. Queues are never destroyed while the table
// lives, so returned pointers stay valid.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/fast_mutex.h"
#include "consumequeue/ahead_creator.h"
#include "consumequeue/consume_queue.h"
#include "consumequeue/cq_file.h"
#include "consumequeue/queue_directory.h"

namespace rmq {

struct ConsumeQueueTableOptions {
  std::filesystem::path dir;  // <root>/consumequeue
  int64_t file_size = 6000000;
  int64_t allocate_ahead = 64 * 1024;
  int64_t max_mapped_files = 16384;
  bool writable = true;
};

class ConsumeQueueTable {
 public:
  // `fs` and `logger` must outlive the table.
  ConsumeQueueTable(ConsumeQueueTableOptions options, FileSystem& fs,
                    Logger& logger);
  ConsumeQueueTable(const ConsumeQueueTable&) = delete;
  ConsumeQueueTable& operator=(const ConsumeQueueTable&) = delete;

  // Size of the consume-queue files already under `dir` (0 when there are
  // none): read-only tools open stores written with settings they do not
  // know.
  static int64_t DetectFileSize(FileSystem& fs,
                                const std::filesystem::path& dir);

  // Loads every queue directory (queue directories whose name is not an
  // integer are skipped, as RocketMQ does) and recovers each queue.
  absl::Status LoadAndRecover();

  ConsumeQueue* Find(std::string_view topic, int32_t queue_id) const;
  // Creates the queue (directory and first file) when it does not exist.
  absl::StatusOr<ConsumeQueue*> FindOrCreate(std::string_view topic,
                                             int32_t queue_id);
  // The put path's lookup in two steps (QueueDirectory::Probe): StartFind
  // early, FindOrCreate(probe) when the queue is needed.
  QueueDirectory::Probe StartFind(std::string_view topic,
                                  int32_t queue_id) const {
    return directory_.Start(topic, queue_id);
  }
  absl::StatusOr<ConsumeQueue*> FindOrCreate(
      const QueueDirectory::Probe& probe) {
    if (ConsumeQueue* found = directory_.Find(probe)) return found;
    return FindOrCreate(probe.topic, probe.queue_id);
  }
  void ForEach(const std::function<void(ConsumeQueue&)>& fn) const;
  int64_t size() const;
  int64_t max_phy_offset() const;  // max over queues, -1 if none

  // The queues that received units since they were last taken. MarkDirty
  // after writing a unit is a full barrier (an exchange), so a take that
  // clears the flag either sees the unit or the queue is listed again.
  void MarkDirty(ConsumeQueue& queue);
  // The same for a caller that issued a seq_cst fence after its units: a
  // queue already listed then costs a plain load.
  void MarkDirtyAfterFence(ConsumeQueue& queue) {
    if (queue.in_dirty_list().load(std::memory_order_relaxed)) return;
    MarkDirty(queue);
  }
  std::vector<ConsumeQueue*> TakeDirty();

  MappingCache& cache() { return cache_; }

 private:
  std::unique_ptr<ConsumeQueue> MakeQueue(const std::string& topic,
                                          int32_t queue_id) const;
  using QueueMap = absl::flat_hash_map<int32_t, std::unique_ptr<ConsumeQueue>>;

  const ConsumeQueueTableOptions options_;
  FileSystem& fs_;
  Logger& logger_;
  MappingCache cache_;
  mutable FastSharedMutex mu_;
  absl::flat_hash_map<std::string, QueueMap> queues_ ABSL_GUARDED_BY(mu_);
  // The put path's lookup, without the lock; inserted under mu_.
  QueueDirectory directory_;
  FastMutex dirty_mu_;
  std::vector<ConsumeQueue*> dirty_ ABSL_GUARDED_BY(dirty_mu_);
  // Creates the queues' next files (writable tables only). Last: its thread
  // stops before the queues it serves are destroyed.
  std::unique_ptr<AheadCreator> ahead_creator_;
};

}  // namespace rmq
