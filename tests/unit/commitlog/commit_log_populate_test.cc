// The commit log keeps pages faulted in ahead of its writer, so the writer
// does not zero-fill fresh pages itself: in its segment (a window ahead) and,
// some windows before the roll, in the next segment's head.

#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "base/file_names.h"
#include "commitlog/commit_log.h"
#include "rmq/io/mem_file_system.h"
#include "support/fault_injection_file_system.h"

namespace rmq {
namespace {

using testing::FaultInjectionFileSystem;

constexpr int64_t kMiB = 1 << 20;

TEST_CASE("commit log: the next segment's head is faulted in windows ahead",
          "[unit][commit_log]") {
  constexpr int64_t kSegment = 16 * kMiB;
  constexpr int64_t kWindow = kMiB;
  auto fs = std::make_shared<FaultInjectionFileSystem>(NewMemFileSystem());
  std::shared_ptr<Logger> logger = NullLogger();
  CommitLog log(CommitLogOptions{.dir = "/log",
                                 .file_size = kSegment,
                                 .populate_window = kWindow,
                                 .preload_window = 0},
                *fs, *logger);
  REQUIRE(fs->CreateDirs("/log").ok());
  REQUIRE(log.Load().ok());
  log.PrepareNextSegment();
  // Up to three windows before the end: the window itself does not reach
  // the next segment yet, the head's lead does.
  const std::vector<std::byte> bytes(64 * 1024);
  const int64_t size = static_cast<int64_t>(bytes.size());
  while (log.WrittenOffset() + size <= kSegment - 3 * kWindow) {
    REQUIRE(log.PrepareAppend(size).ok());
    log.Write(bytes);
  }
  CHECK(log.WrittenOffset() < kSegment);  // no roll yet
  CHECK(fs->AwaitPrefault(
      std::filesystem::path("/log") / OffsetToFileName(kSegment),
      absl::Seconds(30)));
}

}  // namespace
}  // namespace rmq
