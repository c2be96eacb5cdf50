// The write-buffer path (transientStorePoolEnable): appends go to a RAM ring
// and are committed to the files with io_uring (or pwrite).

#include <catch2/catch.hpp>
#include <thread>

#include "absl/strings/str_cat.h"
#include "rmq/store.h"
#include "rmq/verify.h"
#include "support/fault_injection_file_system.h"
#include "support/status_matchers.h"
#include "support/store_fixture.h"
#include "support/temp_dir.h"

namespace rmq {
namespace {

using testing::Decode;
using testing::Message;
using testing::MustOpen;
using testing::SmallStoreConfig;

StoreConfig BufferedConfig(std::shared_ptr<FileSystem> fs, std::string root) {
  StoreConfig config = SmallStoreConfig(std::move(fs), std::move(root));
  config.transient_store_pool_enable = true;
  config.write_buffer_bytes = 256 * 1024;
  return config;
}

void CheckClean(const StoreConfig& config) {
  auto report = VerifyStore(config);
  REQUIRE_OK(report);
  for (const std::string& p : report->problems) UNSCOPED_INFO(p);
  CHECK(report->problems.empty());
}

TEST_CASE("write-buffer path: a message is readable once Put returns",
          "[store][writebuffer]") {
  testing::TempDir dir;
  const WriteBackend backend =
      GENERATE(WriteBackend::kPwrite, WriteBackend::kIoUring);
  StoreConfig config = BufferedConfig(PosixFileSystem(), dir.str());
  config.write_buffer_backend = backend;
  auto store = MustOpen(config);
  const StoreStats stats = store->Stats();
  CHECK(stats.write_path == "write-buffer");
  for (int i = 0; i < 50; ++i) {
    auto put = store->Put(Message("WB", 0, absl::StrCat("m", i)));
    REQUIRE_OK(put);
    auto got = store->Get(GetRequest{.topic = "WB",
                                     .queue_id = QueueId(0),
                                     .offset = put->queue_offset,
                                     .max_messages = 1});
    REQUIRE_OK(got);
    REQUIRE(got->records.size() == 1);
    CHECK(Decode(got->records[0].bytes).body == absl::StrCat("m", i));
  }
  // This machine has io_uring: asked for, the committer must be using it.
  CHECK(store->Stats().io_backend ==
        (backend == WriteBackend::kIoUring ? "io_uring" : "pwrite"));
  REQUIRE_OK(store->Shutdown());
  CheckClean(config);
}

TEST_CASE("write-buffer path: segments are never faulted in ahead",
          "[store][writebuffer]") {
  // The mmap path populates ahead of the writer; this path writes with
  // pwrite, so populating would only zero-fill pages the commit overwrites.
  using Op = testing::FaultInjectionFileSystem::Op;
  auto faults =
      std::make_shared<testing::FaultInjectionFileSystem>(NewMemFileSystem());
  StoreConfig config = BufferedConfig(faults, "/store");
  const std::string body(1000, 'b');
  {
    auto store = MustOpen(config);
    for (int i = 0; i < 150; ++i) {  // past two segments of 64 KiB
      REQUIRE_OK(store->Put(Message("WB", 0, body)));
    }
    REQUIRE_OK(store->Shutdown());  // joins the allocator's thread
  }
  CHECK(faults->Calls(Op::kPrefault) == 0);
  CHECK(faults->Calls(Op::kWrite) > 0);
}

TEST_CASE("write-buffer path: rolls, a small ring and 4 producers stay clean",
          "[store][writebuffer]") {
  testing::TempDir dir;
  StoreConfig config = BufferedConfig(PosixFileSystem(), dir.str());
  config.mapped_file_size_commit_log = 16 * 1024;
  config.max_message_size = 8 * 1024;
  config.write_buffer_bytes = 160 * 1024;  // the writers wait for room
  {
    auto store = MustOpen(config);
    std::vector<std::thread> threads;
    std::vector<absl::Status> failures(4);  // Catch2 asserts on one thread only
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 300 && failures[t].ok(); ++i) {
          auto put = store->Put(Message(
              "WB", (t + i) % 4, std::string(100 + (i * 53) % 3000, 'a' + t)));
          failures[t] = put.status();
        }
      });
    }
    for (auto& th : threads) th.join();
    for (const absl::Status& failure : failures) CHECK_OK(failure);
    CHECK(store->Stats().commit_log_files > 10);
    REQUIRE_OK(store->Shutdown());
  }
  CheckClean(config);
  auto reopened = MustOpen(config);
  int64_t total = 0;
  for (int q = 0; q < 4; ++q) {
    total += reopened->MaxOffsetInQueue("WB", QueueId(q)).value();
  }
  CHECK(total == 1200);
}

TEST_CASE("write-buffer path: SYNC_FLUSH acks survive a power loss",
          "[store][writebuffer][powerloss]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = BufferedConfig(fs, "store");
  config.flush_disk_type = FlushDiskType::kSyncFlush;
  config.mapped_file_size_commit_log = 8192;
  std::vector<std::pair<int, PutResult>> acked;
  {
    auto store = MustOpen(config);
    for (int i = 0; i < 200; ++i) {
      auto put = store->Put(Message("WBS", i % 2, absl::StrCat("sync-", i)));
      REQUIRE_OK(put);
      if (!put->flush_timed_out) acked.emplace_back(i, *put);
    }
    store->CrashForTesting();
  }
  fs->SimulatePowerLoss(PowerLossMode::kGarbage, 5);
  auto store = MustOpen(config);
  REQUIRE(acked.size() == 200);
  for (const auto& [i, put] : acked) {
    auto looked = store->LookByOffset(put.physical_offset);
    REQUIRE_OK(looked);
    CHECK(Decode(looked->records[0].bytes).body == absl::StrCat("sync-", i));
  }
  REQUIRE_OK(store->Shutdown());
  CheckClean(config);
}

TEST_CASE("write-buffer path: a short write fails the put and keeps the rest",
          "[store][writebuffer][faults]") {
  auto mem = NewMemFileSystem();
  auto faults = std::make_shared<testing::FaultInjectionFileSystem>(mem);
  StoreConfig config = BufferedConfig(faults, "store");
  std::vector<PutResult> acked;
  {
    auto store = MustOpen(config);
    for (int i = 0; i < 30; ++i) {
      auto put = store->Put(Message("Short", 0, absl::StrCat("ok-", i)));
      REQUIRE_OK(put);
      acked.push_back(*put);
    }
    REQUIRE_OK(store->Flush());
    faults->ShortWriteNext();
    auto torn = store->Put(Message("Short", 0, "torn"));
    CHECK_THAT(torn.status(),
               testing::StatusIs(absl::StatusCode::kUnavailable));
    CHECK_THAT(std::string(torn.status().message()),
               Catch::Contains("short write"));
    CHECK(store->Stats().read_only);
    CHECK_THAT(store->Put(Message("Short", 0, "after")).status(),
               testing::StatusIs(absl::StatusCode::kFailedPrecondition));
    store->CrashForTesting();
  }
  mem->SimulatePowerLoss(PowerLossMode::kRevert, 3);
  config.fs = mem;
  auto store = MustOpen(config);
  for (size_t i = 0; i < acked.size(); ++i) {
    auto looked = store->LookByOffset(acked[i].physical_offset);
    REQUIRE_OK(looked);
    CHECK(Decode(looked->records[0].bytes).body == absl::StrCat("ok-", i));
  }
  // The half-written record is not part of the log.
  CHECK(store->MaxPhysicalOffset().value() ==
        acked.back().physical_offset.value() + acked.back().bytes);
}

}  // namespace
}  // namespace rmq
