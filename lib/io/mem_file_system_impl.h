#pragma once
// MemFileSystem internals, shared by mem_file_system.cc (namespace and
// whole-file operations, power loss) and mem_handles.cc (regions, writable
// files, locks).

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "io/mem_buffer.h"
#include "rmq/io/mem_file_system.h"

namespace rmq {

// A file or a directory (an inode: a rename moves the pointer, so an entry
// that reverts on power loss still points at the same file). Every field is
// guarded by the owning MemFs's mutex, except that a mapped file's `live`
// bytes are read and written without it (that is what a mapping is).
struct MemNode {
  explicit MemNode(bool dir) : is_dir(dir) {}
  MemNode(const MemNode&) = delete;
  MemNode& operator=(const MemNode&) = delete;

  const bool is_dir;
  int64_t mtime_ms = 0;

  // Files. `durable` is what the last successful syncs covered; its size is
  // the size the file has after a power loss.
  ZeroedBuffer live;
  ZeroedBuffer durable;
  ByteRanges allocated;
  int mappings = 0;  // while > 0, `live` must never be reallocated
  // Live directory entries naming this node (0 once removed). Only a linked
  // file's allocation counts against the capacity.
  int links = 0;

  // Directories: the live entries, and the set as of the last SyncDir (plus
  // directories CreateDirs made, since it syncs their parents).
  std::map<std::string, std::shared_ptr<MemNode>> entries;
  std::map<std::string, std::shared_ptr<MemNode>> durable_entries;
};

class MemFs final : public MemFileSystem,
                    public std::enable_shared_from_this<MemFs> {
 public:
  MemFs();
  MemFs(const MemFs&) = delete;
  MemFs& operator=(const MemFs&) = delete;

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

  void SimulatePowerLoss(PowerLossMode mode, uint64_t seed) override;
  void SetCapacityBytes(uint64_t bytes) override;
  uint64_t AllocatedBytes() const override;
  int64_t LiveMappings() const override;

  // For the handles in mem_handles.cc.
  absl::Status SyncRange(MemNode& file, const std::filesystem::path& path,
                         uint64_t offset, uint64_t length);
  absl::Status AllocateRange(MemNode& file, const std::filesystem::path& path,
                             uint64_t offset, uint64_t length);
  void DiscardRange(MemNode& file, uint64_t offset, uint64_t length);
  absl::Status WriteAt(MemNode& file, const std::filesystem::path& path,
                       uint64_t offset, std::span<const std::byte> data);
  void SyncWholeFile(MemNode& file);
  void CloseMapping(MemNode& file);
  void CloseWritable();
  void Unlock(const std::string& key);

 private:
  absl::Status MakeDirs(const std::filesystem::path& dir, bool sync_parents);
  void SyncTree(MemNode& node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Where a path lives: its (existing) parent directory, its name there, and
  // the node, if any. For a root, `dir` and `node` are the root, `name` empty.
  struct Location {
    std::shared_ptr<MemNode> dir;
    std::string name;
    std::shared_ptr<MemNode> node;
  };
  absl::StatusOr<Location> Locate(const std::filesystem::path& path,
                                  std::string_view op)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::shared_ptr<MemNode>> Find(
      const std::filesystem::path& path, std::string_view op)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Reserve(const std::filesystem::path& path, std::string_view op,
                       uint64_t bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status MoveEntry(const Location& from, const Location& to,
                         const std::filesystem::path& from_path,
                         const std::filesystem::path& to_path)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds or drops a live directory entry naming `node`; the allocation of a
  // file with no entry left stops counting against the capacity.
  void Link(MemNode& dir, const std::string& name,
            std::shared_ptr<MemNode> node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Unlink(MemNode& dir, const std::string& name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::shared_ptr<MemNode> NewFile(uint64_t size) const;
  void ReplaceContent(MemNode& file, std::string_view data)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteAtLocked(MemNode& file, const std::filesystem::path& path,
                             uint64_t offset, std::span<const std::byte> data)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Copies live [offset, offset+length) into the durable image, which takes
  // the live size (fdatasync also persists the size).
  void MakeDurable(MemNode& file, uint64_t offset, uint64_t length)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Power loss, directories: every entry set returns to its durable set.
  // Returns the files now reachable, each once, with the path found first.
  std::vector<std::pair<std::string, MemNode*>> RevertDirectories()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  // Absolute paths start at "/", relative ones at the process's cwd "."; both
  // always exist.
  const std::shared_ptr<MemNode> abs_root_;
  const std::shared_ptr<MemNode> rel_root_;
  uint64_t capacity_ ABSL_GUARDED_BY(mu_) = UINT64_MAX;
  uint64_t allocated_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t live_mappings_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t live_writables_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_set<std::string> locks_ ABSL_GUARDED_BY(mu_);
};

// Handles (mem_handles.cc). Each keeps `fs` and `file` alive.
std::unique_ptr<MappedRegion> NewMemRegion(std::shared_ptr<MemFs> fs,
                                           std::shared_ptr<MemNode> file,
                                           std::filesystem::path path,
                                           bool writable);
std::unique_ptr<WritableFile> NewMemWritableFile(std::shared_ptr<MemFs> fs,
                                                 std::shared_ptr<MemNode> file,
                                                 std::filesystem::path path);
std::unique_ptr<FileLock> NewMemFileLock(std::shared_ptr<MemFs> fs,
                                         std::string key);

// Wall-clock milliseconds, for modification times.
int64_t MemNowMs();

}  // namespace rmq
