// Where a store's files live: RocketMQ derives every path but the commit
// log's from storePathRootDir (StorePathConfigHelper, broker-config §1.2).

#include <filesystem>
#include <string>

#include "rmq/store_config.h"

namespace rmq {

std::string StoreConfig::CommitLogDir() const {
  if (!store_path_commit_log.empty()) return store_path_commit_log;
  return (std::filesystem::path(store_path_root_dir) / "commitlog").string();
}

std::string StoreConfig::ConsumeQueueDir() const {
  return (std::filesystem::path(store_path_root_dir) / "consumequeue").string();
}

std::string StoreConfig::IndexDir() const {
  return (std::filesystem::path(store_path_root_dir) / "index").string();
}

std::string StoreConfig::CheckpointPath() const {
  return (std::filesystem::path(store_path_root_dir) / "checkpoint").string();
}

std::string StoreConfig::AbortPath() const {
  return (std::filesystem::path(store_path_root_dir) / "abort").string();
}

std::string StoreConfig::LockPath() const {
  return (std::filesystem::path(store_path_root_dir) / "lock").string();
}

std::string StoreConfig::ConfigDir() const {
  return (std::filesystem::path(store_path_root_dir) / "config").string();
}

}  // namespace rmq
