// MappedRegion::AllocateZeroed on both file systems: blocks allocated by
// writing zeros, and (like pwrite) it really overwrites what is there.

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "rmq/io/file_system.h"
#include "rmq/io/mem_file_system.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace rmq {
namespace {

void CheckAllocateZeroed(FileSystem& fs, const std::filesystem::path& path) {
  MapOptions options;
  options.size = 64 * 1024;
  options.allocate_bytes = 0;
  options.keep_fd = false;
  auto region = fs.Map(path, options);
  REQUIRE_OK(region);
  REQUIRE_OK((*region)->AllocateZeroed(0, 8192));
  std::memset((*region)->bytes().data(), 'x', 100);  // now allocated: safe
  REQUIRE_OK((*region)->Sync(0, 8192));
  CHECK((*region)->bytes()[99] == std::byte{'x'});
  // It writes zeros for real: a caller must only point it at unwritten space.
  REQUIRE_OK((*region)->AllocateZeroed(0, 50));
  CHECK((*region)->bytes()[49] == std::byte{0});
  CHECK((*region)->bytes()[50] == std::byte{'x'});
  CHECK_THAT((*region)->AllocateZeroed(60 * 1024, 8192),
             testing::StatusIs(absl::StatusCode::kOutOfRange));
}

TEST_CASE("AllocateZeroed allocates by writing zeros on a posix file", "[io]") {
  testing::TempDir dir;
  auto fs = PosixFileSystem();
  CheckAllocateZeroed(*fs, dir.path() / "f");
  struct stat st;
  REQUIRE(::stat((dir.path() / "f").c_str(), &st) == 0);
  CHECK(st.st_blocks * 512 >= 8192);  // written extents, not a hole
}

TEST_CASE("AllocateZeroed behaves the same on the in-memory file system",
          "[io]") {
  auto fs = NewMemFileSystem();
  CheckAllocateZeroed(*fs, "f");
  CHECK(fs->AllocatedBytes() >= 8192);
}

}  // namespace
}  // namespace rmq
