#include "io/posix_file_lock.h"

#include <errno.h>
#include <fcntl.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "io/errno_status.h"
#include "io/posix_io.h"

namespace rmq {
namespace {

// Why open-file-description locks (F_OFD_SETLK) rather than F_SETLK:
//  * classic fcntl locks belong to the process, so a second Lock() of the same
//    store from this process would silently succeed, and closing *any* fd of
//    the file (even one opened by unrelated code) would drop the lock;
//  * OFD locks belong to the open file description, so two FileLocks conflict
//    even within one process and the lock lives exactly as long as our fd;
//  * OFD locks and classic locks conflict with each other, so a Java broker's
//    FileChannel.tryLock(0, 1, false) (a classic F_SETLK on Linux) on the same
//    `lock` file still excludes us, and we exclude it.
class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  PosixFileLock(const PosixFileLock&) = delete;
  PosixFileLock& operator=(const PosixFileLock&) = delete;
  // Closing the only descriptor of the description releases the lock.
  ~PosixFileLock() override = default;

 private:
  UniqueFd fd_;
};

struct flock LockRange() {
  struct flock range = {};
  range.l_type = F_WRLCK;
  range.l_whence = SEEK_SET;
  range.l_start = 0;
  range.l_len = 1;
  range.l_pid = 0;  // must be 0 for OFD locks
  return range;
}

absl::Status HeldError(int fd, const std::filesystem::path& path) {
  struct flock holder = LockRange();
  // F_OFD_GETLK reports a classic lock's owner pid; an OFD lock has none (-1).
  const bool known = ::fcntl(fd, F_OFD_GETLK, &holder) == 0 &&
                     holder.l_type != F_UNLCK && holder.l_pid > 0;
  const std::string owner =
      known ? absl::StrCat("another process (pid ", holder.l_pid, ")")
            : std::string("another process or another open store in this one");
  return absl::FailedPreconditionError(
      absl::StrCat(path.native(), ": lock: store ", ParentDir(path).native(),
                   " is locked by ", owner));
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileLock>> LockPosixFile(
    const std::filesystem::path& path) {
  RMQ_ASSIGN_OR_RETURN(UniqueFd fd, OpenFd(path, O_RDWR | O_CREAT));
  struct flock range = LockRange();
  while (::fcntl(fd.get(), F_OFD_SETLK, &range) != 0) {
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EACCES) return HeldError(fd.get(), path);
    return ErrnoToStatus(errno, path, "fcntl(F_OFD_SETLK)");
  }
  RMQ_RETURN_IF_ERROR(PwriteFully(fd.get(), path, 0, AsBytes("lock")));
  RMQ_RETURN_IF_ERROR(Fdatasync(fd.get(), path));
  return std::make_unique<PosixFileLock>(std::move(fd));
}

}  // namespace rmq
