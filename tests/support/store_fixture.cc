#include "support/store_fixture.h"

#include <catch2/catch.hpp>

#include "support/status_matchers.h"

namespace rmq::testing {

StoreConfig SmallStoreConfig(std::shared_ptr<FileSystem> fs, std::string root) {
  StoreConfig config;
  config.store_path_root_dir = std::move(root);
  config.mapped_file_size_commit_log = 64 * 1024;
  config.mapped_file_size_consume_queue = 6000;
  config.max_hash_slot_num = 1000;
  config.max_index_num = 4000;
  config.fs = std::move(fs);
  config.logger = NullLogger();
  return config;
}

MessageToStore Message(std::string topic, int32_t queue, std::string body,
                       std::string tags, std::string keys) {
  MessageToStore m;
  m.topic = std::move(topic);
  m.queue_id = queue;
  m.body = std::move(body);
  m.born_timestamp_ms = 1700000000000;
  m.born_host = HostAddress::V4(10, 0, 0, 1, 5555);
  if (!tags.empty()) m.properties.Set(kPropertyTags, tags);
  if (!keys.empty()) m.properties.Set(kPropertyKeys, keys);
  return m;
}

RecordView Decode(std::span<const std::byte> bytes) {
  absl::StatusOr<RecordView> record = DecodeRecord(bytes);
  REQUIRE_OK(record);
  return *record;
}

std::unique_ptr<MessageStore> MustOpen(const StoreConfig& config) {
  absl::StatusOr<std::unique_ptr<MessageStore>> store =
      MessageStore::Open(config);
  REQUIRE_OK(store);
  return *std::move(store);
}

}  // namespace rmq::testing
