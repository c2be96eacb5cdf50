#pragma once
// FileSystem over the real kernel: mmap, posix_fallocate, msync/fdatasync,
// io_uring (see uring_file.h) and OFD locks (see posix_file_lock.h).

#include "rmq/io/file_system.h"

namespace rmq {

// Stateless, hence thread-safe; instances are interchangeable.
class PosixFs final : public FileSystem {
 public:
  PosixFs() = default;
  PosixFs(const PosixFs&) = delete;
  PosixFs& operator=(const PosixFs&) = delete;

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
  absl::Status MakeDirs(const std::filesystem::path& dir, bool sync_parents);
};

}  // namespace rmq
