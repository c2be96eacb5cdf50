#include "consumequeue/queue_directory.h"

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "consumequeue/consume_queue.h"

namespace rmq {
namespace {

constexpr size_t kInitialCapacity = 64;

}  // namespace

QueueDirectory::QueueDirectory() {
  tables_.push_back(std::make_unique<Table>(kInitialCapacity));
  current_.store(tables_.back().get(), std::memory_order_release);
}

uint64_t QueueDirectory::Hash(std::string_view topic, int32_t queue_id) {
  return absl::HashOf(absl::string_view(topic.data(), topic.size()), queue_id);
}

ConsumeQueue* QueueDirectory::Find(std::string_view topic,
                                   int32_t queue_id) const {
  const Table* table = current_.load(std::memory_order_acquire);
  const uint64_t hash = Hash(topic, queue_id);
  for (size_t i = hash & table->mask;; i = (i + 1) & table->mask) {
    const Slot& slot = table->slots[i];
    ConsumeQueue* queue = slot.queue.load(std::memory_order_acquire);
    if (queue == nullptr) return nullptr;  // tables are never full
    if (slot.hash.load(std::memory_order_relaxed) == hash &&
        queue->queue_id() == queue_id && queue->topic() == topic) {
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
