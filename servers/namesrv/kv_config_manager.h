#pragma once
// The nameserver's KV config (PUT/GET/DELETE_KV_CONFIG,
// GET_KVLIST_BY_NAMESPACE, remoting-protocol.md §9.7.6), persisted like
// RocketMQ's KVConfigManager as {"configTable":{"<ns>":{"<key>":"<value>"}}}
// — but written atomically (tmp + fdatasync + rename), so a crash never
// leaves a torn file.
//
// Thread-safety: thread-safe.

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "rmq/io/file_system.h"

namespace rmq::namesrv {

class KvConfigManager {
 public:
  // `fs` must outlive the manager.
  KvConfigManager(FileSystem& fs, std::filesystem::path path);

  // A missing file is an empty config; an unreadable one an error naming it.
  absl::Status Load();
  absl::Status Put(const std::string& ns, const std::string& key,
                   const std::string& value);
  std::optional<std::string> Get(const std::string& ns,
                                 const std::string& key) const;
  absl::Status Delete(const std::string& ns, const std::string& key);
  // nullopt when the namespace has no entries.
  std::optional<std::map<std::string, std::string>> List(
      const std::string& ns) const;

 private:
  absl::Status PersistLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  FileSystem& fs_;
  const std::filesystem::path path_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::map<std::string, std::string>> table_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace rmq::namesrv
