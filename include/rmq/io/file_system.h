#pragma once
// The store's one I/O seam. Every file the store touches goes through a
// FileSystem, so tests can inject ENOSPC, short writes, fsync failures and
// power loss (see mem_file_system.h), and so the I/O primitives can be audited.
//
// Writes into a mapped region are plain memcpy's and cannot fail with a status;
// on a sparse or truncated file they would fail with SIGBUS. So the seam sits
// where failure is observable: creating and allocating files (blocks are
// allocated before a range is ever written through a mapping), syncing,
// positional writes and directory metadata.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rmq {

// One fixed-size file mapped into memory (MAP_SHARED). Unmapped on destruction.
// Thread-safety: bytes() may be read and written from any thread (callers
// coordinate ranges); the methods are thread-safe.
class MappedRegion {
 public:
  virtual ~MappedRegion() = default;

  virtual const std::filesystem::path& path() const = 0;
  virtual uint64_t size() const = 0;
  virtual bool writable() const = 0;
  // The whole mapping. Writing requires writable() and an allocated range.
  virtual std::span<std::byte> bytes() = 0;

  // Makes [offset, offset+length) durable (msync MS_SYNC). After a failure the
  // state of the range is unknown: callers must not retry and pretend success.
  // The real file system first drops this process's mappings of the range's
  // whole pages (their data stays in the page cache; the next access maps
  // them again), so writeback needs no TLB shootdown per page.
  virtual absl::Status Sync(uint64_t offset, uint64_t length) = 0;
  // Guarantees disk blocks for [offset, offset+length) (posix_fallocate), so a
  // later write through the mapping can never SIGBUS. ENOSPC is
  // ResourceExhausted.
  virtual absl::Status Allocate(uint64_t offset, uint64_t length) = 0;
  // Like Allocate, but by writing zeros through the file, so the blocks are
  // allocated as written extents. Measured on ext4 here: with thousands of
  // small files, writeback must convert fallocate's unwritten extents in
  // the journal, and writers to those pages stall for milliseconds; with
  // written zeros 10,000 queues append 12x faster (docs/design/io.md).
  // Only for ranges nothing was written to yet.
  virtual absl::Status AllocateZeroed(uint64_t offset, uint64_t length) = 0;
  // Overwrites [offset, offset+length) with zeros (used to erase a torn tail so
  // it can never be read as data again). Not durable until Sync.
  virtual absl::Status ZeroRange(uint64_t offset, uint64_t length) = 0;
  // Makes [offset, offset+length) read as zeros and frees its disk blocks
  // (FALLOC_FL_PUNCH_HOLE): erasing the tail of a sparse consume-queue file
  // without allocating it. Not durable until Sync.
  virtual absl::Status Discard(uint64_t offset, uint64_t length) = 0;
  // Populates page tables for the range ahead of the writer (MADV_POPULATE_*),
  // so appends do not stall on first-touch faults. kWritable (a writable
  // mapping's default) maps the pages writable, so they are dirty at once;
  // kReadOnly only reads them into the page cache and maps them read-only:
  // clean, nothing to write back, and a later write takes a cheap
  // write-protect fault instead of allocating and zero-filling a page.
  // Best effort.
  enum class FaultIn { kWritable, kReadOnly };
  virtual absl::Status Prefault(uint64_t offset, uint64_t length,
                                FaultIn mode) = 0;
  // Tells the kernel the range will not be read soon (MADV_DONTNEED is not
  // used: it would drop dirty shared pages' mappings only). Best effort.
  virtual absl::Status AdviseCold(uint64_t offset, uint64_t length) = 0;
};

// Which implementation positional writes use.
enum class WriteBackend {
  kPwrite,   // pwrite(2) + fdatasync(2)
  kIoUring,  // io_uring WRITE linked to FSYNC(DATASYNC); falls back to kPwrite
};

// An open file for positional writes. Thread-compatible: one writer at a time.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of `data` at `offset` (short writes are continued internally).
  virtual absl::Status WriteAt(uint64_t offset,
                               std::span<const std::byte> data) = 0;
  // Writes then fdatasyncs, in one submission where the backend allows it.
  virtual absl::Status WriteAtAndSync(uint64_t offset,
                                      std::span<const std::byte> data) = 0;
  // fdatasync.
  virtual absl::Status Sync() = 0;
  // "pwrite" or "io_uring": the backend actually in use.
  virtual std::string_view backend() const = 0;
};

// Holds RocketMQ's `lock` file: an exclusive fcntl lock on byte range [0, 1).
// Released on destruction.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

struct DiskUsage {
  uint64_t total_bytes = 0;
  uint64_t free_bytes = 0;  // available to unprivileged users
};

struct MapOptions {
  // Length of the file. An existing file must already have exactly this
  // length (FailedPrecondition otherwise: RocketMQ refuses such stores too).
  uint64_t size = 0;
  bool writable = true;
  // Create the file when missing (its parent directory must exist).
  bool create = true;
  // Bytes at the start of a *newly created* file to allocate before mapping.
  // The default allocates the whole file (never sparse: faults on sparse files
  // stall for milliseconds). ConsumeQueue files pass a small value and grow
  // the allocation with MappedRegion::Allocate as they fill.
  uint64_t allocate_bytes = UINT64_MAX;
  // Keep the file descriptor open while mapped (fast Allocate/ZeroRange).
  // Consume-queue files pass false: with tens of thousands mapped, one fd
  // each would exceed the open-files limit; the rare Allocate reopens the
  // file.
  bool keep_fd = true;
  // Sync the parent directory after creating the file, making the creation
  // durable at once. Consume-queue files pass false: their directories are
  // synced in batches by the consume-queue flusher before the checkpoint
  // claims them.
  bool sync_dir = true;
};

// Thread-safe. Paths are absolute or relative to the process's cwd.
class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Maps a file, creating and allocating it first when options.create is set.
  // NotFound when it does not exist and create is false.
  virtual absl::StatusOr<std::unique_ptr<MappedRegion>> Map(
      const std::filesystem::path& path, const MapOptions& options) = 0;
  // Opens an existing file for positional writes.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> OpenWritable(
      const std::filesystem::path& path, WriteBackend backend) = 0;

  // Whole-file read of a small file (checkpoint, config JSON).
  virtual absl::StatusOr<std::string> ReadFile(
      const std::filesystem::path& path) = 0;
  // Creates or truncates `path`, writes `data` and fdatasyncs it. Does not sync
  // the directory: see WriteFileAtomically.
  virtual absl::Status WriteFile(const std::filesystem::path& path,
                                 std::string_view data) = 0;

  // Entry names (not paths) of a directory, in no particular order.
  virtual absl::StatusOr<std::vector<std::string>> List(
      const std::filesystem::path& dir) = 0;
  virtual absl::StatusOr<uint64_t> FileSize(
      const std::filesystem::path& path) = 0;
  // Last modification time in ms since the epoch.
  virtual absl::StatusOr<int64_t> ModifiedTimeMs(
      const std::filesystem::path& path) = 0;
  virtual bool Exists(const std::filesystem::path& path) = 0;
  virtual bool IsDirectory(const std::filesystem::path& path) = 0;

  // mkdir -p. Syncs the parent of every directory it creates.
  virtual absl::Status CreateDirs(const std::filesystem::path& dir) = 0;
  // mkdir -p without syncing anything: for callers that sync the parents
  // later in one batch (consume queues, created by the thousand).
  virtual absl::Status CreateDirsNoSync(const std::filesystem::path& dir) = 0;
  virtual absl::Status Rename(const std::filesystem::path& from,
                              const std::filesystem::path& to) = 0;
  // Removes a file or an empty directory. NotFound when missing.
  virtual absl::Status Remove(const std::filesystem::path& path) = 0;
  // fsync of a directory: makes creations, renames and removals in it durable.
  virtual absl::Status SyncDir(const std::filesystem::path& dir) = 0;
  // syncfs(2) of the file system holding `path`: every file and directory on
  // it becomes durable. Cheaper than thousands of SyncDir calls.
  virtual absl::Status SyncFileSystem(const std::filesystem::path& path) = 0;

  virtual absl::StatusOr<DiskUsage> Usage(
      const std::filesystem::path& path) = 0;
  // Takes the store lock (creating the file, writing "lock" into it).
  // FailedPrecondition when another process (or FileLock) holds it.
  virtual absl::StatusOr<std::unique_ptr<FileLock>> Lock(
      const std::filesystem::path& path) = 0;
};

// The real file system: mmap, posix_fallocate, msync/fdatasync, io_uring.
// Errors name the file and the errno ("commitlog/000..: fdatasync: EIO ...").
std::shared_ptr<FileSystem> PosixFileSystem();

// tmp + fdatasync + rename + directory fsync: after a crash `path` holds either
// the old or the new content, never a mix.
absl::Status WriteFileAtomically(FileSystem& fs,
                                 const std::filesystem::path& path,
                                 std::string_view data);

// True when io_uring can be set up here with the opcodes we use (probed once).
bool IoUringAvailable();

}  // namespace rmq
