// What only the real file system can show: errno mapping, real block
// allocation, and the lock file against another process's classic fcntl lock
// (the kind a Java broker's FileChannel.tryLock takes).

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "io/errno_status.h"
#include "io/posix_io.h"
#include "rmq/io/file_system.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace rmq {
namespace {

using ::rmq::testing::StatusIs;
using Code = absl::StatusCode;

uint64_t AllocatedBytes(const std::filesystem::path& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return static_cast<uint64_t>(st.st_blocks) * 512;
}

TEST_CASE("ErrnoToStatus maps codes and names the file, op and errno",
          "[io][posix]") {
  const absl::Status eio = ErrnoToStatus(EIO, "/x/commitlog/0001", "fdatasync");
  CHECK_THAT(eio, StatusIs(Code::kInternal));
  CHECK(eio.message() ==
        "/x/commitlog/0001: fdatasync: EIO (Input/output error)");
  CHECK_THAT(ErrnoToStatus(ENOSPC, "f", "write"),
             StatusIs(Code::kResourceExhausted));
  CHECK_THAT(ErrnoToStatus(EDQUOT, "f", "write"),
             StatusIs(Code::kResourceExhausted));
  CHECK_THAT(ErrnoToStatus(ENOENT, "f", "open"), StatusIs(Code::kNotFound));
  CHECK_THAT(std::string(ErrnoToStatus(ENOSPC, "f", "w").message()),
             Catch::Contains("ENOSPC"));
}

TEST_CASE("OS errors from the file system carry errno names", "[io][posix]") {
  testing::TempDir dir;
  auto fs = PosixFileSystem();
  REQUIRE_OK(fs->CreateDirs(dir / "d"));
  REQUIRE_OK(fs->WriteFile(dir / "d" / "f", "x"));
  const absl::Status busy = fs->Remove(dir / "d");
  CHECK_THAT(busy, StatusIs(Code::kInternal));
  CHECK_THAT(std::string(busy.message()),
             Catch::Contains((dir / "d").string()) &&
                 Catch::Contains("rmdir") && Catch::Contains("ENOTEMPTY"));
  const absl::Status not_dir = fs->CreateDirs(dir / "d" / "f" / "sub");
  CHECK_THAT(std::string(not_dir.message()), Catch::Contains("ENOTDIR"));
}

TEST_CASE("ZeroRange keeps blocks allocated, Discard frees them",
          "[io][posix]") {
  testing::TempDir dir;
  auto fs = PosixFileSystem();
  const auto path = dir / "seg";
  MapOptions options;
  options.size = 1 << 20;
  auto region = fs->Map(path, options);
  REQUIRE_OK(region);
  const uint64_t full = AllocatedBytes(path);
  REQUIRE(full >= options.size);
  REQUIRE_OK((*region)->ZeroRange(0, 512 * 1024));
  CHECK(AllocatedBytes(path) == full);
  REQUIRE_OK((*region)->Discard(512 * 1024, 512 * 1024));
  CHECK(AllocatedBytes(path) <= full - 512 * 1024);
}

// Whether this process's page table maps the page at `p` (/proc/self/pagemap:
// bit 63 of the page's 64-bit entry).
bool PageMapped(const std::byte* p) {
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const int fd = ::open("/proc/self/pagemap", O_RDONLY);
  REQUIRE(fd >= 0);
  uint64_t entry = 0;
  const off_t at =
      static_cast<off_t>(reinterpret_cast<uintptr_t>(p) / page * 8);
  const ssize_t n = ::pread(fd, &entry, sizeof entry, at);
  ::close(fd);
  REQUIRE(n == static_cast<ssize_t>(sizeof entry));
  return (entry >> 63) != 0;
}

TEST_CASE(
    "Sync unmaps the range's whole pages before writeback and keeps their "
    "data",
    "[io][posix]") {
  testing::TempDir dir;
  auto fs = PosixFileSystem();
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  auto region = fs->Map(dir / "seg", MapOptions{.size = 8 * page});
  REQUIRE_OK(region.status());
  std::span<std::byte> bytes = (*region)->bytes();
  for (uint64_t i = 0; i < 3 * page; ++i) {
    bytes[i] = static_cast<std::byte>(i * 7 + i / page);
  }
  REQUIRE(PageMapped(&bytes[0]));
  REQUIRE(PageMapped(&bytes[page]));
  REQUIRE(PageMapped(&bytes[2 * page]));
  // From inside page 0 to inside page 2: only page 1 is whole.
  REQUIRE_OK((*region)->Sync(100, 2 * page - 50));
  CHECK(PageMapped(&bytes[0]));
  CHECK_FALSE(PageMapped(&bytes[page]));
  CHECK(PageMapped(&bytes[2 * page]));
  std::string on_disk(3 * page, '\0');
  const int fd = ::open((dir / "seg").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::pread(fd, on_disk.data(), on_disk.size(), 0) ==
          static_cast<ssize_t>(on_disk.size()));
  ::close(fd);
  for (uint64_t i = 0; i < 3 * page; ++i) {
    const auto expected = static_cast<std::byte>(i * 7 + i / page);
    REQUIRE(bytes[i] == expected);  // page 1 maps again on this read
    REQUIRE(static_cast<std::byte>(on_disk[i]) == expected);
  }
}

TEST_CASE("a mapping sees data written by another process's pwrite",
          "[io][posix]") {
  testing::TempDir dir;
  auto fs = PosixFileSystem();
  const auto path = dir / "shared";
  MapOptions options;
  options.size = 4096;
  auto region = fs->Map(path, options);
  REQUIRE_OK(region);
  auto fd = OpenFd(path, O_WRONLY);
  REQUIRE_OK(fd);
  REQUIRE(::pwrite(fd->get(), "zz", 2, 7) == 2);
  CHECK((*region)->bytes()[7] == std::byte{'z'});
}

// A child process holding (or trying) a classic F_SETLK write lock on [0, 1),
// the lock a Java broker takes. Talks over pipes; never returns to Catch.
class ClassicLocker {
 public:
  enum class Mode { kHold, kTry };

  ClassicLocker(const std::filesystem::path& path, Mode mode) {
    REQUIRE(::pipe(to_parent_) == 0);
    REQUIRE(::pipe(to_child_) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) RunChild(path, mode);
    ::close(to_parent_[1]);
    ::close(to_child_[0]);
  }
  ~ClassicLocker() {
    ::close(to_child_[1]);  // lets the child exit
    ::close(to_parent_[0]);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  ClassicLocker(const ClassicLocker&) = delete;
  ClassicLocker& operator=(const ClassicLocker&) = delete;

  pid_t pid() const { return pid_; }
  // '1' when the child got the lock, '0' when it was refused.
  char Result() {
    char c = '?';
    while (::read(to_parent_[0], &c, 1) < 0 && errno == EINTR) {
    }
    return c;
  }

 private:
  [[noreturn]] void RunChild(const std::filesystem::path& path, Mode mode) {
    ::close(to_parent_[0]);
    ::close(to_child_[1]);
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
    struct flock range = {};
    range.l_type = F_WRLCK;
    range.l_whence = SEEK_SET;
    range.l_start = 0;
    range.l_len = 1;
    const char got = fd >= 0 && ::fcntl(fd, F_SETLK, &range) == 0 ? '1' : '0';
    (void)!::write(to_parent_[1], &got, 1);
    if (mode == Mode::kHold) {
      char c;
      (void)!::read(to_child_[0], &c, 1);  // until the parent closes
    }
    ::_exit(0);
  }

  int to_parent_[2] = {-1, -1};
  int to_child_[2] = {-1, -1};
  pid_t pid_ = -1;
};

TEST_CASE("Lock fails while another process holds a classic lock, naming it",
          "[io][posix][lock]") {
  testing::TempDir dir;
  auto fs = PosixFileSystem();
  const auto path = dir / "lock";
  {
    ClassicLocker java_broker(path, ClassicLocker::Mode::kHold);
    REQUIRE(java_broker.Result() == '1');
    auto lock = fs->Lock(path);
    CHECK_THAT(lock.status(), StatusIs(Code::kFailedPrecondition));
    CHECK_THAT(std::string(lock.status().message()),
               Catch::Contains(absl::StrCat("(pid ", java_broker.pid(), ")")) &&
                   Catch::Contains(path.string()));
  }
  CHECK_OK(fs->Lock(path));
}

TEST_CASE("Lock excludes another process's classic lock", "[io][posix][lock]") {
  testing::TempDir dir;
  auto fs = PosixFileSystem();
  const auto path = dir / "lock";
  {
    auto lock = fs->Lock(path);
    REQUIRE_OK(lock);
    ClassicLocker java_broker(path, ClassicLocker::Mode::kTry);
    CHECK(java_broker.Result() == '0');
  }
  ClassicLocker after_release(path, ClassicLocker::Mode::kTry);
  CHECK(after_release.Result() == '1');
}

TEST_CASE("two PosixFileSystem instances still exclude each other",
          "[io][posix][lock]") {
  testing::TempDir dir;
  auto lock = PosixFileSystem()->Lock(dir / "lock");
  REQUIRE_OK(lock);
  CHECK_THAT(PosixFileSystem()->Lock(dir / "lock").status(),
             StatusIs(Code::kFailedPrecondition));
}

}  // namespace
}  // namespace rmq
