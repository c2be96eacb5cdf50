#pragma once
// One consume queue: the (topic, queueId) index into the commit log
// (store-format §4). Units are 20 bytes (CqUnit); unit k is at byte k*20 of
// the queue's concatenated files in consumequeue/<topic>/<queueId>/.
//
// Besides RocketMQ's state the queue carries its next queue offset (RocketMQ's
// topicQueueTable entry "topic-queueId"), assigned under the append lock.
//
// Thread-safety: two writers share a queue. The appender (the store's append
// lock) owns the offset counter and makes room: PrepareUnits creates and
// allocates files before the record reaches the commit log. The dispatcher
// (one thread) owns the unit writes, PutUnit, and the pin behind its cursor;
// it only writes units the appender made room for. Recovery and truncation
// run before/without either; reads and Flush are safe from any thread.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/fast_mutex.h"
#include "consumequeue/cq_file.h"
#include "rmq/consumequeue/cq_unit.h"
#include "rmq/io/file_system.h"
#include "rmq/logger.h"

namespace rmq {

class AheadCreator;

struct ConsumeQueueOptions {
  std::filesystem::path dir;  // consumequeue/<topic>/<queueId>
  int64_t file_size = 6000000;
  int64_t allocate_ahead = 64 * 1024;
  bool writable = true;
  // Where PrepareAhead hands the creation of the next file; null: it creates
  // the file on the caller's thread. Must outlive the queue's requests.
  AheadCreator* ahead_creator = nullptr;
};

// Units read from one file, pinned.
struct CqSlice {
  std::shared_ptr<MappedRegion> pin;
  const std::byte* data = nullptr;
  int64_t units = 0;        // number of 20-byte units
  int64_t first_index = 0;  // queue offset of the first unit
  CqUnit at(int64_t i) const { return CqUnit::DecodeFrom(data + i * 20); }
};

// Aligned so that the appender's hot state (first members) starts a cache
// line: at 10,000 queues every put lands on a cold queue.
class alignas(64) ConsumeQueue {
 public:
  // `fs`, `cache` and `logger` must outlive the queue.
  ConsumeQueue(std::string topic, int32_t queue_id, ConsumeQueueOptions options,
               FileSystem& fs, MappingCache& cache, Logger& logger);
  ConsumeQueue(const ConsumeQueue&) = delete;
  ConsumeQueue& operator=(const ConsumeQueue&) = delete;

  const std::string& topic() const { return topic_; }
  int32_t queue_id() const { return queue_id_; }
  const std::filesystem::path& dir() const { return options_.dir; }

  // Lists the files of the directory (mapping nothing yet).
  absl::Status Load();
  // RocketMQ's recover(): finds the end by scanning from the third-last file
  // to the first invalid unit, and drops what follows.
  absl::Status Recover();
  // Drops every unit pointing at or past `phy_offset` (the commit log turned
  // out shorter). Returns whether anything was dropped.
  absl::StatusOr<bool> TruncateFrom(int64_t phy_offset);
  // After a crash: keeps only the units that can be trusted — the prefix up to
  // the newest unit that points below `trusted_below` and that `matches` its
  // record — and drops the rest (the caller re-dispatches them). Units written
  // after the last sync may be garbage after a power loss, pointing anywhere.
  absl::Status TruncateUntrusted(
      int64_t trusted_below,
      const std::function<bool(const CqUnit&, int64_t queue_offset)>& matches);
  // Sets the min offset to the first unit at or past the commit log's min.
  absl::Status CorrectMinOffset(int64_t min_phy_offset);

  // --- appender ---------------------------------------------------------
  int64_t next_offset() const {
    return next_offset_.load(std::memory_order_relaxed);
  }
  void set_next_offset(int64_t offset) {
    next_offset_.store(offset, std::memory_order_relaxed);
  }
  // Makes sure units [first, first + count) can be written without failing:
  // their files exist, are in the queue's list and have disk blocks. The
  // appender calls it before it touches the commit log, so that a full disk
  // fails the put cleanly (a batch may spill into the next file: it is
  // created now), never the dispatcher after the put returned.
  absl::Status PrepareUnits(int64_t first, int64_t count) {
    if (first + count <= room_end_) return absl::OkStatus();
    return PrepareUnitsSlow(first, count);
  }
  // Creates the directory and the first file ahead of the first PutUnit, so
  // the appender does not do it under its lock.
  absl::Status Prepare();
  // Called by producers before they take the append lock: when the last
  // file is nearly full, has the next one created now (by the options'
  // AheadCreator, once per file, else on this thread), so the append that
  // rolls into it does not create a file (a journaled metadata operation
  // that took tens of ms here) under the lock. Cheap when there is nothing
  // to do.
  void PrepareAhead();
  // Creates the next file unless it exists or another thread is on it.
  void CreateAhead();

  // --- dispatcher ---------------------------------------------------------
  // Writes unit `queue_offset` (§4.3: idempotent, pre-blank fill of a first
  // file that does not start at 0). Creates files as needed when nothing
  // made room (recovery). While pin_kept(), keeps the file mapped and a
  // cursor at the next unit, so the next PutUnit is a 20-byte store.
  absl::Status PutUnit(int64_t queue_offset, const CqUnit& unit) {
    const int64_t expected = queue_offset * CqUnit::kSize;
    if (cursor_ != nullptr && expected < cursor_end_ &&
        expected == write_end_.load(std::memory_order_relaxed) &&
        unit.phy_offset + unit.size >
            max_phy_offset_.load(std::memory_order_relaxed)) {
      unit.EncodeTo(cursor_);
      cursor_ += CqUnit::kSize;
      write_end_.store(expected + CqUnit::kSize, std::memory_order_release);
      max_phy_offset_.store(unit.phy_offset + unit.size,
                            std::memory_order_release);
      return absl::OkStatus();
    }
    return PutUnitSlow(queue_offset, unit);
  }
  // Drops the pin PutUnit keeps for its cursor (PinnedQueues calls it, so
  // an idle queue does not keep its file mapped).
  void ReleasePin();
  // Dispatcher only: warm what PutUnit touches, a few units ahead of it
  // (the queue's line first, then the cursor's, which needs it).
  void PrefetchForDispatch() const { __builtin_prefetch(&cursor_, 1); }
  void PrefetchCursor() const {
    if (cursor_ != nullptr) __builtin_prefetch(cursor_, 1);
  }
  // Dispatcher only: whether PinnedQueues lets this queue keep its pin.
  bool pin_kept() const { return pin_kept_; }
  void set_pin_kept(bool kept) { pin_kept_ = kept; }

  // --- readers ----------------------------------------------------------
  int64_t MinOffset() const;
  // Next offset to be written: units [min, max) exist.
  int64_t MaxOffset() const;
  int64_t max_phy_offset() const { return max_phy_offset_.load(); }
  // Units from `queue_offset` to the written end of the file holding it.
  // NotFound when that file does not exist (deleted).
  absl::StatusOr<CqSlice> ReadFrom(int64_t queue_offset) const;
  absl::StatusOr<CqUnit> UnitAt(int64_t queue_offset) const;

  // --- flushing -----------------------------------------------------------
  // Syncs written-but-unsynced units if at least `least_pages` pages are dirty
  // (0: any). Returns true when there was nothing left to flush.
  absl::StatusOr<bool> Flush(int least_pages);
  bool dirty() const;
  // Whether Flush(least_pages) would sync anything now.
  bool NeedsFlush(int least_pages) const;
  // For a file-system-wide sync (syncfs) instead of one sync per queue: the
  // write positions before it, then marked synced after it succeeded.
  using WrittenSnapshot =
      std::vector<std::pair<std::shared_ptr<CqFile>, int64_t>>;
  WrittenSnapshot SnapshotWritten() const;
  static void MarkSynced(const WrittenSnapshot& snapshot);
  // True (once) when a file was created in dir() — or dir() itself — since
  // the last call: the directory entries still need a sync. The flusher
  // syncs them in one batch; on failure it calls MarkDirUnsynced again.
  bool TakeDirUnsynced() { return dir_unsynced_.exchange(false); }
  void MarkDirUnsynced() { dir_unsynced_ = true; }
  // For the table's dirty list: set when the first unit after a flush lands.
  std::atomic<bool>& in_dirty_list() { return in_dirty_list_; }

  int64_t FileCount() const;
  // Deletes files whose last unit points below `min_phy_offset` (never the
  // last file); returns how many.
  absl::StatusOr<int> DeleteFilesBelow(int64_t min_phy_offset);

 private:
  std::vector<std::shared_ptr<CqFile>> Files() const;
  std::shared_ptr<CqFile> FileFor(int64_t byte_offset) const;
  absl::StatusOr<std::shared_ptr<CqFile>> WritableFileFor(int64_t byte_offset);
  // Adds the file starting at `from` (the pending one if prepared).
  absl::StatusOr<std::shared_ptr<CqFile>> NewFile(int64_t from);
  absl::StatusOr<std::shared_ptr<CqFile>> CreateFile(int64_t from);
  // The queue's first file ever: starts at the file holding `queue_offset`,
  // with pre-blank units before it (§4.3 step 3).
  absl::Status CreateFirstFile(int64_t queue_offset);
  absl::Status FillPreBlank(CqFile& file, int64_t upto);
  absl::Status WriteAt(CqFile& file, int64_t pos, const CqUnit& unit);
  // Sets the end of the queue at `byte_offset`, zeroing what follows in that
  // file and deleting later files.
  absl::Status TruncateAt(int64_t byte_offset);
  // Bytes of units in `file`: units are written in order, so every file
  // before the one holding the queue's end is full.
  int64_t WroteIn(const CqFile& file) const;
  bool IsFull(const CqFile& file) const { return write_end_ >= file.end(); }
  absl::Status PrepareUnitsSlow(int64_t first, int64_t count);
  // The file holding byte `pos`, created (in the list) if it is the next.
  absl::StatusOr<std::shared_ptr<CqFile>> RoomFileFor(int64_t pos);
  void ForgetRoom();
  absl::Status PutUnitSlow(int64_t queue_offset, const CqUnit& unit);
  // Points cursor_ at the queue's end in `file`, through a pin.
  void AimCursor(const std::shared_ptr<CqFile>& file);
  void DropCursor();

  // --- the appender's hot state, first: at 10,000 queues a put touches
  // this queue cold, so what the put path reads is in the object's first
  // cache line (Find compares topic_ and queue_id_).
  const std::string topic_;
  const int32_t queue_id_;
  // Relaxed atomics: written by the appender, read by producers (PrepareAhead).
  std::atomic<int64_t> next_offset_{0};
  // Appender only: files exist and have disk blocks for units below this.
  int64_t room_end_ = 0;
  std::atomic<int64_t> files_end_{0};  // end of the last file (bytes)

  // --- the dispatcher's hot state, on its own cache line: the appender
  // writes its line while the dispatcher writes this one.
  // Dispatcher only: where the unit at write_end_ goes, in the mapping
  // prepared_region_ pins, valid for byte offsets below cursor_end_ (mapped,
  // allocated and in the file). Null: take the slow path.
  alignas(64) std::byte* cursor_ = nullptr;
  int64_t cursor_end_ = 0;
  bool pin_kept_ = false;
  // For the table's dirty list: set when the first unit after a flush lands.
  std::atomic<bool> in_dirty_list_{false};
  std::atomic<int64_t> max_phy_offset_{-1};
  // Where the next unit goes (bytes): the queue's end, published with
  // release after the unit's bytes, so readers see whole units.
  std::atomic<int64_t> write_end_{0};
  std::shared_ptr<MappedRegion> prepared_region_;

  const ConsumeQueueOptions options_;
  FileSystem& fs_;
  MappingCache& cache_;
  Logger& logger_;

  mutable FastMutex mu_;
  std::vector<std::shared_ptr<CqFile>> files_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> min_logic_offset_{0};  // bytes
  // A file was created in dir() whose directory entry is not synced yet.
  std::atomic<bool> dir_unsynced_{false};
  // The next file, created ahead of need (PrepareAhead, PrepareUnits).
  // ahead_requested_: the files end PrepareAhead last asked the creator for.
  std::atomic<int64_t> ahead_requested_{-1};
  FastMutex pending_mu_;
  std::shared_ptr<CqFile> pending_next_ ABSL_GUARDED_BY(pending_mu_);
  std::shared_ptr<CqFile> TakePending(int64_t from);
  // Appender only: the last file PrepareUnits made room in (kept across
  // batches: finding it takes a lock; dropped by TruncateAt and Load).
  std::shared_ptr<CqFile> room_file_;
  static constexpr int64_t kAheadBytes = 64 * 1024;  // ~3,300 units
};

}  // namespace rmq
