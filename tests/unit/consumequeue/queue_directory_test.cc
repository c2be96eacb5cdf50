#include "consumequeue/queue_directory.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "consumequeue/consume_queue.h"
#include "rmq/io/mem_file_system.h"

namespace rmq {
namespace {

// Queues that are never opened: the directory only reads topic and id.
struct Queues {
  std::shared_ptr<MemFileSystem> fs = NewMemFileSystem();
  std::shared_ptr<Logger> logger = NullLogger();
  MappingCache cache{16};
  std::vector<std::unique_ptr<ConsumeQueue>> all;

  ConsumeQueue* Make(std::string topic, int32_t id) {
    all.push_back(std::make_unique<ConsumeQueue>(
        std::move(topic), id, ConsumeQueueOptions{.dir = "/cq"}, *fs, cache,
        *logger));
    return all.back().get();
  }
};

TEST_CASE("finds every inserted queue by topic and id, through growth") {
  Queues queues;
  QueueDirectory directory;
  std::vector<ConsumeQueue*> inserted;
  for (int t = 0; t < 50; ++t) {
    for (int32_t id = 0; id < 40; ++id) {
      ConsumeQueue* q = queues.Make(absl::StrCat("topic-", t), id);
      directory.Insert(q);
      inserted.push_back(q);
      REQUIRE(directory.Find(q->topic(), id) == q);
    }
  }
  for (ConsumeQueue* q : inserted) {
    CHECK(directory.Find(q->topic(), q->queue_id()) == q);
  }
  CHECK(directory.Find("topic-0", 40) == nullptr);
  CHECK(directory.Find("topic-50", 0) == nullptr);
  CHECK(directory.Find("topic-", 1) == nullptr);
  CHECK(directory.Find("", 0) == nullptr);
}

TEST_CASE("same id under topics that share a prefix are different queues") {
  Queues queues;
  QueueDirectory directory;
  ConsumeQueue* a = queues.Make("T", 3);
  ConsumeQueue* b = queues.Make("TT", 3);
  directory.Insert(a);
  directory.Insert(b);
  CHECK(directory.Find("T", 3) == a);
  CHECK(directory.Find("TT", 3) == b);
  CHECK(directory.Find("TTT", 3) == nullptr);
}

TEST_CASE("readers never see a wrong queue while one thread inserts") {
  Queues queues;
  constexpr int kQueues = 5000;
  for (int i = 0; i < kQueues; ++i) queues.Make(absl::StrCat("t", i % 7), i);
  QueueDirectory directory;
  std::atomic<int> published{0};
  std::atomic<bool> wrong{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      int seen = 0;
      while (seen < kQueues) {
        seen = published.load(std::memory_order_acquire);
        for (int i = 0; i < seen; i += 13) {
          ConsumeQueue* q = directory.Find(absl::StrCat("t", i % 7), i);
          // A miss is allowed (the caller falls back to its map); a wrong
          // queue never is. Inserted before `published` moved: must be found.
          if (q != queues.all[i].get()) wrong = true;
        }
      }
    });
  }
  for (int i = 0; i < kQueues; ++i) {
    directory.Insert(queues.all[i].get());
    published.store(i + 1, std::memory_order_release);
  }
  for (std::thread& t : readers) t.join();
  CHECK_FALSE(wrong);
}

// Linear probing at the directory's load (at most half full) stays short
// only if Hash spreads real key sets over the low bits: one topic with many
// ids, many topics with a common prefix and few ids, and short topics.
double MeanProbes(const std::vector<std::pair<std::string, int32_t>>& keys) {
  size_t capacity = 64;
  while (keys.size() * 2 > capacity) capacity *= 2;
  std::vector<bool> used(capacity, false);
  size_t probes = 0;
  for (const auto& [topic, id] : keys) {
    size_t i = QueueDirectory::Hash(topic, id) & (capacity - 1);
    for (probes += 1; used[i]; i = (i + 1) & (capacity - 1)) ++probes;
    used[i] = true;
  }
  return static_cast<double>(probes) / static_cast<double>(keys.size());
}

TEST_CASE("the hash keeps probe sequences short for typical key sets") {
  std::vector<std::pair<std::string, int32_t>> one_topic;
  for (int32_t id = 0; id < 16384; ++id) one_topic.emplace_back("T", id);
  std::vector<std::pair<std::string, int32_t>> many_topics;
  for (int t = 0; t < 4096; ++t) {
    for (int32_t id = 0; id < 4; ++id) {
      many_topics.emplace_back(absl::StrCat("%RETRY%consumer-group-", t), id);
    }
  }
  std::vector<std::pair<std::string, int32_t>> short_topics;
  for (int t = 0; t < 4096; ++t) {
    short_topics.emplace_back(absl::StrCat(t), t % 3);  // 1 to 4 bytes
  }
  // Uniform random hashing gives ~1.5 at half load.
  CHECK(MeanProbes(one_topic) < 2.0);
  CHECK(MeanProbes(many_topics) < 2.0);
  CHECK(MeanProbes(short_topics) < 2.0);
  CHECK(QueueDirectory::Hash("TopicA", 1) != QueueDirectory::Hash("TopicA", 2));
  CHECK(QueueDirectory::Hash("TopicA", 1) != QueueDirectory::Hash("TopicB", 1));
}

}  // namespace
}  // namespace rmq
