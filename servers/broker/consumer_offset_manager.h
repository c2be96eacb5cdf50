#pragma once
// Consumer offsets on the broker (RocketMQ's ConsumerOffsetManager;
// remoting-protocol.md §10.10, store-format.md §17.3): for each
// "topic@group", the next queue offset the group will consume in each queue,
// persisted as <storePathRootDir>/config/consumerOffset.json.
//
// Unlike topics.json, offsets change all the time (every pull with the
// commit bit, every UPDATE_CONSUMER_OFFSET), so a commit only updates memory
// and the broker writes the file every flushConsumerOffsetInterval ms (Java:
// 5 s) and at shutdown, through PersistIfChanged(). A crash loses at most
// that interval: clients commit again within 5 s, and a consumer restarting
// from a slightly older offset re-consumes, which at-least-once allows.
//
// The file is byte-for-byte what fastjson writes for the Java class (tabs,
// bare integer queue keys, and fastjson's line break before the closing
// brace of an integer-keyed map), so a RocketMQ broker reads ours; we read
// RocketMQ's, quoted keys too. Written crash-safe with a .bak, as every
// config file (config_file.h).
//
// Thread-safety: every method may be called from any thread. Commit and
// Query take one mutex briefly and never wait for disk I/O: Persist
// snapshots the table under the mutex and writes outside it.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace rmq::broker {

inline constexpr std::string_view kConsumerOffsetFileName =
    "consumerOffset.json";

// queueId -> next offset to consume, ascending queue ids.
using QueueOffsets = std::map<int32_t, int64_t>;

class ConsumerOffsetManager {
 public:
  // `config_dir` is <storePathRootDir>/config. Starts empty until Load().
  explicit ConsumerOffsetManager(std::filesystem::path config_dir);
  ConsumerOffsetManager(const ConsumerOffsetManager&) = delete;
  ConsumerOffsetManager& operator=(const ConsumerOffsetManager&) = delete;

  // Replaces the table with consumerOffset.json's. A missing file means an
  // empty table; a corrupt one falls back to consumerOffset.json.bak;
  // corrupt without a usable backup is DataLoss naming the file (see
  // LoadConfigFile). The loaded table counts as persisted.
  absl::Status Load();

  // Records that `group` will next consume `offset` in topic/queue. Stored
  // as is, even when smaller than the current value (Java overwrites: a
  // reset moves offsets back). Negative offsets are ignored: ali-ons sends
  // -1 for a queue it has not consumed, which must not clobber a real one.
  void Commit(std::string_view group, std::string_view topic, int32_t queue,
              int64_t offset);

  // The stored offset, -1 when there is none.
  int64_t Query(std::string_view group, std::string_view topic,
                int32_t queue) const;

  // Every queue's offset of group/topic; empty when none.
  QueueOffsets OffsetsOf(std::string_view group, std::string_view topic) const;
  // The groups with offsets in `topic` / the topics `group` has offsets in,
  // sorted (Java's whichGroupByTopic / whichTopicByConsumer).
  std::vector<std::string> GroupsOf(std::string_view topic) const;
  std::vector<std::string> TopicsOf(std::string_view group) const;

  // Forgets the group's offsets in one topic / in every topic (deleting a
  // topic or a subscription group). Returns whether anything was removed.
  bool RemoveGroupTopic(std::string_view group, std::string_view topic);
  bool RemoveGroup(std::string_view group);

  // Writes the file now, whatever changed.
  absl::Status Persist();
  // The periodic entry point (every flushConsumerOffsetInterval ms, and at
  // shutdown): writes the file only when the table changed since the last
  // successful write or load. Returns whether it wrote. On an error the
  // table stays "changed", so the next call tries again.
  absl::StatusOr<bool> PersistIfChanged();

  // The file's content: fastjson's pretty form, see the file comment.
  std::string Encode() const;
  // fastjson's compact form, {"offsetTable":{"t@g":{0:250,1:248}}}: what
  // GET_ALL_CONSUMER_OFFSET returns to a slave.
  std::string EncodeCompact() const;

  const std::filesystem::path& file_path() const { return file_path_; }

 private:
  // "topic@group" -> offsets. Sorted on output only: the table is hashed for
  // Commit, which runs on every pull.
  using Table = absl::flat_hash_map<std::string, QueueOffsets>;

  static std::string Key(std::string_view topic, std::string_view group);
  static absl::Status Decode(std::string_view text, Table* table);
  static std::string EncodeTable(const Table& table, bool pretty);
  // Writes `table`, taken at change count `version`, and records it as
  // persisted.
  absl::Status Write(const Table& table, uint64_t version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  const std::filesystem::path file_path_;

  // Serializes file writes, so an older snapshot never overwrites a newer
  // one; never held while waiting for mu_ longer than a snapshot.
  absl::Mutex write_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  Table table_ ABSL_GUARDED_BY(mu_);
  // Counts changes; the file holds the table as of `persisted_version_`.
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t persisted_version_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace rmq::broker
