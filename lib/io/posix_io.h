#pragma once
// EINTR-safe wrappers over the POSIX calls the I/O seam uses. Each returns a
// Status that names the file and the call (see errno_status.h).

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <span>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "io/unique_fd.h"

namespace rmq {

// open(2) with O_CLOEXEC, retried on EINTR; -1 with errno set on failure.
int OpenRetryingEintr(const std::filesystem::path& path, int flags,
                      mode_t mode = 0644);
absl::StatusOr<UniqueFd> OpenFd(const std::filesystem::path& path, int flags,
                                mode_t mode = 0644);
// Closes and reports close's error (NFS and others report write-back errors
// there).
absl::Status CloseFd(UniqueFd fd, const std::filesystem::path& path);
// Writes all of `data` at `offset`, continuing short writes.
absl::Status PwriteFully(int fd, const std::filesystem::path& path,
                         uint64_t offset, std::span<const std::byte> data);
absl::Status Fdatasync(int fd, const std::filesystem::path& path);
// fsync (not fdatasync): also makes size and allocation metadata durable.
absl::Status Fsync(int fd, const std::filesystem::path& path);
// posix_fallocate, which reports errors through its return value.
absl::Status PosixFallocate(int fd, const std::filesystem::path& path,
                            uint64_t offset, uint64_t length);
// Opens `dir` read-only and fsyncs it.
absl::Status SyncDirectory(const std::filesystem::path& dir);
// The directory holding `path` ("." for a bare relative name).
std::filesystem::path ParentDir(const std::filesystem::path& path);

// OutOfRange unless [offset, offset+length) lies within [0, size).
absl::Status CheckRange(const std::filesystem::path& path, std::string_view op,
                        uint64_t offset, uint64_t length, uint64_t size);

}  // namespace rmq
