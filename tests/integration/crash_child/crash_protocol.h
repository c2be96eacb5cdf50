#pragma once
// The contract between rmq-crash-child (the writer process) and
// store_kill9_test (the parent that kills it with SIGKILL):
//  * the store settings both sides open the store with;
//  * the messages the child appends, derived from (seed, thread, sequence)
//    alone, so the parent can rebuild every one of them byte for byte;
//  * the acknowledgement the child writes to stdout after each Put that
//    returned OK without flush_timed_out (i.e. the record was synced).

#include <cstdint>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "rmq/logger.h"
#include "rmq/message.h"
#include "rmq/store_config.h"

namespace rmq::crash {

inline constexpr int kTopics = 2;
inline constexpr int kQueuesPerTopic = 4;
// Commit-log segments small enough that every run rolls several of them;
// consume-queue files of 300 units and index files of 4000 items roll too.
inline constexpr int64_t kCommitLogSegmentSize = 128 * 1024;
inline constexpr int64_t kConsumeQueueFileSize = 6000;
// The property that names the writer of a record: "<seed>:<thread>:<seq>".
inline constexpr std::string_view kPropertyCrashId = "CRASH_ID";

// One acknowledgement: 40 bytes written with a single write(2) to a pipe.
// Writes of at most PIPE_BUF bytes are atomic, so acknowledgements from
// different threads never interleave and a dead writer never leaves half of
// one behind.
struct Ack {
  uint32_t thread = 0;
  uint32_t topic_index = 0;
  uint64_t sequence = 0;
  int32_t queue_id = 0;
  int32_t size = 0;  // record size in the commit log
  int64_t queue_offset = 0;
  int64_t physical_offset = 0;
};
static_assert(sizeof(Ack) == 40);
static_assert(std::is_trivially_copyable_v<Ack>);

inline std::string TopicName(int topic_index) {
  return absl::StrCat("CrashTopic", topic_index);
}

// Both processes open the store with exactly these settings.
inline StoreConfig CrashStoreConfig(const std::string& dir) {
  StoreConfig config;
  config.store_path_root_dir = dir;
  config.mapped_file_size_commit_log = kCommitLogSegmentSize;
  config.mapped_file_size_consume_queue = kConsumeQueueFileSize;
  config.max_hash_slot_num = 1000;
  config.max_index_num = 4000;
  config.flush_disk_type = FlushDiskType::kSyncFlush;
  config.logger = StderrLogger(LogLevel::kError);
  return config;
}

// splitmix64: a well-mixed 64-bit value from any input.
inline uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

inline uint64_t MessageHash(uint64_t seed, uint32_t thread, uint64_t seq) {
  return Mix(Mix(Mix(seed) ^ thread) ^ seq);
}

// How many writer threads a child started with `seed` runs (2 to 4).
inline int WriterThreads(uint64_t seed) {
  return 2 + static_cast<int>(Mix(seed ^ 0x7468726561647321ULL) % 3);
}

struct MessagePlan {
  int topic_index = 0;
  int queue_id = 0;
};

inline MessagePlan PlanMessage(uint64_t seed, uint32_t thread, uint64_t seq) {
  const uint64_t h = MessageHash(seed, thread, seq);
  return MessagePlan{.topic_index = static_cast<int>(h % kTopics),
                     .queue_id = static_cast<int>((h >> 8) % kQueuesPerTopic)};
}

inline std::string CrashId(uint64_t seed, uint32_t thread, uint64_t seq) {
  return absl::StrCat(seed, ":", thread, ":", seq);
}
inline std::string MessageKey(uint64_t seed, uint32_t thread, uint64_t seq) {
  return absl::StrCat("k", seed, "_", thread, "_", seq);
}
inline std::string UniqueKey(uint64_t seed, uint32_t thread, uint64_t seq) {
  return absl::StrCat("u", seed, "_", thread, "_", seq);
}

// The message thread `thread` of the child started with `seed` appends as
// its `seq`-th. Bodies are 0..3000 bytes, one in twenty 8..24 KiB (so records
// often do not fit the rest of a segment); two keys and a UNIQ_KEY each.
inline MessageToStore BuildMessage(uint64_t seed, uint32_t thread,
                                   uint64_t seq) {
  const uint64_t h = MessageHash(seed, thread, seq);
  const MessagePlan plan = PlanMessage(seed, thread, seq);
  const uint64_t size_roll = (h >> 16) % 20;
  const uint64_t body_size =
      size_roll == 0 ? 8 * 1024 + (h >> 24) % (16 * 1024) : (h >> 24) % 3001;
  MessageToStore message;
  message.topic = TopicName(plan.topic_index);
  message.queue_id = plan.queue_id;
  message.flag = static_cast<int32_t>(h & 0xFF);
  message.body.resize(body_size);
  uint64_t state = h;
  for (size_t i = 0; i < body_size; i += 8) {
    state = Mix(state);
    for (size_t b = 0; b < 8 && i + b < body_size; ++b) {
      message.body[i + b] = static_cast<char>(state >> (8 * b));
    }
  }
  message.properties.Set(kPropertyTags, absl::StrCat("tag", h % 3));
  message.properties.Set(kPropertyKeys,
                         absl::StrCat(MessageKey(seed, thread, seq), " b", seed,
                                      "_", thread, "_", seq));
  message.properties.Set(kPropertyUniqKey, UniqueKey(seed, thread, seq));
  message.properties.Set(kPropertyCrashId, CrashId(seed, thread, seq));
  message.born_timestamp_ms = 1700000000000 + static_cast<int64_t>(seq);
  message.born_host =
      HostAddress::V4(10, 0, 0, static_cast<uint8_t>(thread + 1), 5000);
  return message;
}

}  // namespace rmq::crash
