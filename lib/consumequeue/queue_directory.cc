#include "consumequeue/queue_directory.h"

#include <cstring>
#include <limits>

#include "consumequeue/consume_queue.h"

namespace rmq {
namespace {

constexpr size_t kInitialLines = 16;
constexpr uint64_t kSeed0 = 0xa0761d6478bd642f;  // wyhash's constants
constexpr uint64_t kSeed1 = 0xe7037ed1a0b428db;

uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// 64x64 -> 128-bit multiply, halves folded: every input bit reaches the low
// bits the table indexes with.
uint64_t Mix(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a ^ kSeed0) *
                              static_cast<unsigned __int128>(b ^ kSeed1);
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

}  // namespace

QueueDirectory::QueueDirectory() {
  tables_.push_back(std::make_unique<Table>(kInitialLines));
  current_.store(tables_.back().get(), std::memory_order_release);
}

// absl::HashOf took ~45 instructions per put (callgrind); topics are short,
// so this reads them 8 bytes at a time (the last word overlapping, the
// length mixed in first) in ~20. The group (id / 4) is mixed in, the id
// within the group added to the low bits, which HomeBits drops.
uint64_t QueueDirectory::Key(std::string_view topic, int32_t queue_id) {
  const uint32_t id = static_cast<uint32_t>(queue_id);
  const char* p = topic.data();
  const size_t n = topic.size();
  uint64_t h = Mix(id / kSlotsPerLine, n);
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 < n; i += 8) h = Mix(h, Load64(p + i));
    h = Mix(h, Load64(p + n - 8));
  } else if (n >= 4) {
    h = Mix(h, Load32(p) << 32 | Load32(p + n - 4));
  } else if (n > 0) {
    const uint64_t w = static_cast<uint64_t>(static_cast<uint8_t>(p[0])) << 16 |
                       static_cast<uint64_t>(static_cast<uint8_t>(p[n / 2]))
                           << 8 |
                       static_cast<uint8_t>(p[n - 1]);
    h = Mix(h, w);
  }
  return HomeBits(h) | (id % kSlotsPerLine);
}

ConsumeQueue* QueueDirectory::Find(std::string_view topic,
                                   int32_t queue_id) const {
  return Find(Probe{topic, queue_id, Key(topic, queue_id)});
}

template <typename Accept>
const QueueDirectory::Slot* QueueDirectory::Search(const Table& table,
                                                   uint64_t key,
                                                   Accept accept) {
  for (size_t i = table.HomeLine(key);; i = (i + 1) & table.mask) {
    for (const Slot& slot : table.lines[i].slots) {
      ConsumeQueue* queue = slot.queue.load(std::memory_order_acquire);
      if (queue == nullptr) return nullptr;  // tables are never full
      if (slot.key.load(std::memory_order_relaxed) == key && accept(*queue)) {
        return &slot;
      }
    }
  }
}

inline bool QueueDirectory::Is(const ConsumeQueue& queue, const Probe& probe) {
  return queue.queue_id() == probe.queue_id && queue.topic() == probe.topic;
}

// RocketMQ's producers send to a topic's queues in turn (the default
// selector counts up), so the put after (topic, id) is most often
// (topic, id + 1). At 10,000 queues that queue's line was evicted since its
// last put, 10 MB of appends ago: bring it in now, a put ahead. A group's
// ids are most often created in order, so within the group the next id's
// queue is in the slot after `slot` (checked by key; no search, it costs
// every put); after the last id of a group, the next group's line.
inline const QueueDirectory::Slot* QueueDirectory::PrefetchNextId(
    const Table& table, const Probe& probe, const Slot* slot) {
  if ((probe.key & (kSlotsPerLine - 1)) == kSlotsPerLine - 1) {
    if (probe.queue_id < std::numeric_limits<int32_t>::max()) {
      __builtin_prefetch(
          &table.lines[table.HomeLine(Key(probe.topic, probe.queue_id + 1))]);
    }
    return nullptr;
  }
  if (slot == nullptr) return nullptr;
  // Lines are 64-byte aligned and hold exactly their slots, so a slot's
  // address gives its place in its line.
  static_assert(sizeof(Line) == kSlotsPerLine * sizeof(Slot));
  const size_t place =
      reinterpret_cast<uintptr_t>(slot) % sizeof(Line) / sizeof(Slot);
  if (place == kSlotsPerLine - 1) return nullptr;
  const Slot* after = slot + 1;
  if (after->key.load(std::memory_order_relaxed) != probe.key + 1) {
    return nullptr;
  }
  const ConsumeQueue* next = after->queue.load(std::memory_order_acquire);
  if (next == nullptr) return nullptr;
  __builtin_prefetch(next);
  return after;
}

// The hint's queue was prefetched by the put before, so checking its
// identity here costs no miss.
inline const QueueDirectory::Slot* QueueDirectory::Hinted(
    const Slot* hint, std::string_view topic, int32_t queue_id) {
  if (hint == nullptr) return nullptr;
  const ConsumeQueue* queue = hint->queue.load(std::memory_order_acquire);
  if (queue->queue_id() != queue_id || queue->topic() != topic) return nullptr;
  return hint;
}

QueueDirectory::Probe QueueDirectory::Start(std::string_view topic,
                                            int32_t queue_id) const {
  Probe probe{topic, queue_id};
  const Table& table = *current_.load(std::memory_order_acquire);
  const Slot* hint = next_hint_.load(std::memory_order_acquire);
  const Slot* slot = Hinted(hint, topic, queue_id);
  if (slot != nullptr) {
    // Hinted read the queue's line (prefetched by the put before).
    probe.key = slot->key.load(std::memory_order_relaxed);
    probe.candidate = slot->queue.load(std::memory_order_relaxed);
  } else {
    probe.key = Key(topic, queue_id);
    // The first queue with the key: its identity is checked by Find, once
    // the prefetch below has brought it in.
    slot = Search(table, probe.key, [](const ConsumeQueue&) { return true; });
    if (slot != nullptr) {
      probe.candidate = slot->queue.load(std::memory_order_relaxed);
      // The appender's state is the queue's first cache line. (Not the
      // second: it is the dispatcher's, and a copy here would be
      // invalidated.)
      __builtin_prefetch(probe.candidate);
    }
  }
  const Slot* next = PrefetchNextId(table, probe, slot);
  if (next != hint) next_hint_.store(next, std::memory_order_release);
  return probe;
}

ConsumeQueue* QueueDirectory::Find(const Probe& probe) const {
  if (probe.candidate != nullptr && Is(*probe.candidate, probe)) {
    return probe.candidate;
  }
  // No candidate (inserted since Start, or absent), or another queue with the
  // same 64-bit key: search every slot with the key.
  const Slot* slot =
      Search(*current_.load(std::memory_order_acquire), probe.key,
             [&probe](const ConsumeQueue& queue) { return Is(queue, probe); });
  return slot != nullptr ? slot->queue.load(std::memory_order_relaxed)
                         : nullptr;
}

void QueueDirectory::Place(Table& table, uint64_t key, ConsumeQueue* queue) {
  for (size_t i = table.HomeLine(key);; i = (i + 1) & table.mask) {
    for (Slot& slot : table.lines[i].slots) {
      if (slot.queue.load(std::memory_order_relaxed) != nullptr) continue;
      slot.key.store(key, std::memory_order_relaxed);
      slot.queue.store(queue, std::memory_order_release);
      return;
    }
  }
}

void QueueDirectory::Insert(ConsumeQueue* queue) {
  Table* table = tables_.back().get();
  // At most half full: probes stay short and always end at an empty slot.
  if ((count_ + 1) * 2 > (table->mask + 1) * kSlotsPerLine) {
    auto grown = std::make_unique<Table>((table->mask + 1) * 2);
    for (size_t i = 0; i <= table->mask; ++i) {
      for (const Slot& slot : table->lines[i].slots) {
        ConsumeQueue* q = slot.queue.load(std::memory_order_relaxed);
        if (q != nullptr) {
          Place(*grown, slot.key.load(std::memory_order_relaxed), q);
        }
      }
    }
    tables_.push_back(std::move(grown));
    table = tables_.back().get();
    current_.store(table, std::memory_order_release);
  }
  Place(*table, Key(queue->topic(), queue->queue_id()), queue);
  ++count_;
}

}  // namespace rmq
