#include "io/posix_file_system.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "io/errno_status.h"
#include "io/posix_file_lock.h"
#include "io/posix_io.h"
#include "io/posix_mapped_region.h"
#include "io/pwrite_file.h"
#include "io/uring_file.h"

namespace rmq {
namespace {

absl::StatusOr<struct stat> Stat(const std::filesystem::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoToStatus(errno, path, "stat");
  return st;
}

// Sizes and allocates a file we just created. Blocks are allocated before the
// file is ever mapped so that ENOSPC surfaces here as a Status, never later as
// SIGBUS on a write through the mapping.
absl::Status SizeNewFile(int fd, const std::filesystem::path& path,
                         const MapOptions& options) {
  int rc;
  do {
    rc = ::ftruncate(fd, static_cast<off_t>(options.size));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return ErrnoToStatus(errno, path, "ftruncate");
  return PosixFallocate(fd, path, 0,
                        std::min(options.allocate_bytes, options.size));
}

absl::StatusOr<std::unique_ptr<MappedRegion>> MapNewFile(
    const std::filesystem::path& path, UniqueFd fd, const MapOptions& options) {
  if (absl::Status sized = SizeNewFile(fd.get(), path, options); !sized.ok()) {
    ::unlink(path.c_str());  // never leave a half-created segment behind
    return sized;
  }
  // fsync (not fdatasync) makes the size and the allocation durable, and the
  // directory fsync makes the file's creation durable. A process killed
  // before this point can still leave the file short (typically empty): the
  // store removes such files at load (io/incomplete_file.h).
  absl::Status durable;
  if (options.sync_dir) {  // else the caller syncs data and directory later
    durable = Fsync(fd.get(), path);
    if (durable.ok()) durable = SyncDirectory(ParentDir(path));
  }
  if (!durable.ok()) {
    ::unlink(path.c_str());
    return durable;
  }
  auto region = PosixMappedRegion::Create(path, std::move(fd), options.size,
                                          options.writable, options.keep_fd);
  if (!region.ok()) ::unlink(path.c_str());
  return region;
}

absl::StatusOr<std::unique_ptr<MappedRegion>> MapExistingFile(
    const std::filesystem::path& path, const MapOptions& options) {
  RMQ_ASSIGN_OR_RETURN(UniqueFd fd,
                       OpenFd(path, options.writable ? O_RDWR : O_RDONLY));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoToStatus(errno, path, "fstat");
  if (static_cast<uint64_t>(st.st_size) != options.size) {
    return absl::FailedPreconditionError(
        absl::StrCat(path.native(), ": map: has ", st.st_size,
                     " bytes, expected ", options.size));
  }
  return PosixMappedRegion::Create(path, std::move(fd), options.size,
                                   options.writable, options.keep_fd);
}

}  // namespace

absl::StatusOr<std::unique_ptr<MappedRegion>> PosixFs::Map(
    const std::filesystem::path& path, const MapOptions& options) {
  if (options.size == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.native(), ": map: size must be positive"));
  }
  if (options.create) {
    // O_EXCL tells "we created it" (size and allocate it) from "it existed"
    // (check its size) without a race.
    const int fd = OpenRetryingEintr(path, O_RDWR | O_CREAT | O_EXCL);
    if (fd >= 0) return MapNewFile(path, UniqueFd(fd), options);
    if (errno != EEXIST) return ErrnoToStatus(errno, path, "open(O_CREAT)");
  }
  return MapExistingFile(path, options);
}

absl::StatusOr<std::unique_ptr<WritableFile>> PosixFs::OpenWritable(
    const std::filesystem::path& path, WriteBackend backend) {
  RMQ_ASSIGN_OR_RETURN(UniqueFd fd, OpenFd(path, O_WRONLY));
  if (backend == WriteBackend::kIoUring && IoUringAvailable()) {
    auto uring = UringFile::Create(path, std::move(fd));
    if (uring.ok()) return std::unique_ptr<WritableFile>(*std::move(uring));
    // The ring could not be set up (e.g. RLIMIT_MEMLOCK): use pwrite.
    RMQ_ASSIGN_OR_RETURN(fd, OpenFd(path, O_WRONLY));
  }
  return std::make_unique<PwriteFile>(path, std::move(fd));
}

absl::StatusOr<std::string> PosixFs::ReadFile(
    const std::filesystem::path& path) {
  RMQ_ASSIGN_OR_RETURN(UniqueFd fd, OpenFd(path, O_RDONLY));
  std::string data;
  size_t used = 0;
  while (true) {
    if (data.size() - used < 4096)
      data.resize(std::max<size_t>(8192, data.size() * 2));
    const ssize_t n = ::read(fd.get(), data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoToStatus(errno, path, "read");
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  data.resize(used);
  return data;
}

absl::Status PosixFs::WriteFile(const std::filesystem::path& path,
                                std::string_view data) {
  RMQ_ASSIGN_OR_RETURN(UniqueFd fd, OpenFd(path, O_WRONLY | O_CREAT | O_TRUNC));
  RMQ_RETURN_IF_ERROR(PwriteFully(fd.get(), path, 0, AsBytes(data)));
  RMQ_RETURN_IF_ERROR(Fdatasync(fd.get(), path));
  return CloseFd(std::move(fd), path);
}

absl::StatusOr<std::vector<std::string>> PosixFs::List(
    const std::filesystem::path& dir) {
  struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
  };
  std::unique_ptr<DIR, DirCloser> handle(::opendir(dir.c_str()));
  if (handle == nullptr) return ErrnoToStatus(errno, dir, "opendir");
  std::vector<std::string> names;
  while (true) {
    errno = 0;  // readdir reports errors only through errno
    const dirent* entry = ::readdir(handle.get());
    if (entry == nullptr) {
      if (errno != 0) return ErrnoToStatus(errno, dir, "readdir");
      return names;
    }
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
}

absl::StatusOr<uint64_t> PosixFs::FileSize(const std::filesystem::path& path) {
  RMQ_ASSIGN_OR_RETURN(const struct stat st, Stat(path));
  return static_cast<uint64_t>(st.st_size);
}

absl::StatusOr<int64_t> PosixFs::ModifiedTimeMs(
    const std::filesystem::path& path) {
  RMQ_ASSIGN_OR_RETURN(const struct stat st, Stat(path));
  return int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

bool PosixFs::Exists(const std::filesystem::path& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool PosixFs::IsDirectory(const std::filesystem::path& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

absl::Status PosixFs::CreateDirs(const std::filesystem::path& dir) {
  return MakeDirs(dir, /*sync_parents=*/true);
}

absl::Status PosixFs::CreateDirsNoSync(const std::filesystem::path& dir) {
  return MakeDirs(dir, /*sync_parents=*/false);
}

absl::Status PosixFs::MakeDirs(const std::filesystem::path& dir,
                               bool sync_parents) {
  // The common case first: the parent exists, one mkdir does it (a new
  // consume queue would otherwise cost a mkdir per path component).
  const std::filesystem::path normal = dir.lexically_normal();
  if (::mkdir(normal.c_str(), 0755) == 0) {
    if (sync_parents) return SyncDirectory(ParentDir(normal));
    return absl::OkStatus();
  }
  if (errno == EEXIST && IsDirectory(normal)) return absl::OkStatus();
  std::filesystem::path prefix;
  for (const std::filesystem::path& part : dir.lexically_normal()) {
    prefix /= part;
    if (part.empty() || part == "." || part == ".." ||
        part.has_root_directory()) {
      continue;  // trailing separator, `.`/`..` or the root: nothing to make
    }
    if (::mkdir(prefix.c_str(), 0755) == 0) {
      if (sync_parents) RMQ_RETURN_IF_ERROR(SyncDirectory(ParentDir(prefix)));
      continue;
    }
    if (errno != EEXIST) return ErrnoToStatus(errno, prefix, "mkdir");
    if (!IsDirectory(prefix)) return ErrnoToStatus(ENOTDIR, prefix, "mkdir");
  }
  return absl::OkStatus();
}

absl::Status PosixFs::Rename(const std::filesystem::path& from,
                             const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoToStatus(errno, from, absl::StrCat("rename to ", to.native()));
  }
  return absl::OkStatus();
}

absl::Status PosixFs::Remove(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) == 0) return absl::OkStatus();
  if (errno != EISDIR) return ErrnoToStatus(errno, path, "unlink");
  if (::rmdir(path.c_str()) == 0) return absl::OkStatus();
  return ErrnoToStatus(errno, path, "rmdir");
}

absl::Status PosixFs::SyncDir(const std::filesystem::path& dir) {
  return SyncDirectory(dir);
}

absl::Status PosixFs::SyncFileSystem(const std::filesystem::path& path) {
  RMQ_ASSIGN_OR_RETURN(UniqueFd fd, OpenFd(path, O_RDONLY | O_DIRECTORY));
  if (::syncfs(fd.get()) != 0) return ErrnoToStatus(errno, path, "syncfs");
  return absl::OkStatus();
}

absl::StatusOr<DiskUsage> PosixFs::Usage(const std::filesystem::path& path) {
  struct statvfs vfs;
  if (::statvfs(path.c_str(), &vfs) != 0) {
    return ErrnoToStatus(errno, path, "statvfs");
  }
  DiskUsage usage;
  usage.total_bytes = uint64_t{vfs.f_blocks} * vfs.f_frsize;
  usage.free_bytes = uint64_t{vfs.f_bavail} * vfs.f_frsize;
  return usage;
}

absl::StatusOr<std::unique_ptr<FileLock>> PosixFs::Lock(
    const std::filesystem::path& path) {
  return LockPosixFile(path);
}

std::shared_ptr<FileSystem> PosixFileSystem() {
  return std::make_shared<PosixFs>();
}

}  // namespace rmq
