#pragma once
// A FileSystem that forwards to another and fails chosen operations on demand
// (in the spirit of leveldb's EnvWrapper/ErrorEnv and RocksDB's
// FaultInjectionTestFS). Regions and writable files it returns are wrapped
// too, so their Sync, Allocate and WriteAt can be failed as well.
//
// An injected failure does not reach the wrapped file system: the operation
// has no effect, except where a short write is asked for.

#include <filesystem>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "rmq/io/file_system.h"

namespace rmq::testing {

// The injection state, shared with the wrapped regions and files (which may
// outlive the file system that returned them). Defined in the .cc.
class FaultControls;

// Thread-safe.
class FaultInjectionFileSystem : public FileSystem {
 public:
  enum class Op {
    kMap,         // FileSystem::Map
    kAllocate,    // MappedRegion::Allocate
    kSync,        // MappedRegion::Sync, WritableFile::Sync (and the sync half
                  // of WriteAtAndSync: the data is then written, not synced)
    kWrite,       // WritableFile::WriteAt and WriteAtAndSync
    kRename,      // FileSystem::Rename
    kRemove,      // FileSystem::Remove
    kSyncDir,     // FileSystem::SyncDir
    kList,        // FileSystem::List
    kWriteFile,   // FileSystem::WriteFile
    kCreateDirs,  // FileSystem::CreateDirs
    kPrefault,    // MappedRegion::Prefault, FaultIn::kWritable
    kPreload,     // MappedRegion::Prefault, FaultIn::kReadOnly
  };
  static constexpr size_t kOpCount = 12;

  explicit FaultInjectionFileSystem(std::shared_ptr<FileSystem> base);
  FaultInjectionFileSystem(const FaultInjectionFileSystem&) = delete;
  FaultInjectionFileSystem& operator=(const FaultInjectionFileSystem&) = delete;

  // The next call of `op` fails with `error`, once.
  void FailNext(Op op, absl::Status error);
  // The (n+1)-th call of `op` from now fails with `error`, and so does every
  // later one until Clear().
  void FailAfter(Op op, int n, absl::Status error);
  // The next WritableFile::WriteAt (or the write of WriteAtAndSync) writes only
  // the first half of its data and fails with Internal "short write": a short
  // write the implementation could not continue.
  void ShortWriteNext();
  // Cancels every pending failure (call counts are kept).
  void Clear();
  // Calls of `op` so far, failed ones included.
  int Calls(Op op) const;
  // Waits until `op` was called at least `n` times (from any thread), at
  // most `timeout`; returns whether it was.
  bool AwaitCalls(Op op, int n, absl::Duration timeout) const;
  // Waits until a region of `path` was prefaulted writable, at most
  // `timeout`; returns whether it was.
  bool AwaitPrefault(const std::filesystem::path& path,
                     absl::Duration timeout) const;

  std::shared_ptr<FileSystem> base() const { return base_; }

  absl::StatusOr<std::unique_ptr<MappedRegion>> Map(
      const std::filesystem::path& path, const MapOptions& options) override;
  absl::StatusOr<std::unique_ptr<WritableFile>> OpenWritable(
      const std::filesystem::path& path, WriteBackend backend) override;
  absl::StatusOr<std::string> ReadFile(
      const std::filesystem::path& path) override;
  absl::Status WriteFile(const std::filesystem::path& path,
                         std::string_view data) override;
  absl::StatusOr<std::vector<std::string>> List(
      const std::filesystem::path& dir) override;
  absl::StatusOr<uint64_t> FileSize(const std::filesystem::path& path) override;
  absl::StatusOr<int64_t> ModifiedTimeMs(
      const std::filesystem::path& path) override;
  bool Exists(const std::filesystem::path& path) override;
  bool IsDirectory(const std::filesystem::path& path) override;
  absl::Status CreateDirs(const std::filesystem::path& dir) override;
  absl::Status CreateDirsNoSync(const std::filesystem::path& dir) override;
  absl::Status Rename(const std::filesystem::path& from,
                      const std::filesystem::path& to) override;
  absl::Status Remove(const std::filesystem::path& path) override;
  absl::Status SyncDir(const std::filesystem::path& dir) override;
  absl::Status SyncFileSystem(const std::filesystem::path& path) override;
  absl::StatusOr<DiskUsage> Usage(const std::filesystem::path& path) override;
  absl::StatusOr<std::unique_ptr<FileLock>> Lock(
      const std::filesystem::path& path) override;

 private:
  const std::shared_ptr<FileSystem> base_;
  const std::shared_ptr<FaultControls> controls_;
};

}  // namespace rmq::testing
