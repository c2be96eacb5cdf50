// One contract, two implementations: every FileSystem behaviour the store
// relies on, checked on the real file system (in a TempDir) and on
// MemFileSystem.

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/strings.h"
#include "rmq/io/file_system.h"
#include "rmq/io/mem_file_system.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace rmq {
namespace {

using ::rmq::testing::StatusIs;
using Code = absl::StatusCode;

struct PosixEnv {
  testing::TempDir dir;
  std::shared_ptr<FileSystem> fs = PosixFileSystem();
  std::filesystem::path root = dir.path();

  // Bytes the file system really allocated for `path`.
  uint64_t AllocatedBytes(const std::filesystem::path& path) const {
    struct stat st;
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return static_cast<uint64_t>(st.st_blocks) * 512;
  }
};

struct MemEnv {
  std::shared_ptr<MemFileSystem> mem = NewMemFileSystem();
  std::shared_ptr<FileSystem> fs = mem;
  std::filesystem::path root = "/store";

  MemEnv() { REQUIRE_OK(fs->CreateDirs(root)); }
  uint64_t AllocatedBytes(const std::filesystem::path&) const {
    return mem->AllocatedBytes();
  }
};

MapOptions Options(uint64_t size) {
  MapOptions options;
  options.size = size;
  return options;
}

bool AllZero(std::span<const std::byte> bytes) {
  return std::all_of(bytes.begin(), bytes.end(),
                     [](std::byte b) { return b == std::byte{0}; });
}

void Put(std::span<std::byte> bytes, uint64_t offset, std::string_view text) {
  std::memcpy(bytes.data() + offset, text.data(), text.size());
}

std::string_view Get(std::span<const std::byte> bytes, uint64_t offset,
                     size_t length) {
  return AsChars(bytes.subspan(offset, length));
}

TEMPLATE_TEST_CASE("map with create makes an allocated zero-filled file",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  const auto path = env.root / "00000000000000000000";
  auto region = env.fs->Map(path, Options(64 * 1024));
  REQUIRE_OK(region);
  CHECK((*region)->size() == 64 * 1024);
  CHECK((*region)->writable());
  CHECK((*region)->path() == path);
  CHECK(AllZero((*region)->bytes()));
  CHECK(env.fs->Exists(path));
  CHECK_FALSE(env.fs->IsDirectory(path));
  CHECK(*env.fs->FileSize(path) == 64 * 1024);
  CHECK(env.AllocatedBytes(path) >= 64 * 1024);
}

TEMPLATE_TEST_CASE("map allocates only allocate_bytes of a new file",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  const auto path = env.root / "cq";
  MapOptions options = Options(1024 * 1024);
  options.allocate_bytes = 4096;
  auto region = env.fs->Map(path, options);
  REQUIRE_OK(region);
  CHECK(*env.fs->FileSize(path) == 1024 * 1024);
  CHECK(env.AllocatedBytes(path) < 1024 * 1024);
  REQUIRE_OK((*region)->Allocate(4096, 512 * 1024));
  CHECK(env.AllocatedBytes(path) >= 512 * 1024);
}

TEMPLATE_TEST_CASE("map of an existing file with another size fails",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  const auto path = env.root / "f";
  REQUIRE_OK(env.fs->Map(path, Options(8192)));
  auto wrong = env.fs->Map(path, Options(4096));
  CHECK_THAT(wrong.status(), StatusIs(Code::kFailedPrecondition));
  CHECK_THAT(std::string(wrong.status().message()),
             Catch::Contains("has 8192 bytes, expected 4096") &&
                 Catch::Contains(path.string()));
}

TEMPLATE_TEST_CASE("map without create of a missing file is NotFound",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  MapOptions options = Options(4096);
  options.create = false;
  CHECK_THAT(env.fs->Map(env.root / "missing", options).status(),
             StatusIs(Code::kNotFound));
  CHECK_FALSE(env.fs->Exists(env.root / "missing"));
  CHECK_THAT(env.fs->Map(env.root / "no-dir" / "f", Options(4096)).status(),
             StatusIs(Code::kNotFound));
  CHECK_THAT(env.fs->Map(env.root / "zero", Options(0)).status(),
             StatusIs(Code::kInvalidArgument));
}

TEMPLATE_TEST_CASE("bytes written through a mapping are seen after remapping",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  const auto path = env.root / "seg";
  {
    auto region = env.fs->Map(path, Options(4096));
    REQUIRE_OK(region);
    Put((*region)->bytes(), 100, "hello mapped world");
    REQUIRE_OK((*region)->Sync(100, 18));
  }
  MapOptions options = Options(4096);
  options.create = false;
  options.writable = false;
  auto again = env.fs->Map(path, options);
  REQUIRE_OK(again);
  CHECK_FALSE((*again)->writable());
  CHECK(Get((*again)->bytes(), 100, 18) == "hello mapped world");
  auto content = env.fs->ReadFile(path);
  REQUIRE_OK(content);
  CHECK(content->substr(100, 18) == "hello mapped world");
}

TEMPLATE_TEST_CASE("region operations check their range", "[io][contract]",
                   PosixEnv, MemEnv) {
  TestType env;
  auto region = env.fs->Map(env.root / "r", Options(8192));
  REQUIRE_OK(region);
  MappedRegion& r = **region;
  CHECK_OK(r.Sync(0, 8192));
  CHECK_OK(r.Sync(8192, 0));
  CHECK_OK(r.Prefault(0, 8192, MappedRegion::FaultIn::kWritable));
  CHECK_OK(r.Prefault(0, 8192, MappedRegion::FaultIn::kReadOnly));
  CHECK_OK(r.AdviseCold(4096, 4096));
  CHECK_THAT(r.Sync(4096, 4097), StatusIs(Code::kOutOfRange));
  CHECK_THAT(r.Allocate(8192, 1), StatusIs(Code::kOutOfRange));
  CHECK_THAT(r.ZeroRange(1, 8192), StatusIs(Code::kOutOfRange));
  CHECK_THAT(r.Prefault(UINT64_MAX, 2, MappedRegion::FaultIn::kReadOnly),
             StatusIs(Code::kOutOfRange));
}

TEMPLATE_TEST_CASE("a range faulted in read-only reads zeros and takes writes",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  const std::filesystem::path path = env.root / "ro";
  auto region = env.fs->Map(path, Options(16384));
  REQUIRE_OK(region);
  REQUIRE_OK((*region)->Allocate(0, 16384));
  REQUIRE_OK((*region)->Prefault(0, 16384, MappedRegion::FaultIn::kReadOnly));
  std::span<std::byte> bytes = (*region)->bytes();
  CHECK(std::all_of(bytes.begin(), bytes.end(),
                    [](std::byte b) { return b == std::byte{0}; }));
  std::memcpy(bytes.data() + 5000, "after a read-only fault", 23);
  REQUIRE_OK((*region)->Sync(0, 16384));
  auto content = env.fs->ReadFile(path);
  REQUIRE_OK(content);
  CHECK(content->substr(5000, 23) == "after a read-only fault");
}

TEMPLATE_TEST_CASE("ZeroRange and Discard make a range read as zeros",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  auto region = env.fs->Map(env.root / "z", Options(16384));
  REQUIRE_OK(region);
  std::span<std::byte> bytes = (*region)->bytes();
  std::memset(bytes.data(), 0x5A, bytes.size());
  REQUIRE_OK((*region)->ZeroRange(100, 5000));
  CHECK(AllZero(bytes.subspan(100, 5000)));
  CHECK(bytes[99] == std::byte{0x5A});
  CHECK(bytes[5100] == std::byte{0x5A});
  REQUIRE_OK((*region)->Discard(8192, 8192));
  CHECK(AllZero(bytes.subspan(8192)));
  CHECK(bytes[8191] == std::byte{0x5A});
  // Discarded blocks are allocated again before the next write.
  REQUIRE_OK((*region)->Allocate(8192, 8192));
  bytes[9000] = std::byte{1};
}

TEMPLATE_TEST_CASE("a read-only region refuses to change the file",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  const auto path = env.root / "ro";
  REQUIRE_OK(env.fs->Map(path, Options(4096)));
  MapOptions options = Options(4096);
  options.writable = false;
  auto region = env.fs->Map(path, options);
  REQUIRE_OK(region);
  CHECK_THAT((*region)->ZeroRange(0, 10), StatusIs(Code::kFailedPrecondition));
  CHECK_THAT((*region)->Allocate(0, 10), StatusIs(Code::kFailedPrecondition));
  CHECK_THAT((*region)->Discard(0, 10), StatusIs(Code::kFailedPrecondition));
}

TEMPLATE_TEST_CASE("ReadFile returns what WriteFile wrote", "[io][contract]",
                   PosixEnv, MemEnv) {
  TestType env;
  const auto path = env.root / "config.json";
  REQUIRE_OK(env.fs->WriteFile(path, "{\"a\":1}"));
  CHECK(*env.fs->ReadFile(path) == "{\"a\":1}");
  REQUIRE_OK(env.fs->WriteFile(path, "x"));  // truncates
  CHECK(*env.fs->ReadFile(path) == "x");
  REQUIRE_OK(env.fs->WriteFile(path, ""));
  CHECK(env.fs->ReadFile(path)->empty());
  std::string big(100000, 'q');
  big[77777] = '!';
  REQUIRE_OK(env.fs->WriteFile(path, big));
  CHECK(*env.fs->ReadFile(path) == big);
  CHECK_THAT(env.fs->ReadFile(env.root / "nope").status(),
             StatusIs(Code::kNotFound));
}

TEMPLATE_TEST_CASE("WriteFileAtomically replaces content and leaves no tmp",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  const auto path = env.root / "checkpoint";
  REQUIRE_OK(WriteFileAtomically(*env.fs, path, "first"));
  CHECK(*env.fs->ReadFile(path) == "first");
  REQUIRE_OK(WriteFileAtomically(*env.fs, path, "second version"));
  CHECK(*env.fs->ReadFile(path) == "second version");
  CHECK_FALSE(env.fs->Exists(env.root / "checkpoint.tmp"));
  auto names = env.fs->List(env.root);
  REQUIRE_OK(names);
  CHECK(*names == std::vector<std::string>{"checkpoint"});
}

TEMPLATE_TEST_CASE("namespace operations: List, Rename, Remove, FileSize",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  FileSystem& fs = *env.fs;
  REQUIRE_OK(fs.WriteFile(env.root / "a", "aaa"));
  REQUIRE_OK(fs.WriteFile(env.root / "b", "bbbbb"));
  REQUIRE_OK(fs.CreateDirs(env.root / "sub"));
  auto names = fs.List(env.root);
  REQUIRE_OK(names);
  std::sort(names->begin(), names->end());
  CHECK(*names == std::vector<std::string>{"a", "b", "sub"});
  CHECK(*fs.FileSize(env.root / "b") == 5);
  CHECK(fs.IsDirectory(env.root / "sub"));
  CHECK_FALSE(fs.IsDirectory(env.root / "a"));
  CHECK_FALSE(fs.IsDirectory(env.root / "missing"));

  REQUIRE_OK(fs.Rename(env.root / "a", env.root / "sub" / "a2"));
  CHECK_FALSE(fs.Exists(env.root / "a"));
  CHECK(*fs.ReadFile(env.root / "sub" / "a2") == "aaa");
  REQUIRE_OK(fs.Rename(env.root / "b", env.root / "sub" / "a2"));  // replaces
  CHECK(*fs.ReadFile(env.root / "sub" / "a2") == "bbbbb");
  CHECK_THAT(fs.Rename(env.root / "b", env.root / "c"),
             StatusIs(Code::kNotFound));

  CHECK_THAT(fs.Remove(env.root / "sub"), StatusIs(Code::kInternal));
  REQUIRE_OK(fs.Remove(env.root / "sub" / "a2"));
  REQUIRE_OK(fs.Remove(env.root / "sub"));
  CHECK_FALSE(fs.Exists(env.root / "sub"));
  CHECK_THAT(fs.Remove(env.root / "sub"), StatusIs(Code::kNotFound));
  CHECK(fs.List(env.root)->empty());
  CHECK_THAT(fs.List(env.root / "sub").status(), StatusIs(Code::kNotFound));
  CHECK_THAT(fs.FileSize(env.root / "a").status(), StatusIs(Code::kNotFound));
  REQUIRE_OK(fs.SyncDir(env.root));
  CHECK_THAT(fs.SyncDir(env.root / "sub"), StatusIs(Code::kNotFound));
}

TEMPLATE_TEST_CASE("ModifiedTimeMs is the wall-clock time of the write",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  REQUIRE_OK(env.fs->WriteFile(env.root / "t", "x"));
  auto mtime = env.fs->ModifiedTimeMs(env.root / "t");
  REQUIRE_OK(mtime);
  // A coarse sanity bound, not a timing assertion: the unit is ms since 1970.
  const int64_t now = absl::ToUnixMillis(absl::Now());
  CHECK(std::abs(*mtime - now) < 3600 * 1000);
}

TEMPLATE_TEST_CASE("CreateDirs makes nested directories and is idempotent",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  const auto deep = env.root / "consumequeue" / "TopicA" / "3";
  REQUIRE_OK(env.fs->CreateDirs(deep));
  CHECK(env.fs->IsDirectory(deep));
  CHECK(env.fs->IsDirectory(env.root / "consumequeue" / "TopicA"));
  REQUIRE_OK(env.fs->CreateDirs(deep));
  REQUIRE_OK(env.fs->CreateDirs(env.root / "x" / "y" / ""));  // trailing '/'
  CHECK(env.fs->IsDirectory(env.root / "x" / "y"));
  REQUIRE_OK(env.fs->WriteFile(env.root / "file", "f"));
  CHECK_FALSE(env.fs->CreateDirs(env.root / "file" / "d").ok());
  CHECK_FALSE(env.fs->CreateDirs(env.root / "file").ok());
}

TEMPLATE_TEST_CASE("Lock excludes a second lock until it is released",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  const auto path = env.root / "lock";
  {
    auto first = env.fs->Lock(path);
    REQUIRE_OK(first);
    CHECK(*env.fs->ReadFile(path) == "lock");
    auto second = env.fs->Lock(path);
    CHECK_THAT(second.status(), StatusIs(Code::kFailedPrecondition));
    CHECK_THAT(std::string(second.status().message()),
               Catch::Contains("is locked by"));
  }
  auto again = env.fs->Lock(path);
  CHECK_OK(again);
}

TEMPLATE_TEST_CASE("Usage reports a total and a free byte count",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  auto usage = env.fs->Usage(env.root);
  REQUIRE_OK(usage);
  CHECK(usage->total_bytes > 0);
  CHECK(usage->free_bytes <= usage->total_bytes);
}

TEMPLATE_TEST_CASE("WritableFile writes are visible through a mapping",
                   "[io][contract]", PosixEnv, MemEnv) {
  TestType env;
  const auto path = env.root / "commit";
  auto region = env.fs->Map(path, Options(1 << 20));
  REQUIRE_OK(region);
  for (WriteBackend backend : {WriteBackend::kPwrite, WriteBackend::kIoUring}) {
    auto file = env.fs->OpenWritable(path, backend);
    REQUIRE_OK(file);
    CHECK_FALSE((*file)->backend().empty());
    const uint64_t base = backend == WriteBackend::kPwrite ? 0 : 4096;
    REQUIRE_OK((*file)->WriteAt(base + 10, AsBytes("record-one")));
    REQUIRE_OK((*file)->WriteAtAndSync(base + 4000, AsBytes("across a page")));
    REQUIRE_OK((*file)->Sync());
    CHECK(Get((*region)->bytes(), base + 10, 10) == "record-one");
    CHECK(Get((*region)->bytes(), base + 4000, 13) == "across a page");
  }
  CHECK_THAT(env.fs->OpenWritable(env.root / "missing", WriteBackend::kPwrite)
                 .status(),
             StatusIs(Code::kNotFound));
}

}  // namespace
}  // namespace rmq
