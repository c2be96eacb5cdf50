#pragma once
// Lock-free lookup of consume queues by (topic, queue id), for the put path.
//
// Every Put looks its queue up; behind a reader-writer lock that lookup cost
// ~280 instructions of a ~2,400-instruction put (callgrind: the rwlock, two
// hash probes). Queues are only ever added while a store is open, so readers
// need no lock: slots are written once, and a grown table is published only
// after every entry was copied into it. Old tables are kept until the
// directory dies (readers may still be probing them); with doubling they add
// up to less than the live one.
//
// Find may miss a queue inserted concurrently (or that is not there): the
// caller then looks in its authoritative, locked map. A hit is always right.
//
// Thread-safety: Find from any thread; Insert with the caller's writer lock
// held (one inserter at a time).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace rmq {

class ConsumeQueue;

class QueueDirectory {
 public:
  QueueDirectory();
  QueueDirectory(const QueueDirectory&) = delete;
  QueueDirectory& operator=(const QueueDirectory&) = delete;

  ConsumeQueue* Find(std::string_view topic, int32_t queue_id) const;

  // A lookup in two steps, so that at 10,000 queues its cache misses (the
  // slot, then the queue) overlap the caller's other work: Start hashes the
  // key and prefetches its slot; PrefetchQueue, a little later, prefetches
  // the queue the slot names; Find(probe) then finds it in cache.
  struct Probe {
    std::string_view topic;
    int32_t queue_id = 0;
    uint64_t hash = 0;
  };
  Probe Start(std::string_view topic, int32_t queue_id) const;
  void PrefetchQueue(const Probe& probe) const;
  ConsumeQueue* Find(const Probe& probe) const;
  // `queue` must outlive the directory and not be in it yet.
  void Insert(ConsumeQueue* queue);
  // Public for the tests of how it spreads keys over the slots.
  static uint64_t Hash(std::string_view topic, int32_t queue_id);

 private:
  struct Slot {
    std::atomic<uint64_t> hash{0};
    std::atomic<ConsumeQueue*> queue{nullptr};  // set last: the slot is live
  };
  struct Table {
    explicit Table(size_t capacity)
        : mask(capacity - 1), slots(std::make_unique<Slot[]>(capacity)) {}
    const size_t mask;  // capacity - 1; capacity is a power of two
    std::unique_ptr<Slot[]> slots;
  };

  static void Place(Table& table, uint64_t hash, ConsumeQueue* queue);

  std::atomic<const Table*> current_;
  // Every table made, the current one last (inserter only).
  std::vector<std::unique_ptr<Table>> tables_;
  size_t count_ = 0;  // inserter only
};

}  // namespace rmq
