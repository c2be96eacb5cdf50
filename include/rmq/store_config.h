#pragma once
// StoreConfig: the store's settings under RocketMQ's MessageStoreConfig names
// (broker-config.md §2). Field `flush_interval_commit_log` is property key
// `flushIntervalCommitLog`, and so on; defaults are RocketMQ 4.9.8's.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rmq/clock.h"
#include "rmq/io/file_system.h"
#include "rmq/logger.h"
#include "rmq/message.h"
#include "rmq/properties.h"

namespace rmq {

enum class FlushDiskType { kAsyncFlush, kSyncFlush };
enum class BrokerRole { kAsyncMaster, kSyncMaster, kSlave };

struct StoreConfig {
  // --- paths and sizes -----------------------------------------------------
  std::string store_path_root_dir = "store";  // storePathRootDir
  std::string store_path_commit_log;          // "" = <root>/commitlog
  int64_t mapped_file_size_commit_log = 1073741824;
  int64_t mapped_file_size_consume_queue = 6000000;  // rounded up to 20
  int32_t max_hash_slot_num = 5000000;
  int32_t max_index_num = 20000000;

  // --- writing and flushing ------------------------------------------------
  FlushDiskType flush_disk_type = FlushDiskType::kAsyncFlush;
  int32_t flush_interval_commit_log = 500;
  bool flush_commit_log_timed = true;
  int32_t flush_commit_log_least_pages = 4;
  int32_t flush_commit_log_thorough_interval = 10000;
  int32_t commit_interval_commit_log = 200;
  int32_t commit_commit_log_least_pages = 4;
  int32_t commit_commit_log_thorough_interval = 200;
  int32_t flush_interval_consume_queue = 1000;
  int32_t flush_consume_queue_least_pages = 2;
  int32_t flush_consume_queue_thorough_interval = 60000;
  int32_t sync_flush_timeout = 5000;
  // RocketMQ's transientStorePoolEnable: appends go to a RAM write buffer that
  // a committer thread writes to the file with io_uring (or pwrite).
  bool transient_store_pool_enable = false;
  int32_t max_message_size = 4194304;
  // warmMapedFileEnable: pre-write each new commit-log segment with zeros in
  // the background (RocketMQ pre-faults and mlocks). Measured here: a roll
  // then costs the writer ~36 us instead of ~2 ms, at the price of writing
  // every segment twice (docs/design/io.md).
  bool warm_maped_file_enable = false;
  BrokerRole broker_role = BrokerRole::kAsyncMaster;
  // brokerIP1:listenPort, written into every record as STOREHOSTADDRESS.
  HostAddress store_host = HostAddress::V4(127, 0, 0, 1, 10911);

  // --- reading, indexing, recovery -----------------------------------------
  int32_t max_transfer_bytes_on_message_in_memory = 262144;
  int32_t max_transfer_count_on_message_in_memory = 32;
  int32_t max_transfer_bytes_on_message_in_disk = 65536;
  int32_t max_transfer_count_on_message_in_disk = 8;
  int32_t access_message_in_memory_max_ratio = 40;
  bool message_index_enable = true;
  bool message_index_safe = false;
  int32_t max_msgs_num_batch = 64;
  bool check_crc_on_recover = true;
  std::string message_delay_level =
      "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

  // --- cleanup -------------------------------------------------------------
  std::string delete_when = "04";
  int32_t file_reserved_time = 72;  // hours
  int32_t disk_max_used_space_ratio = 75;
  bool clean_file_forcibly_enable = true;

  // --- rmq extensions (keys prefixed "rmq") --------------------------------
  // rmqMaxMappedConsumeQueueFiles: consume-queue files kept mapped at once;
  // the least recently used are unmapped beyond this. vm.max_map_count is
  // 65530 here; a mapped consume-queue file holds no file descriptor.
  int32_t max_mapped_consume_queue_files = 16384;
  // rmqConsumeQueueAllocateAhead: bytes of a consume-queue file allocated ahead
  // of its write position (RocketMQ reserves the whole 6 MB up front).
  int32_t consume_queue_allocate_ahead = 64 * 1024;
  // rmqWriteBufferBytes: size of the RAM write buffer in transient-pool mode.
  int32_t write_buffer_bytes = 16 * 1024 * 1024;
  // rmqWriteBufferBackend: pwrite (default) or io_uring (pwrite where the
  // probe fails) for the write buffer's commits. Measured on this kind of
  // machine (docs/design/flush.md): buffered io_uring writes to ext4 are
  // handed to io-wq workers, ~50 us per commit against ~3 us for pwrite.
  WriteBackend write_buffer_backend = WriteBackend::kPwrite;

  // --- not properties: collaborators and modes ------------------------------
  std::shared_ptr<FileSystem> fs;  // null = PosixFileSystem()
  std::shared_ptr<Clock> clock;    // null = SystemClock()
  std::shared_ptr<Logger> logger;  // null = StderrLogger()
  // Called for each message once it is readable (after the append, outside
  // the store's locks, on the putting thread), with its topic, queue, the
  // queue's next offset and the message's tag code: a broker wakes the
  // long-polling pulls waiting for that queue. Must be quick; must not put.
  std::function<void(std::string_view topic, int32_t queue_id,
                     int64_t next_queue_offset, int64_t tags_code)>
      on_message_arrived;
  // Open for reading only: no lock, no abort file, no recovery writes, no
  // background threads; segment sizes are detected from the files. Put fails.
  bool read_only = false;

  // Derived paths.
  std::string CommitLogDir() const;
  std::string ConsumeQueueDir() const;
  std::string IndexDir() const;
  std::string CheckpointPath() const;
  std::string AbortPath() const;
  std::string LockPath() const;
  std::string ConfigDir() const;

  // Range and consistency checks; InvalidArgument naming the field's key.
  absl::Status Validate() const;
  // Delay of each level in ms, parsed from message_delay_level.
  absl::StatusOr<std::vector<int64_t>> DelayLevelsMs() const;
};

// Applies every key of `file` that names a MessageStoreConfig property (and
// the rmq* extensions, brokerIP1 and listenPort for the store host) to
// `config`. A bad value fails with InvalidArgument naming the file, line and
// key. Keys the store does not know are appended to `unknown` (the broker
// warns about the ones it does not know either); `unknown` may be null.
absl::Status ApplyStoreProperties(const PropertiesFile& file,
                                  StoreConfig* config,
                                  std::vector<const PropertyEntry*>* unknown);

// Parses a RocketMQ messageDelayLevel string ("1s 5s 10m 2h").
absl::StatusOr<std::vector<int64_t>> ParseDelayLevels(std::string_view text);

}  // namespace rmq
