#include "support/fault_injection_file_system.h"

#include <array>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/status_macros.h"

namespace rmq::testing {

using Op = FaultInjectionFileSystem::Op;

class FaultControls {
 public:
  void FailNext(Op op, absl::Status error) {
    absl::MutexLock lock(&mu_);
    ops_[Index(op)].next = std::move(error);
  }
  void FailAfter(Op op, int n, absl::Status error) {
    absl::MutexLock lock(&mu_);
    ops_[Index(op)].after = Failure{n, std::move(error)};
  }
  void ShortWriteNext() {
    absl::MutexLock lock(&mu_);
    short_write_next_ = true;
  }
  void Clear() {
    absl::MutexLock lock(&mu_);
    for (OpState& state : ops_) {
      state.next.reset();
      state.after.reset();
    }
    short_write_next_ = false;
  }
  int Calls(Op op) const {
    absl::MutexLock lock(&mu_);
    return ops_[Index(op)].calls;
  }
  bool AwaitCalls(Op op, int n, absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    auto reached = [this, op, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return ops_[Index(op)].calls >= n;
    };
    // Consume's unlock re-evaluates the condition: no polling.
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }

  // Counts a call of `op`; returns the error to inject, or OK.
  absl::Status Consume(Op op) {
    absl::MutexLock lock(&mu_);
    OpState& state = ops_[Index(op)];
    ++state.calls;
    absl::Status result;
    if (state.after.has_value()) {
      if (state.after->remaining == 0) {
        result = state.after->error;
      } else {
        --state.after->remaining;
      }
    }
    if (state.next.has_value()) {
      result = *std::move(state.next);
      state.next.reset();
    }
    return result;
  }
  void NotePrefault(const std::filesystem::path& path) {
    absl::MutexLock lock(&mu_);
    prefaulted_.insert(path.string());
  }
  bool AwaitPrefault(const std::filesystem::path& path,
                     absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    const std::string name = path.string();
    auto reached = [this, &name]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return prefaulted_.contains(name);
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }
  // Whether this write is to be cut short (consumes the request).
  bool ConsumeShortWrite() {
    absl::MutexLock lock(&mu_);
    return std::exchange(short_write_next_, false);
  }

 private:
  struct Failure {
    int remaining = 0;  // calls still allowed to succeed
    absl::Status error;
  };
  struct OpState {
    int calls = 0;
    std::optional<absl::Status> next;
    std::optional<Failure> after;
  };
  static size_t Index(Op op) { return static_cast<size_t>(op); }

  mutable absl::Mutex mu_;
  std::array<OpState, FaultInjectionFileSystem::kOpCount> ops_
      ABSL_GUARDED_BY(mu_);
  bool short_write_next_ ABSL_GUARDED_BY(mu_) = false;
  std::set<std::string> prefaulted_ ABSL_GUARDED_BY(mu_);  // kWritable
};

namespace {

class FaultRegion final : public MappedRegion {
 public:
  FaultRegion(std::unique_ptr<MappedRegion> base,
              std::shared_ptr<FaultControls> controls)
      : base_(std::move(base)), controls_(std::move(controls)) {}
  FaultRegion(const FaultRegion&) = delete;
  FaultRegion& operator=(const FaultRegion&) = delete;

  const std::filesystem::path& path() const override { return base_->path(); }
  uint64_t size() const override { return base_->size(); }
  bool writable() const override { return base_->writable(); }
  std::span<std::byte> bytes() override { return base_->bytes(); }

  absl::Status Sync(uint64_t offset, uint64_t length) override {
    RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kSync));
    return base_->Sync(offset, length);
  }
  absl::Status Allocate(uint64_t offset, uint64_t length) override {
    RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kAllocate));
    return base_->Allocate(offset, length);
  }
  absl::Status AllocateZeroed(uint64_t offset, uint64_t length) override {
    RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kAllocate));
    return base_->AllocateZeroed(offset, length);
  }
  absl::Status ZeroRange(uint64_t offset, uint64_t length) override {
    return base_->ZeroRange(offset, length);
  }
  absl::Status Discard(uint64_t offset, uint64_t length) override {
    return base_->Discard(offset, length);
  }
  absl::Status Prefault(uint64_t offset, uint64_t length,
                        FaultIn mode) override {
    RMQ_RETURN_IF_ERROR(controls_->Consume(
        mode == FaultIn::kWritable ? Op::kPrefault : Op::kPreload));
    absl::Status status = base_->Prefault(offset, length, mode);
    if (status.ok() && mode == FaultIn::kWritable) {
      controls_->NotePrefault(path());
    }
    return status;
  }
  absl::Status AdviseCold(uint64_t offset, uint64_t length) override {
    return base_->AdviseCold(offset, length);
  }

 private:
  const std::unique_ptr<MappedRegion> base_;
  const std::shared_ptr<FaultControls> controls_;
};

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(std::unique_ptr<WritableFile> base,
                    std::shared_ptr<FaultControls> controls,
                    std::filesystem::path path)
      : base_(std::move(base)),
        controls_(std::move(controls)),
        path_(std::move(path)) {}
  FaultWritableFile(const FaultWritableFile&) = delete;
  FaultWritableFile& operator=(const FaultWritableFile&) = delete;

  absl::Status WriteAt(uint64_t offset,
                       std::span<const std::byte> data) override {
    RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kWrite));
    if (controls_->ConsumeShortWrite()) return ShortWrite(offset, data);
    return base_->WriteAt(offset, data);
  }
  absl::Status WriteAtAndSync(uint64_t offset,
                              std::span<const std::byte> data) override {
    RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kWrite));
    if (controls_->ConsumeShortWrite()) return ShortWrite(offset, data);
    const absl::Status sync_error = controls_->Consume(Op::kSync);
    if (sync_error.ok()) return base_->WriteAtAndSync(offset, data);
    // The data reached the file; its sync did not.
    RMQ_RETURN_IF_ERROR(base_->WriteAt(offset, data));
    return sync_error;
  }
  absl::Status Sync() override {
    RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kSync));
    return base_->Sync();
  }
  std::string_view backend() const override { return base_->backend(); }

 private:
  absl::Status ShortWrite(uint64_t offset, std::span<const std::byte> data) {
    const size_t half = data.size() / 2;
    RMQ_RETURN_IF_ERROR(base_->WriteAt(offset, data.first(half)));
    return absl::InternalError(absl::StrCat(
        path_.native(), ": pwrite @ ", offset, ": short write: wrote ", half,
        " of ", data.size(), " bytes (injected)"));
  }

  const std::unique_ptr<WritableFile> base_;
  const std::shared_ptr<FaultControls> controls_;
  const std::filesystem::path path_;
};

}  // namespace

FaultInjectionFileSystem::FaultInjectionFileSystem(
    std::shared_ptr<FileSystem> base)
    : base_(std::move(base)), controls_(std::make_shared<FaultControls>()) {}

void FaultInjectionFileSystem::FailNext(Op op, absl::Status error) {
  controls_->FailNext(op, std::move(error));
}
void FaultInjectionFileSystem::FailAfter(Op op, int n, absl::Status error) {
  controls_->FailAfter(op, n, std::move(error));
}
void FaultInjectionFileSystem::ShortWriteNext() { controls_->ShortWriteNext(); }
void FaultInjectionFileSystem::Clear() { controls_->Clear(); }
int FaultInjectionFileSystem::Calls(Op op) const {
  return controls_->Calls(op);
}

bool FaultInjectionFileSystem::AwaitCalls(Op op, int n,
                                          absl::Duration timeout) const {
  return controls_->AwaitCalls(op, n, timeout);
}

bool FaultInjectionFileSystem::AwaitPrefault(const std::filesystem::path& path,
                                             absl::Duration timeout) const {
  return controls_->AwaitPrefault(path, timeout);
}

absl::StatusOr<std::unique_ptr<MappedRegion>> FaultInjectionFileSystem::Map(
    const std::filesystem::path& path, const MapOptions& options) {
  RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kMap));
  RMQ_ASSIGN_OR_RETURN(std::unique_ptr<MappedRegion> region,
                       base_->Map(path, options));
  return std::make_unique<FaultRegion>(std::move(region), controls_);
}

absl::StatusOr<std::unique_ptr<WritableFile>>
FaultInjectionFileSystem::OpenWritable(const std::filesystem::path& path,
                                       WriteBackend backend) {
  RMQ_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                       base_->OpenWritable(path, backend));
  return std::make_unique<FaultWritableFile>(std::move(file), controls_, path);
}

absl::StatusOr<std::string> FaultInjectionFileSystem::ReadFile(
    const std::filesystem::path& path) {
  return base_->ReadFile(path);
}

absl::Status FaultInjectionFileSystem::WriteFile(
    const std::filesystem::path& path, std::string_view data) {
  RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kWriteFile));
  return base_->WriteFile(path, data);
}

absl::StatusOr<std::vector<std::string>> FaultInjectionFileSystem::List(
    const std::filesystem::path& dir) {
  RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kList));
  return base_->List(dir);
}

absl::StatusOr<uint64_t> FaultInjectionFileSystem::FileSize(
    const std::filesystem::path& path) {
  return base_->FileSize(path);
}

absl::StatusOr<int64_t> FaultInjectionFileSystem::ModifiedTimeMs(
    const std::filesystem::path& path) {
  return base_->ModifiedTimeMs(path);
}

bool FaultInjectionFileSystem::Exists(const std::filesystem::path& path) {
  return base_->Exists(path);
}

bool FaultInjectionFileSystem::IsDirectory(const std::filesystem::path& path) {
  return base_->IsDirectory(path);
}

absl::Status FaultInjectionFileSystem::CreateDirs(
    const std::filesystem::path& dir) {
  RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kCreateDirs));
  return base_->CreateDirs(dir);
}

absl::Status FaultInjectionFileSystem::CreateDirsNoSync(
    const std::filesystem::path& dir) {
  RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kCreateDirs));
  return base_->CreateDirsNoSync(dir);
}

absl::Status FaultInjectionFileSystem::Rename(const std::filesystem::path& from,
                                              const std::filesystem::path& to) {
  RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kRename));
  return base_->Rename(from, to);
}

absl::Status FaultInjectionFileSystem::Remove(
    const std::filesystem::path& path) {
  RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kRemove));
  return base_->Remove(path);
}

absl::Status FaultInjectionFileSystem::SyncDir(
    const std::filesystem::path& dir) {
  RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kSyncDir));
  return base_->SyncDir(dir);
}

absl::Status FaultInjectionFileSystem::SyncFileSystem(
    const std::filesystem::path& path) {
  RMQ_RETURN_IF_ERROR(controls_->Consume(Op::kSyncDir));
  return base_->SyncFileSystem(path);
}

absl::StatusOr<DiskUsage> FaultInjectionFileSystem::Usage(
    const std::filesystem::path& path) {
  return base_->Usage(path);
}

absl::StatusOr<std::unique_ptr<FileLock>> FaultInjectionFileSystem::Lock(
    const std::filesystem::path& path) {
  return base_->Lock(path);
}

}  // namespace rmq::testing
