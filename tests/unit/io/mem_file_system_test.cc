// MemFileSystem's power-loss model and capacity limit.

#include "rmq/io/mem_file_system.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "support/status_matchers.h"

namespace rmq {
namespace {

using ::rmq::testing::StatusIs;
using Code = absl::StatusCode;

MapOptions Options(uint64_t size) {
  MapOptions options;
  options.size = size;
  return options;
}

class MemFsTest {
 public:
  MemFsTest() { REQUIRE_OK(fs_->CreateDirs("/store")); }

  // Maps `name` (4 sectors), writes `synced` at 0 and syncs it, then writes
  // `unsynced` at 1000 (sectors 1 and 2) without syncing.
  void WriteSyncedAndUnsynced(std::string_view synced,
                              std::string_view unsynced) {
    auto region = fs_->Map("/store/seg", Options(2048));
    REQUIRE_OK(region);
    std::memcpy((*region)->bytes().data(), synced.data(), synced.size());
    REQUIRE_OK((*region)->Sync(0, synced.size()));
    std::memcpy((*region)->bytes().data() + 1000, unsynced.data(),
                unsynced.size());
  }

  std::string Content(const std::string& path) {
    auto content = fs_->ReadFile(path);
    REQUIRE_OK(content);
    return *content;
  }

 protected:
  std::shared_ptr<MemFileSystem> fs_ = NewMemFileSystem();
};

TEST_CASE_METHOD(MemFsTest,
                 "power loss keeps synced bytes and reverts the rest",
                 "[io][mem]") {
  WriteSyncedAndUnsynced("durable record", std::string(100, 'u'));
  fs_->SimulatePowerLoss(PowerLossMode::kRevert, 1);
  const std::string after = Content("/store/seg");
  REQUIRE(after.size() == 2048);
  CHECK(after.substr(0, 14) == "durable record");
  CHECK(after.substr(14) == std::string(2048 - 14, '\0'));
}

TEST_CASE_METHOD(MemFsTest,
                 "power loss in garbage mode garbles unsynced bytes only",
                 "[io][mem]") {
  WriteSyncedAndUnsynced("durable record", std::string(100, 'u'));
  fs_->SimulatePowerLoss(PowerLossMode::kGarbage, 7);
  const std::string after = Content("/store/seg");
  REQUIRE(after.size() == 2048);
  CHECK(after.substr(0, 14) == "durable record");
  const std::string torn = after.substr(1000, 100);
  CHECK(torn != std::string(100, 'u'));
  CHECK(torn != std::string(100, '\0'));
  // Bytes never written keep their (zero) durable content.
  CHECK(after.substr(14, 986) == std::string(986, '\0'));
  CHECK(after.substr(1100) == std::string(948, '\0'));
}

TEST_CASE("garbage after power loss is deterministic per seed", "[io][mem]") {
  auto run = [](uint64_t seed) {
    auto fs = NewMemFileSystem();
    REQUIRE_OK(fs->CreateDirs("/s"));
    {
      auto region = fs->Map("/s/f", Options(4096));
      REQUIRE_OK(region);
      std::memset((*region)->bytes().data(), 0xEE, 4096);
    }
    fs->SimulatePowerLoss(PowerLossMode::kGarbage, seed);
    auto content = fs->ReadFile("/s/f");
    REQUIRE_OK(content);
    return *content;
  };
  CHECK(run(42) == run(42));
  CHECK(run(42) != run(43));
}

TEST_CASE_METHOD(MemFsTest, "a sector synced after a later write survives",
                 "[io][mem]") {
  {
    auto region = fs_->Map("/store/seg", Options(1024));
    REQUIRE_OK(region);
    std::span<std::byte> bytes = (*region)->bytes();
    std::memcpy(bytes.data(), "AAAA", 4);
    REQUIRE_OK((*region)->Sync(0, 4));
    std::memcpy(bytes.data() + 4, "BBBB", 4);  // same sector, never synced
  }
  fs_->SimulatePowerLoss(PowerLossMode::kGarbage, 3);
  CHECK(Content("/store/seg").substr(0, 4) == "AAAA");
}

TEST_CASE_METHOD(MemFsTest, "WritableFile data survives only after its Sync",
                 "[io][mem]") {
  REQUIRE_OK(fs_->Map("/store/log", Options(1024)));
  {
    auto file = fs_->OpenWritable("/store/log", WriteBackend::kIoUring);
    REQUIRE_OK(file);
    CHECK((*file)->backend() == "memory");
    REQUIRE_OK((*file)->WriteAtAndSync(0, AsBytes("synced")));
    REQUIRE_OK((*file)->WriteAt(600, AsBytes("lost")));
  }
  fs_->SimulatePowerLoss(PowerLossMode::kRevert, 0);
  const std::string after = Content("/store/log");
  CHECK(after.substr(0, 6) == "synced");
  CHECK(after.substr(600, 4) == std::string(4, '\0'));
}

TEST_CASE_METHOD(MemFsTest, "an unsynced extension of a file is dropped",
                 "[io][mem]") {
  REQUIRE_OK(fs_->WriteFile("/store/f", "abc"));
  REQUIRE_OK(fs_->SyncDir("/store"));
  {
    auto file = fs_->OpenWritable("/store/f", WriteBackend::kPwrite);
    REQUIRE_OK(file);
    REQUIRE_OK((*file)->WriteAt(3, AsBytes("def")));
  }
  CHECK(Content("/store/f") == "abcdef");
  fs_->SimulatePowerLoss(PowerLossMode::kGarbage, 9);
  CHECK(Content("/store/f") == "abc");
}

TEST_CASE_METHOD(MemFsTest,
                 "an unsynced new file vanishes, a SyncDir'ed one survives",
                 "[io][mem]") {
  REQUIRE_OK(fs_->CreateDirs("/store/a"));
  REQUIRE_OK(fs_->CreateDirs("/store/b"));
  REQUIRE_OK(fs_->WriteFile("/store/a/unsynced", "x"));
  REQUIRE_OK(fs_->WriteFile("/store/b/synced", "y"));
  REQUIRE_OK(fs_->SyncDir("/store/b"));
  fs_->SimulatePowerLoss(PowerLossMode::kRevert, 0);
  CHECK_FALSE(fs_->Exists("/store/a/unsynced"));
  CHECK(fs_->IsDirectory("/store/a"));  // CreateDirs synced its parent
  CHECK(Content("/store/b/synced") == "y");
}

TEST_CASE_METHOD(MemFsTest, "a mapped new file survives: Map syncs its dir",
                 "[io][mem]") {
  REQUIRE_OK(fs_->Map("/store/seg", Options(512)));
  fs_->SimulatePowerLoss(PowerLossMode::kRevert, 0);
  CHECK(fs_->Exists("/store/seg"));
  CHECK(*fs_->FileSize("/store/seg") == 512);
}

TEST_CASE_METHOD(MemFsTest, "an unsynced rename or removal reverts",
                 "[io][mem]") {
  REQUIRE_OK(fs_->WriteFile("/store/old", "content"));
  REQUIRE_OK(fs_->WriteFile("/store/gone", "still here"));
  REQUIRE_OK(fs_->SyncDir("/store"));
  REQUIRE_OK(fs_->Rename("/store/old", "/store/new"));
  REQUIRE_OK(fs_->Remove("/store/gone"));
  CHECK(fs_->Exists("/store/new"));
  fs_->SimulatePowerLoss(PowerLossMode::kRevert, 0);
  CHECK_FALSE(fs_->Exists("/store/new"));
  CHECK(Content("/store/old") == "content");
  CHECK(Content("/store/gone") == "still here");
}

TEST_CASE_METHOD(MemFsTest, "a synced rename survives", "[io][mem]") {
  REQUIRE_OK(fs_->WriteFile("/store/old", "content"));
  REQUIRE_OK(fs_->Rename("/store/old", "/store/new"));
  REQUIRE_OK(fs_->SyncDir("/store"));
  fs_->SimulatePowerLoss(PowerLossMode::kRevert, 0);
  CHECK_FALSE(fs_->Exists("/store/old"));
  CHECK(Content("/store/new") == "content");
}

TEST_CASE_METHOD(MemFsTest, "Map beyond capacity fails and creates nothing",
                 "[io][mem]") {
  fs_->SetCapacityBytes(10000);
  REQUIRE_OK(fs_->Map("/store/a", Options(8192)));
  CHECK(fs_->AllocatedBytes() == 8192);
  auto full = fs_->Map("/store/b", Options(8192));
  CHECK_THAT(full.status(), StatusIs(Code::kResourceExhausted));
  CHECK_THAT(std::string(full.status().message()),
             Catch::Contains("ENOSPC") && Catch::Contains("/store/b"));
  CHECK_FALSE(fs_->Exists("/store/b"));
  CHECK(fs_->AllocatedBytes() == 8192);
  CHECK(fs_->Usage("/store")->free_bytes == 10000 - 8192);
  REQUIRE_OK(fs_->Remove("/store/a"));  // frees its blocks
  CHECK(fs_->AllocatedBytes() == 0);
  CHECK_OK(fs_->Map("/store/b", Options(8192)));
}

TEST_CASE_METHOD(MemFsTest, "Allocate beyond capacity fails, counting once",
                 "[io][mem]") {
  fs_->SetCapacityBytes(10000);
  MapOptions options = Options(1 << 20);
  options.allocate_bytes = 4096;
  auto region = fs_->Map("/store/cq", options);
  REQUIRE_OK(region);
  REQUIRE_OK((*region)->Allocate(0, 8192));  // 4096 of it already allocated
  CHECK(fs_->AllocatedBytes() == 8192);
  CHECK_THAT((*region)->Allocate(8192, 4096),
             StatusIs(Code::kResourceExhausted));
  CHECK(fs_->AllocatedBytes() == 8192);
  REQUIRE_OK((*region)->Discard(4096, 4096));
  CHECK(fs_->AllocatedBytes() == 4096);
  CHECK_OK((*region)->Allocate(8192, 4096));
}

TEST_CASE_METHOD(MemFsTest, "WriteFile and WriteAt count against capacity",
                 "[io][mem]") {
  fs_->SetCapacityBytes(100);
  CHECK_THAT(fs_->WriteFile("/store/big", std::string(101, 'x')),
             StatusIs(Code::kResourceExhausted));
  CHECK_FALSE(fs_->Exists("/store/big"));
  REQUIRE_OK(fs_->WriteFile("/store/small", std::string(60, 'x')));
  auto file = fs_->OpenWritable("/store/small", WriteBackend::kPwrite);
  REQUIRE_OK(file);
  CHECK_OK((*file)->WriteAt(50, AsBytes(std::string(50, 'y'))));
  CHECK(fs_->AllocatedBytes() == 100);
  CHECK_THAT((*file)->WriteAt(100, AsBytes("z")),
             StatusIs(Code::kResourceExhausted));
}

TEST_CASE_METHOD(MemFsTest, "LiveMappings counts regions until destroyed",
                 "[io][mem]") {
  CHECK(fs_->LiveMappings() == 0);
  auto a = fs_->Map("/store/a", Options(512));
  auto b = fs_->Map("/store/a", Options(512));
  REQUIRE_OK(a);
  REQUIRE_OK(b);
  CHECK(fs_->LiveMappings() == 2);
  // Two mappings of one file share its bytes, like MAP_SHARED.
  (*a)->bytes()[7] = std::byte{9};
  CHECK((*b)->bytes()[7] == std::byte{9});
  a->reset();
  CHECK(fs_->LiveMappings() == 1);
}

TEST_CASE_METHOD(MemFsTest, "a mapped file cannot be resized", "[io][mem]") {
  auto region = fs_->Map("/store/a", Options(512));
  REQUIRE_OK(region);
  CHECK_THAT(fs_->WriteFile("/store/a", "short"),
             StatusIs(Code::kFailedPrecondition));
  auto file = fs_->OpenWritable("/store/a", WriteBackend::kPwrite);
  REQUIRE_OK(file);
  CHECK_THAT((*file)->WriteAt(510, AsBytes("xyz")),
             StatusIs(Code::kFailedPrecondition));
  CHECK_OK((*file)->WriteAt(509, AsBytes("xyz")));
}

TEST_CASE("relative paths are keys under the working directory", "[io][mem]") {
  auto fs = NewMemFileSystem();
  REQUIRE_OK(fs->CreateDirs("data/sub"));
  REQUIRE_OK(fs->WriteFile("data/sub/../f", "rel"));
  CHECK(*fs->ReadFile("./data/f") == "rel");
  CHECK_FALSE(fs->Exists("/data/f"));
  auto names = fs->List(".");
  REQUIRE_OK(names);
  CHECK(*names == std::vector<std::string>{"data"});
}

TEST_CASE("concurrent users of one MemFileSystem see consistent state",
          "[io][mem]") {
  auto fs = NewMemFileSystem();
  REQUIRE_OK(fs->CreateDirs("/c"));
  constexpr int kThreads = 4;
  constexpr int kRounds = 50;
  std::vector<absl::Status> failures(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&fs, &failures, t] {
        const std::string dir = absl::StrCat("/c/t", t);
        absl::Status& failure = failures[t];
        failure = fs->CreateDirs(dir);
        for (int i = 0; i < kRounds && failure.ok(); ++i) {
          const std::string seg = absl::StrCat(dir, "/seg", i);
          auto region = fs->Map(seg, Options(4096));
          if (!region.ok()) {
            failure = region.status();
            break;
          }
          (*region)->bytes()[i] = std::byte{1};
          failure = (*region)->Sync(0, 4096);
          if (failure.ok()) failure = fs->WriteFile(seg + ".json", "{}");
          if (failure.ok()) failure = fs->Rename(seg + ".json", seg + ".j");
          if (failure.ok()) failure = fs->List(dir).status();
        }
      });
    }
  }
  for (const absl::Status& failure : failures) CHECK_OK(failure);
  CHECK(fs->LiveMappings() == 0);
  CHECK(fs->List("/c/t3")->size() == 2 * kRounds);
}

TEST_CASE("errors name the file, the operation and the errno", "[io][mem]") {
  auto fs = NewMemFileSystem();
  const absl::Status missing = fs->Remove("/nowhere/x");
  CHECK_THAT(missing, StatusIs(Code::kNotFound));
  CHECK_THAT(std::string(missing.message()),
             Catch::Contains("/nowhere/x") && Catch::Contains("ENOENT"));
}

}  // namespace
}  // namespace rmq
