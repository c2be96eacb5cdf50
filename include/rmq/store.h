#pragma once
// rmq::MessageStore — the embeddable RocketMQ message store (the analogue of
// DefaultMessageStore). Files are byte-compatible with Apache RocketMQ 4.x:
// commitlog/, consumequeue/, index/, checkpoint, abort, lock.
//
// Thread-safety: every method may be called from any thread.
// Visibility: a message is readable (Get, Query, LookByOffset) once Put
// returns. Durability: under SYNC_FLUSH, Put returns after the record is synced
// (or reports flush_timed_out); under ASYNC_FLUSH, background flushing per
// policy. Errors: non-OK from Put means nothing was appended.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rmq/message.h"
#include "rmq/results.h"
#include "rmq/stats.h"
#include "rmq/store_config.h"
#include "rmq/types.h"

namespace rmq {

// Which tag codes a Get returns: all, or those whose low 32 bits are one of
// the subscribed tags' hash codes (RocketMQ's broker-side tag filter).
class TagFilter {
 public:
  static TagFilter All() { return TagFilter(); }
  // "TagA || TagB" or "*"; InvalidArgument for an empty tag between ||.
  static absl::StatusOr<TagFilter> FromExpression(std::string_view expression);
  static TagFilter FromHashCodes(std::vector<int32_t> codes);
  bool Matches(int64_t tags_code) const;
  bool matches_all() const { return all_; }

 private:
  bool all_ = true;
  std::vector<int32_t> codes_;
};

struct GetRequest {
  std::string_view topic;
  QueueId queue_id;
  QueueOffset offset;
  int32_t max_messages = 32;
  int64_t max_bytes = INT64_MAX;      // on top of RocketMQ's transfer limits
  const TagFilter* filter = nullptr;  // null = all
};

class MessageStore final {
 public:
  // Opens (creating when missing) the store under config.store_path_root_dir:
  // takes the lock, recovers (normal or abnormal, by the abort file), writes
  // the abort file and starts the flush and index threads.
  static absl::StatusOr<std::unique_ptr<MessageStore>> Open(StoreConfig config);
  ~MessageStore();  // Shutdown() if the caller did not
  MessageStore(const MessageStore&) = delete;
  MessageStore& operator=(const MessageStore&) = delete;

  // Appends one message. Non-OK: nothing was appended. How the outcomes map
  // to RocketMQ's PutMessageStatus (store-format §10.3):
  //   OK                            PUT_OK
  //   OK + flush_timed_out          FLUSH_DISK_TIMEOUT (appended; a failed
  //                                 sync also ends here, store now read-only)
  //   InvalidArgument               MESSAGE_ILLEGAL / PROPERTIES_SIZE_EXCEEDED
  //   FailedPrecondition            SERVICE_NOT_AVAILABLE (shut down, slave,
  //                                 read-only after a failed sync)
  //   ResourceExhausted             SERVICE_NOT_AVAILABLE (disk full)
  //   Unavailable                   CREATE_MAPEDFILE_FAILED / UNKNOWN_ERROR
  //                                 (a segment or the commit write failed)
  absl::StatusOr<PutResult> Put(const MessageToStore& message);
  // Appends messages of one topic/queue atomically with consecutive offsets
  // (RocketMQ batch send); they never straddle a segment.
  absl::StatusOr<std::vector<PutResult>> PutBatch(
      std::span<const MessageToStore> messages);
  // `done` runs once the flush policy is satisfied, on a store thread (keep it
  // short) or inline.
  void PutAsync(const MessageToStore& message,
                absl::AnyInvocable<void(absl::StatusOr<PutResult>) &&> done);

  // Reads a consume queue from `offset`; records are views pinned by the
  // result. Non-OK only when the store is closed.
  absl::StatusOr<GetResult> Get(const GetRequest& request) const;
  // The record at a physical offset (view + pin).
  absl::StatusOr<GetResult> LookByOffset(PhysicalOffset offset) const;
  // Messages whose KEYS or UNIQ_KEY equal `key`, within [begin_ms, end_ms] of
  // store time; every returned record really has the key.
  absl::StatusOr<QueryResult> QueryByKey(std::string_view topic,
                                         std::string_view key, int32_t max,
                                         int64_t begin_ms,
                                         int64_t end_ms) const;

  QueueOffset MinOffsetInQueue(std::string_view topic, QueueId queue) const;
  // The next offset to be written ([min, max) is readable).
  QueueOffset MaxOffsetInQueue(std::string_view topic, QueueId queue) const;
  // RocketMQ's getOffsetInQueueByTime.
  QueueOffset OffsetByTime(std::string_view topic, QueueId queue,
                           int64_t timestamp_ms) const;
  // Store time of the message at `offset`, or of the earliest message of a
  // queue / of the whole store; NotFound when there is none.
  absl::StatusOr<int64_t> MessageStoreTime(std::string_view topic,
                                           QueueId queue,
                                           QueueOffset offset) const;
  absl::StatusOr<int64_t> EarliestMessageTime(std::string_view topic,
                                              QueueId queue) const;
  absl::StatusOr<int64_t> EarliestMessageTime() const;
  PhysicalOffset MinPhysicalOffset() const;
  PhysicalOffset MaxPhysicalOffset() const;

  // All (topic, queue) pairs that have a consume queue.
  std::vector<std::pair<std::string, int32_t>> ListQueues() const;

  // Every record of the commit log in order, from `from` on; stops when `fn`
  // returns false. Used by tools (dump, verify).
  absl::Status ScanCommitLog(
      PhysicalOffset from,
      const std::function<bool(PhysicalOffset, std::span<const std::byte>)>& fn)
      const;

  // Makes everything appended so far durable.
  absl::Status Flush();
  StoreStats Stats() const;
  const StoreConfig& config() const;

  // Stops accepting puts, flushes, writes the checkpoint, removes abort,
  // releases the lock. Idempotent.
  absl::Status Shutdown();
  // For crash tests (ours and embedders'): stops the store's threads and
  // releases its files the way a killed process would — nothing is flushed,
  // the abort file stays, no checkpoint is written. Combine with
  // MemFileSystem::SimulatePowerLoss to test durability promises.
  void CrashForTesting();

  class Impl;

 private:
  explicit MessageStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rmq
