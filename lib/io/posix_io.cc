#include "io/posix_io.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "io/errno_status.h"

namespace rmq {

int OpenRetryingEintr(const std::filesystem::path& path, int flags,
                      mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

absl::StatusOr<UniqueFd> OpenFd(const std::filesystem::path& path, int flags,
                                mode_t mode) {
  const int fd = OpenRetryingEintr(path, flags, mode);
  if (fd < 0) return ErrnoToStatus(errno, path, "open");
  return UniqueFd(fd);
}

absl::Status CloseFd(UniqueFd fd, const std::filesystem::path& path) {
  // Not retried on EINTR: on Linux the descriptor is released regardless.
  if (::close(fd.Release()) != 0 && errno != EINTR) {
    return ErrnoToStatus(errno, path, "close");
  }
  return absl::OkStatus();
}

absl::Status PwriteFully(int fd, const std::filesystem::path& path,
                         uint64_t offset, std::span<const std::byte> data) {
  while (!data.empty()) {
    // Linux caps one write at ~2 GiB anyway; asking for less keeps ssize_t
    // arithmetic obviously safe.
    const size_t chunk = std::min<size_t>(data.size(), size_t{1} << 30);
    const ssize_t n =
        ::pwrite(fd, data.data(), chunk, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, path, absl::StrCat("pwrite @ ", offset));
    }
    if (n == 0) {
      return absl::InternalError(absl::StrCat(path.native(), ": pwrite @ ",
                                              offset, ": wrote 0 of ", chunk,
                                              " bytes"));
    }
    offset += static_cast<uint64_t>(n);
    data = data.subspan(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status Fdatasync(int fd, const std::filesystem::path& path) {
  int rc;
  do {
    rc = ::fdatasync(fd);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return ErrnoToStatus(errno, path, "fdatasync");
  return absl::OkStatus();
}

absl::Status Fsync(int fd, const std::filesystem::path& path) {
  int rc;
  do {
    rc = ::fsync(fd);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return ErrnoToStatus(errno, path, "fsync");
  return absl::OkStatus();
}

absl::Status PosixFallocate(int fd, const std::filesystem::path& path,
                            uint64_t offset, uint64_t length) {
  if (length == 0) return absl::OkStatus();
  int rc;
  do {
    rc = ::posix_fallocate(fd, static_cast<off_t>(offset),
                           static_cast<off_t>(length));
  } while (rc == EINTR);
  if (rc != 0) {
    return ErrnoToStatus(
        rc, path, absl::StrCat("posix_fallocate @ ", offset, "+", length));
  }
  return absl::OkStatus();
}

absl::Status SyncDirectory(const std::filesystem::path& dir) {
  auto fd = OpenFd(dir, O_RDONLY | O_DIRECTORY);
  if (!fd.ok()) return fd.status();
  return Fsync(fd->get(), dir);
}

std::filesystem::path ParentDir(const std::filesystem::path& path) {
  std::filesystem::path parent = path.lexically_normal().parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

absl::Status CheckRange(const std::filesystem::path& path, std::string_view op,
                        uint64_t offset, uint64_t length, uint64_t size) {
  if (offset > size || length > size - offset) {
    return absl::OutOfRangeError(
        absl::StrCat(path.native(), ": ", AsAbsl(op), " @ ", offset, "+",
                     length, ": beyond the file's ", size, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace rmq
