#pragma once
// Delivery of delayed messages (RocketMQ's ScheduleMessageService;
// store-format.md §16.1, remoting-protocol.md §10.7).
//
// The store already parks a message sent with DELAY=n in SCHEDULE_TOPIC_XXXX
// queue n-1 with REAL_TOPIC/REAL_QID and the due time as its consume-queue
// tag code. This service keeps, per level, the next queue offset to deliver
// (the "cursor") and, when an entry is due, re-stores the message under its
// real topic and queue; then the cursor moves past it. A level stops at its
// first entry that is not yet due: entries of one level are stored in due
// order, since the level's delay is the same for all of them.
//
// Cursors persist to <config_dir>/delayOffset.json in RocketMQ's shape,
// {"offsetTable":{1:0,2:5}} with bare integer keys (store-format §17.4), so a
// Java broker reads ours and we read its. Delivery is at least once: a crash
// between a delivery and the next persist delivers that message again, as in
// Java.
//
// Time is injectable: the owned thread calls DeliverDue(now) every tick with
// the clock's time; tests call DeliverDue themselves and start no thread.
//
// Thread-safety: thread-safe. DeliverDue calls are serialized.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rmq/clock.h"
#include "rmq/logger.h"
#include "rmq/store.h"

namespace rmq::broker {

inline constexpr char kDelayOffsetFileName[] = "delayOffset.json";

struct ScheduleMessageServiceOptions {
  std::filesystem::path config_dir;  // <storePathRootDir>/config
  // How often the thread looks for due messages (Java re-checks a level
  // 100 ms after finding its head not yet due).
  absl::Duration tick = absl::Milliseconds(100);
  // flushDelayOffsetInterval.
  absl::Duration persist_interval = absl::Seconds(10);
  // The thread's time source; null: the store's clock (the one its store
  // timestamps, and so the due times, come from).
  std::shared_ptr<Clock> clock = nullptr;
};

class ScheduleMessageService {
 public:
  // `store` and `logger` must outlive the service.
  ScheduleMessageService(MessageStore& store, Logger& logger,
                         ScheduleMessageServiceOptions options);
  ~ScheduleMessageService();  // Stop()
  ScheduleMessageService(const ScheduleMessageService&) = delete;
  ScheduleMessageService& operator=(const ScheduleMessageService&) = delete;

  // Parses the store's messageDelayLevel and reads delayOffset.json (or its
  // .bak); each cursor is clamped into its queue's [min, max], since the
  // file may be older or newer than the consume queue. A missing file means
  // every cursor is 0. Call before Start and DeliverDue.
  absl::Status Load();

  // Starts the delivery thread. Not for slaves (a slave's store takes no
  // puts; Java starts the service only on masters).
  void Start();
  // Stops and joins the thread, then persists the cursors. Idempotent.
  void Stop();
  // Makes the thread scan now instead of at its next tick.
  void Wake();

  // Re-stores every message whose due time is <= `now` under its real topic
  // and queue and advances the cursors. Returns how many were delivered.
  // Non-OK when a read or a put failed: that level stops there and is
  // retried on the next call; the other levels still ran.
  absl::StatusOr<int64_t> DeliverDue(absl::Time now);

  // Writes delayOffset.json crash-safely (see WriteConfigFile).
  absl::Status Persist();
  // The file's content: fastjson's pretty form with bare integer keys.
  std::string Encode() const;

  // The next queue offset to deliver for `level` (1-based); 0 if unknown.
  int64_t Offset(int32_t level) const;
  int32_t max_level() const {
    return static_cast<int32_t>(delay_levels_ms_.size());
  }
  const std::filesystem::path& file_path() const { return file_path_; }

 private:
  // Delivers the due head of one level; adds to `delivered`.
  absl::Status DeliverLevel(int32_t level, int64_t now_ms, int64_t* delivered)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(deliver_mu_);
  void SetOffset(int32_t level, int64_t offset);
  absl::Status Decode(std::string_view text,
                      std::map<int32_t, int64_t>* table) const;
  void Run();

  MessageStore& store_;
  Logger& logger_;
  const ScheduleMessageServiceOptions options_;
  const std::filesystem::path file_path_;
  const std::shared_ptr<Clock> clock_;
  std::vector<int64_t> delay_levels_ms_;  // set by Load, then read-only

  absl::Mutex deliver_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  absl::Mutex persist_mu_;  // one file write at a time
  mutable absl::Mutex mu_;
  // Level -> next offset. Also keeps levels beyond max_level() found in the
  // file, so shrinking messageDelayLevel loses nobody's position.
  std::map<int32_t, int64_t> offsets_ ABSL_GUARDED_BY(mu_);
  bool dirty_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace rmq::broker
