#pragma once
// MessageStore::Impl: wires the parts together and owns them. The facade
// (rmq/store.h) forwards to it. Work lives in the parts; this class only
// orders them: open/recovery (store_open.cc), the put path (store_put.cc) and
// the read paths (store_read.cc).

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/fast_mutex.h"
#include "commitlog/commit_log.h"
#include "consumequeue/consume_queue_table.h"
#include "consumequeue/unit_dispatcher.h"
#include "flush/commit_log_flusher.h"
#include "flush/consume_queue_flusher.h"
#include "flush/durability_tracker.h"
#include "flush/write_buffer_committer.h"
#include "index/index_service.h"
#include "rmq/store.h"
#include "store/checkpoint.h"
#include "store/index_builder.h"

namespace rmq {

class MessageStore::Impl {
 public:
  static absl::StatusOr<std::unique_ptr<Impl>> Open(StoreConfig config);
  explicit Impl(StoreConfig config);  // use Open
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // store_put.cc
  // Appends `messages` (one topic and queue) and fills out[i] for each.
  absl::Status Append(std::span<const MessageToStore> messages,
                      bool wait_for_flush, std::span<PutResult> out);
  void AppendAsync(const MessageToStore& message,
                   absl::AnyInvocable<void(absl::StatusOr<PutResult>) &&> done);

  // store_read.cc
  absl::StatusOr<GetResult> Get(const GetRequest& request) const;
  absl::StatusOr<GetResult> LookByOffset(int64_t offset) const;
  absl::StatusOr<QueryResult> QueryByKey(std::string_view topic,
                                         std::string_view key, int32_t max,
                                         int64_t begin_ms,
                                         int64_t end_ms) const;
  int64_t MinOffsetInQueue(std::string_view topic, int32_t queue) const;
  int64_t MaxOffsetInQueue(std::string_view topic, int32_t queue) const;
  int64_t OffsetByTime(std::string_view topic, int32_t queue,
                       int64_t timestamp_ms) const;
  absl::StatusOr<int64_t> MessageStoreTime(std::string_view topic,
                                           int32_t queue, int64_t offset) const;
  absl::StatusOr<int64_t> EarliestMessageTime() const;
  int64_t MinPhysicalOffset() const;
  int64_t MaxPhysicalOffset() const;
  std::vector<std::pair<std::string, int32_t>> ListQueues() const;
  absl::Status ScanCommitLog(
      int64_t from,
      const std::function<bool(PhysicalOffset, std::span<const std::byte>)>& fn)
      const;

  // store_open.cc
  absl::Status Flush();
  StoreStats Stats() const;
  const StoreConfig& config() const { return config_; }
  absl::Status Shutdown();
  void CrashForTesting();

 private:
  absl::Status OpenParts();
  absl::Status StartServices();
  std::string WritePathName() const {
    return committer_ != nullptr ? "write-buffer" : "mmap";
  }

  // store_put.cc
  absl::Status CheckWritable() const {
    if (!shut_down_.load(std::memory_order_relaxed) && !config_.read_only &&
        config_.broker_role != BrokerRole::kSlave && !tracker_.read_only()) {
      return absl::OkStatus();  // inline: every put checks it twice
    }
    return WhyNotWritable();
  }
  absl::Status WhyNotWritable() const;
  struct Encoded;
  // Encodes the record into `buffer` (one per batch, per thread) at
  // `offset`, growing it if needed, and fills `e`, which may point into
  // `message`. The buffer never shrinks: growing it zero-fills, reusing it
  // does not.
  absl::Status Encode(const MessageToStore& message, std::string* buffer,
                      size_t offset, Encoded& e) const;
  using Batch = absl::InlinedVector<Encoded, 1>;
  absl::Status AppendLocked(Batch& batch, std::string& buffer,
                            std::span<PutResult> out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mu_);
  void WaitDurable(int64_t end, bool* timed_out);

  // store_read.cc
  int64_t ReadableEnd() const { return tracker_.committed(); }
  // The queue, with every unit of a message put before the call written
  // (read-your-writes: units are written off the put path).
  const ConsumeQueue* FindForRead(std::string_view topic,
                                  int32_t queue_id) const {
    if (dispatcher_ != nullptr) dispatcher_->CatchUp();
    return queues_->Find(topic, queue_id);
  }
  bool RecordHasKey(const RecordView& record, std::string_view topic,
                    std::string_view key) const;
  absl::StatusOr<int64_t> StoreTimeAt(const ConsumeQueue& queue,
                                      int64_t offset) const;

  StoreConfig config_;
  // Data further than this behind the log head counts as "on disk" for the
  // pull transfer limits (accessMessageInMemoryMaxRatio of physical RAM).
  const int64_t memory_window_;
  std::vector<int64_t> delay_levels_ms_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<Checkpoint> checkpoint_;
  std::unique_ptr<CommitLog> log_;
  std::unique_ptr<ConsumeQueueTable> queues_;
  std::unique_ptr<IndexService> index_;
  DurabilityTracker tracker_;
  RecoveryReport recovery_;
  bool last_exit_ok_ = true;

  // Background services, stopped in reverse order by Shutdown.
  // Kept until destruction once started: readers may still catch up.
  std::unique_ptr<UnitDispatcher> dispatcher_;
  std::unique_ptr<WriteBufferCommitter> committer_;  // write-buffer path only
  std::unique_ptr<CommitLogFlusher> flusher_;
  std::unique_ptr<ConsumeQueueFlusher> cq_flusher_;
  std::unique_ptr<IndexBuilder> index_builder_;

  FastMutex append_mu_;
  std::atomic<bool> shut_down_{false};
  absl::Mutex shutdown_mu_;

  mutable std::atomic<int64_t> put_messages_{0};
  mutable std::atomic<int64_t> put_bytes_{0};
  mutable std::atomic<int64_t> put_failures_{0};
  mutable std::atomic<int64_t> get_messages_{0};
  mutable std::atomic<int64_t> flush_timeouts_{0};
};

}  // namespace rmq
