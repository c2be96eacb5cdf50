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
// Slots come in cache lines of four, and queue ids 4k..4k+3 of a topic share
// a home line: a producer that sends round-robin over a topic's queues (as
// RocketMQ's producers do) finds three puts in four in the line the previous
// one loaded. At 10,000 queues the streaming commit log evicts everything
// between two puts to the same queue, and a slot per put was one of a put's
// two cache misses (the other, the queue itself, is prefetched early).
// The directory also remembers where the next id's slot is: a put that
// asks for it skips the key and the search.
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

  // A lookup in two steps, so that at 10,000 queues the queue's cache miss
  // overlaps the caller's other work: Start reads the key's line(s) and
  // prefetches the queue whose slot has the key; Find(probe), later, checks
  // that candidate's identity (in cache by then) or searches.
  struct Probe {
    std::string_view topic;
    int32_t queue_id = 0;
    uint64_t key = 0;  // Key(topic, queue_id)
    // The queue in the first slot with the key, or the hinted queue (then
    // already checked to be the one asked for).
    ConsumeQueue* candidate = nullptr;
  };
  Probe Start(std::string_view topic, int32_t queue_id) const;
  ConsumeQueue* Find(const Probe& probe) const;
  // `queue` must outlive the directory and not be in it yet.
  void Insert(ConsumeQueue* queue);
  // A queue's key: bits from which its home line is taken (the same for the
  // four ids of a group) plus its id within the group, so keys differ within
  // a line. Public for the tests of how keys spread over the lines.
  static uint64_t Key(std::string_view topic, int32_t queue_id);
  static uint64_t HomeBits(uint64_t key) { return key & ~uint64_t{3}; }

 private:
  static constexpr size_t kSlotsPerLine = 4;
  struct Slot {
    std::atomic<uint64_t> key{0};
    std::atomic<ConsumeQueue*> queue{nullptr};  // set last: the slot is live
  };
  // Slots fill in order, and a line is probed only when the ones before it
  // (from the home line) are full: an empty slot ends every search.
  struct alignas(64) Line {
    Slot slots[kSlotsPerLine];
  };
  struct Table {
    explicit Table(size_t lines)
        : mask(lines - 1), lines(std::make_unique<Line[]>(lines)) {}
    const size_t mask;  // number of lines - 1, a power of two
    std::unique_ptr<Line[]> lines;
    size_t HomeLine(uint64_t key) const { return (HomeBits(key) >> 2) & mask; }
  };

  static void Place(Table& table, uint64_t key, ConsumeQueue* queue);
  static bool Is(const ConsumeQueue& queue, const Probe& probe);
  // The first slot, from `key`'s home line on, with `key` and a queue that
  // `accept`s; null at the first empty slot. (A live slot never changes.)
  template <typename Accept>
  static const Slot* Search(const Table& table, uint64_t key, Accept accept);
  // Prefetches what the put after `probe`'s most likely needs, and returns
  // the slot of the next id's queue when it is the one after `slot` (where
  // Start found the candidate, or null).
  static const Slot* PrefetchNextId(const Table& table, const Probe& probe,
                                    const Slot* slot);
  // The candidate from next_hint_ when it is the queue asked for, else null.
  static const Slot* Hinted(const Slot* hint, std::string_view topic,
                            int32_t queue_id);

  std::atomic<const Table*> current_;
  // The slot of the queue the next Start most likely asks for (the id after
  // the last one's, in its line), or null: a Start that finds it there needs
  // neither the key nor the search, whose exit branch, at a different slot
  // each put, mispredicts. Any live slot of any table is a valid hint (slots
  // never change, tables live as long as the directory), so producers race
  // on it harmlessly (release/acquire: a slot is read only after the table
  // it is in was published to the thread that stored it); its own line
  // keeps their writes off current_'s.
  alignas(64) mutable std::atomic<const Slot*> next_hint_{nullptr};
  // Every table made, the current one last (inserter only).
  std::vector<std::unique_ptr<Table>> tables_;
  size_t count_ = 0;  // inserter only
};

}  // namespace rmq
