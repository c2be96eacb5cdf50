#include "consumequeue/queue_directory.h"

#include <cstring>

#include "consumequeue/consume_queue.h"

namespace rmq {
namespace {

constexpr size_t kInitialCapacity = 64;
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
  tables_.push_back(std::make_unique<Table>(kInitialCapacity));
  current_.store(tables_.back().get(), std::memory_order_release);
}

// absl::HashOf took ~45 instructions per put (callgrind); topics are short,
// so this reads them 8 bytes at a time (the last word overlapping, the
// length mixed in first) in ~20.
uint64_t QueueDirectory::Hash(std::string_view topic, int32_t queue_id) {
  const char* p = topic.data();
  const size_t n = topic.size();
  uint64_t h = Mix(static_cast<uint64_t>(static_cast<uint32_t>(queue_id)), n);
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 < n; i += 8) h = Mix(h, Load64(p + i));
    return Mix(h, Load64(p + n - 8));
  }
  if (n >= 4) return Mix(h, Load32(p) << 32 | Load32(p + n - 4));
  if (n > 0) {
    const uint64_t w = static_cast<uint64_t>(static_cast<uint8_t>(p[0])) << 16 |
                       static_cast<uint64_t>(static_cast<uint8_t>(p[n / 2]))
                           << 8 |
                       static_cast<uint8_t>(p[n - 1]);
    return Mix(h, w);
  }
  return h;
}

ConsumeQueue* QueueDirectory::Find(std::string_view topic,
                                   int32_t queue_id) const {
  return Find(Probe{topic, queue_id, Hash(topic, queue_id)});
}

QueueDirectory::Probe QueueDirectory::Start(std::string_view topic,
                                            int32_t queue_id) const {
  const Probe probe{topic, queue_id, Hash(topic, queue_id)};
  const Table* table = current_.load(std::memory_order_acquire);
  __builtin_prefetch(&table->slots[probe.hash & table->mask]);
  return probe;
}

void QueueDirectory::PrefetchQueue(const Probe& probe) const {
  const Table* table = current_.load(std::memory_order_acquire);
  const ConsumeQueue* queue = table->slots[probe.hash & table->mask].queue.load(
      std::memory_order_acquire);
  if (queue == nullptr) return;
  // The appender's state is the queue's first cache line. (Not the second:
  // it is the dispatcher's, and a copy here would only be invalidated.)
  __builtin_prefetch(queue);
}

ConsumeQueue* QueueDirectory::Find(const Probe& probe) const {
  const Table* table = current_.load(std::memory_order_acquire);
  for (size_t i = probe.hash & table->mask;; i = (i + 1) & table->mask) {
    const Slot& slot = table->slots[i];
    ConsumeQueue* queue = slot.queue.load(std::memory_order_acquire);
    if (queue == nullptr) return nullptr;  // tables are never full
    if (slot.hash.load(std::memory_order_relaxed) == probe.hash &&
        queue->queue_id() == probe.queue_id && queue->topic() == probe.topic) {
      return queue;
    }
  }
}

void QueueDirectory::Place(Table& table, uint64_t hash, ConsumeQueue* queue) {
  size_t i = hash & table.mask;
  while (table.slots[i].queue.load(std::memory_order_relaxed) != nullptr) {
    i = (i + 1) & table.mask;
  }
  table.slots[i].hash.store(hash, std::memory_order_relaxed);
  table.slots[i].queue.store(queue, std::memory_order_release);
}

void QueueDirectory::Insert(ConsumeQueue* queue) {
  Table* table = tables_.back().get();
  // At most half full: probes stay short and always end at an empty slot.
  if ((count_ + 1) * 2 > table->mask + 1) {
    auto grown = std::make_unique<Table>((table->mask + 1) * 2);
    for (size_t i = 0; i <= table->mask; ++i) {
      const Slot& slot = table->slots[i];
      ConsumeQueue* q = slot.queue.load(std::memory_order_relaxed);
      if (q != nullptr) {
        Place(*grown, slot.hash.load(std::memory_order_relaxed), q);
      }
    }
    tables_.push_back(std::move(grown));
    table = tables_.back().get();
    current_.store(table, std::memory_order_release);
  }
  Place(*table, Hash(queue->topic(), queue->queue_id()), queue);
  ++count_;
}

}  // namespace rmq
