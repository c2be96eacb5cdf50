// Each control of FaultInjectionFileSystem does what it says.

#include <string>

#include "base/strings.h"
#include "rmq/io/mem_file_system.h"
#include "support/fault_injection_file_system.h"
#include "support/status_matchers.h"

namespace rmq::testing {
namespace {

using Op = FaultInjectionFileSystem::Op;
using Code = absl::StatusCode;

MapOptions Options(uint64_t size) {
  MapOptions options;
  options.size = size;
  return options;
}

class FaultTest {
 public:
  FaultTest() { REQUIRE_OK(mem_->CreateDirs("/s")); }

 protected:
  std::shared_ptr<MemFileSystem> mem_ = NewMemFileSystem();
  FaultInjectionFileSystem fs_{mem_};
};

TEST_CASE_METHOD(FaultTest, "without injections every call is forwarded",
                 "[io][fault]") {
  REQUIRE_OK(fs_.WriteFile("/s/a", "abc"));
  CHECK(*mem_->ReadFile("/s/a") == "abc");
  REQUIRE_OK(fs_.Rename("/s/a", "/s/b"));
  CHECK(*fs_.ReadFile("/s/b") == "abc");
  CHECK(fs_.List("/s")->size() == 1);
  REQUIRE_OK(fs_.SyncDir("/s"));
  REQUIRE_OK(fs_.Remove("/s/b"));
  CHECK_FALSE(mem_->Exists("/s/b"));
  CHECK(fs_.Calls(Op::kWriteFile) == 1);
  CHECK(fs_.Calls(Op::kRename) == 1);
  CHECK(fs_.Calls(Op::kList) == 1);
  CHECK(fs_.Calls(Op::kSyncDir) == 1);
  CHECK(fs_.Calls(Op::kRemove) == 1);
  CHECK(fs_.Calls(Op::kMap) == 0);
}

TEST_CASE_METHOD(FaultTest, "FailNext fails exactly the next call",
                 "[io][fault]") {
  fs_.FailNext(Op::kMap, absl::ResourceExhaustedError("injected ENOSPC"));
  auto failed = fs_.Map("/s/seg", Options(4096));
  CHECK_THAT(failed.status(), StatusIs(Code::kResourceExhausted));
  CHECK(failed.status().message() == "injected ENOSPC");
  CHECK_FALSE(mem_->Exists("/s/seg"));  // the base never saw the call
  CHECK_OK(fs_.Map("/s/seg", Options(4096)));
  CHECK(fs_.Calls(Op::kMap) == 2);
}

TEST_CASE_METHOD(FaultTest, "FailAfter lets n calls through, then fails all",
                 "[io][fault]") {
  fs_.FailAfter(Op::kWriteFile, 2, absl::InternalError("EIO"));
  CHECK_OK(fs_.WriteFile("/s/1", "1"));
  CHECK_OK(fs_.WriteFile("/s/2", "2"));
  CHECK_THAT(fs_.WriteFile("/s/3", "3"), StatusIs(Code::kInternal));
  CHECK_THAT(fs_.WriteFile("/s/4", "4"), StatusIs(Code::kInternal));
  CHECK_FALSE(mem_->Exists("/s/3"));
  fs_.Clear();
  CHECK_OK(fs_.WriteFile("/s/5", "5"));
  CHECK(fs_.Calls(Op::kWriteFile) == 5);
}

TEST_CASE_METHOD(FaultTest, "FailAfter(0) fails the very next call",
                 "[io][fault]") {
  fs_.FailAfter(Op::kCreateDirs, 0, absl::InternalError("EIO"));
  CHECK_THAT(fs_.CreateDirs("/s/d"), StatusIs(Code::kInternal));
  CHECK_FALSE(mem_->Exists("/s/d"));
}

TEST_CASE_METHOD(FaultTest, "directory operations are injectable",
                 "[io][fault]") {
  REQUIRE_OK(fs_.WriteFile("/s/a", "x"));
  fs_.FailNext(Op::kRename, absl::InternalError("rename"));
  fs_.FailNext(Op::kRemove, absl::InternalError("remove"));
  fs_.FailNext(Op::kSyncDir, absl::InternalError("syncdir"));
  fs_.FailNext(Op::kList, absl::InternalError("list"));
  CHECK_FALSE(fs_.Rename("/s/a", "/s/b").ok());
  CHECK_FALSE(fs_.Remove("/s/a").ok());
  CHECK_FALSE(fs_.SyncDir("/s").ok());
  CHECK_FALSE(fs_.List("/s").ok());
  CHECK(mem_->Exists("/s/a"));
  CHECK_OK(fs_.Rename("/s/a", "/s/b"));
}

TEST_CASE_METHOD(FaultTest, "WriteFileAtomically fails at its sync dir step",
                 "[io][fault]") {
  fs_.FailNext(Op::kSyncDir, absl::InternalError("EIO"));
  CHECK_THAT(WriteFileAtomically(fs_, "/s/checkpoint", "data"),
             StatusIs(Code::kInternal));
  CHECK(fs_.Calls(Op::kWriteFile) == 1);
  CHECK(fs_.Calls(Op::kRename) == 1);
}

TEST_CASE_METHOD(FaultTest, "region Sync and Allocate are injectable",
                 "[io][fault]") {
  MapOptions options = Options(8192);
  options.allocate_bytes = 512;
  auto region = fs_.Map("/s/seg", options);
  REQUIRE_OK(region);
  (*region)->bytes()[0] = std::byte{'A'};
  fs_.FailNext(Op::kSync, absl::InternalError("msync: EIO"));
  CHECK_THAT((*region)->Sync(0, 1), StatusIs(Code::kInternal));
  fs_.FailNext(Op::kAllocate, absl::ResourceExhaustedError("ENOSPC"));
  CHECK_THAT((*region)->Allocate(0, 8192), StatusIs(Code::kResourceExhausted));
  CHECK(mem_->AllocatedBytes() == 512);
  CHECK_OK((*region)->Allocate(0, 8192));
  CHECK(mem_->AllocatedBytes() == 8192);
  CHECK(fs_.Calls(Op::kSync) == 1);
  CHECK(fs_.Calls(Op::kAllocate) == 2);
  // The failed sync made nothing durable.
  region->reset();
  mem_->SimulatePowerLoss(PowerLossMode::kRevert, 0);
  CHECK(mem_->ReadFile("/s/seg")->at(0) == '\0');
}

TEST_CASE_METHOD(FaultTest, "WritableFile write and sync are injectable",
                 "[io][fault]") {
  REQUIRE_OK(fs_.WriteFile("/s/f", std::string(16, '.')));
  auto file = fs_.OpenWritable("/s/f", WriteBackend::kPwrite);
  REQUIRE_OK(file);
  CHECK((*file)->backend() == "memory");
  fs_.FailNext(Op::kWrite, absl::InternalError("EIO"));
  CHECK_FALSE((*file)->WriteAt(0, AsBytes("abcd")).ok());
  CHECK(*mem_->ReadFile("/s/f") == std::string(16, '.'));
  fs_.FailNext(Op::kSync, absl::InternalError("fdatasync: EIO"));
  CHECK_FALSE((*file)->Sync().ok());
  // The write half of WriteAtAndSync succeeds; its sync fails.
  fs_.FailNext(Op::kSync, absl::InternalError("fdatasync: EIO"));
  CHECK_FALSE((*file)->WriteAtAndSync(0, AsBytes("abcd")).ok());
  CHECK(mem_->ReadFile("/s/f")->substr(0, 4) == "abcd");
  CHECK(fs_.Calls(Op::kWrite) == 2);
  CHECK(fs_.Calls(Op::kSync) == 2);
}

TEST_CASE_METHOD(FaultTest, "ShortWriteNext writes half and fails once",
                 "[io][fault]") {
  REQUIRE_OK(fs_.WriteFile("/s/f", std::string(8, '.')));
  auto file = fs_.OpenWritable("/s/f", WriteBackend::kIoUring);
  REQUIRE_OK(file);
  fs_.ShortWriteNext();
  const absl::Status short_write = (*file)->WriteAt(0, AsBytes("abcdefgh"));
  CHECK_THAT(short_write, StatusIs(Code::kInternal));
  CHECK_THAT(std::string(short_write.message()),
             Catch::Contains("short write") && Catch::Contains("/s/f"));
  CHECK(*mem_->ReadFile("/s/f") == "abcd....");
  CHECK_OK((*file)->WriteAt(0, AsBytes("ABCDEFGH")));
  CHECK(*mem_->ReadFile("/s/f") == "ABCDEFGH");
}

TEST_CASE_METHOD(FaultTest, "Clear cancels pending failures and short writes",
                 "[io][fault]") {
  REQUIRE_OK(fs_.WriteFile("/s/f", "...."));
  auto file = fs_.OpenWritable("/s/f", WriteBackend::kPwrite);
  REQUIRE_OK(file);
  fs_.FailNext(Op::kWrite, absl::InternalError("EIO"));
  fs_.FailAfter(Op::kSync, 0, absl::InternalError("EIO"));
  fs_.ShortWriteNext();
  fs_.Clear();
  CHECK_OK((*file)->WriteAtAndSync(0, AsBytes("abcd")));
  CHECK(*mem_->ReadFile("/s/f") == "abcd");
}

TEST_CASE_METHOD(FaultTest, "wrapped handles outlive the file system",
                 "[io][fault]") {
  std::unique_ptr<MappedRegion> region;
  {
    FaultInjectionFileSystem scoped(mem_);
    auto mapped = scoped.Map("/s/seg", Options(512));
    REQUIRE_OK(mapped);
    region = *std::move(mapped);
  }
  CHECK_OK(region->Sync(0, 512));
}

}  // namespace
}  // namespace rmq::testing
