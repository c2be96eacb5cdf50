// The io_uring WritableFile against pread, and the backend selection.

#include "io/uring_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "base/strings.h"
#include "io/posix_io.h"
#include "rmq/io/file_system.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace rmq {
namespace {

using ::rmq::testing::StatusIs;

std::string Pread(const std::filesystem::path& path, uint64_t offset,
                  size_t length) {
  auto fd = OpenFd(path, O_RDONLY);
  REQUIRE_OK(fd);
  std::string out(length, '\0');
  size_t done = 0;
  while (done < length) {
    const ssize_t n =
        ::pread(fd->get(), out.data() + done, length - done, offset + done);
    REQUIRE(n > 0);
    done += static_cast<size_t>(n);
  }
  return out;
}

// A pattern whose every byte depends on its position, so a misplaced chunk
// shows.
std::string Pattern(size_t length, uint64_t salt) {
  std::string out(length, '\0');
  for (size_t i = 0; i < length; ++i) {
    out[i] = static_cast<char>((i * 131 + salt * 7 + (i >> 12)) & 0xFF);
  }
  return out;
}

class UringFileTest {
 public:
  UringFileTest() : path_(dir_ / "commitlog") {
    REQUIRE_OK(fs_->WriteFile(path_, ""));
  }

  std::unique_ptr<WritableFile> Open(WriteBackend backend) {
    auto file = fs_->OpenWritable(path_, backend);
    REQUIRE_OK(file);
    return *std::move(file);
  }

 protected:
  testing::TempDir dir_;
  std::shared_ptr<FileSystem> fs_ = PosixFileSystem();
  std::filesystem::path path_;
};

TEST_CASE("io_uring is available on this machine", "[io][uring]") {
  const absl::Status probe = IoUringProbeStatus();
  INFO("io_uring probe: " << probe.ToString());
  REQUIRE(probe.ok());
  CHECK(IoUringAvailable());
}

TEST_CASE_METHOD(UringFileTest, "backend() names the implementation in use",
                 "[io][uring]") {
  CHECK(Open(WriteBackend::kPwrite)->backend() == "pwrite");
  CHECK(Open(WriteBackend::kIoUring)->backend() ==
        (IoUringAvailable() ? "io_uring" : "pwrite"));
}

TEST_CASE_METHOD(UringFileTest, "uring WriteAt puts bytes at their offsets",
                 "[io][uring]") {
  auto file = Open(WriteBackend::kIoUring);
  REQUIRE_OK(file->WriteAt(4096, AsBytes("second")));
  REQUIRE_OK(file->WriteAt(0, AsBytes("first")));
  REQUIRE_OK(file->WriteAt(4093, AsBytes("abc")));
  REQUIRE_OK(file->WriteAt(10, {}));
  REQUIRE_OK(file->Sync());
  CHECK(Pread(path_, 0, 5) == "first");
  CHECK(Pread(path_, 4093, 9) == "abcsecond");
  CHECK(Pread(path_, 5, 10) == std::string(10, '\0'));
}

TEST_CASE_METHOD(UringFileTest, "uring WriteAtAndSync writes then syncs",
                 "[io][uring]") {
  auto file = Open(WriteBackend::kIoUring);
  uint64_t offset = 0;
  for (int i = 0; i < 50; ++i) {
    const std::string record = Pattern(100 + i * 37, i);
    REQUIRE_OK(file->WriteAtAndSync(offset, AsBytes(record)));
    CHECK(Pread(path_, offset, record.size()) == record);
    offset += record.size();
  }
  REQUIRE_OK(file->WriteAtAndSync(offset, {}));
}

TEST_CASE_METHOD(UringFileTest, "large writes land whole on both backends",
                 "[io][uring]") {
  const std::string big = Pattern(24 * 1024 * 1024 + 123, 5);
  for (WriteBackend backend : {WriteBackend::kIoUring, WriteBackend::kPwrite}) {
    auto file = Open(backend);
    const uint64_t offset =
        backend == WriteBackend::kIoUring ? 777 : 100'000'000;
    REQUIRE_OK(file->WriteAtAndSync(offset, AsBytes(big)));
    CHECK(Pread(path_, offset, big.size()) == big);
    REQUIRE_OK(file->WriteAt(offset + 5, AsBytes(big)));
    CHECK(Pread(path_, offset + 5, big.size()) == big);
  }
}

TEST_CASE_METHOD(UringFileTest, "a failed uring write names file and errno",
                 "[io][uring]") {
  auto fd = OpenFd(path_, O_RDONLY);  // writes fail with EBADF
  REQUIRE_OK(fd);
  auto file = UringFile::Create(path_, *std::move(fd));
  REQUIRE_OK(file);
  const absl::Status write = (*file)->WriteAt(0, AsBytes("x"));
  CHECK_THAT(write, StatusIs(absl::StatusCode::kInternal));
  CHECK_THAT(std::string(write.message()),
             Catch::Contains(path_.string()) && Catch::Contains("EBADF") &&
                 Catch::Contains("io_uring write"));
  CHECK_THAT((*file)->WriteAtAndSync(0, AsBytes("x")),
             StatusIs(absl::StatusCode::kInternal));
  // The ring is still usable after a failed request.
  CHECK_OK((*file)->Sync());
}

TEST_CASE_METHOD(UringFileTest, "a failed pwrite names file and errno",
                 "[io][uring]") {
  auto fd = OpenFd(path_, O_RDONLY);
  REQUIRE_OK(fd);
  const absl::Status write = PwriteFully(fd->get(), path_, 0, AsBytes("x"));
  CHECK_THAT(std::string(write.message()), Catch::Contains(path_.string()) &&
                                               Catch::Contains("pwrite") &&
                                               Catch::Contains("EBADF"));
}

}  // namespace
}  // namespace rmq
