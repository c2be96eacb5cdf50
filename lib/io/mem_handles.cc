// MemFileSystem's handles: mapped regions, writable files and locks, and the
// MemFs operations behind them.

#include <errno.h>

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "io/errno_status.h"
#include "io/mem_file_system_impl.h"
#include "io/posix_io.h"

namespace rmq {
namespace {

// bytes() is the file's live buffer itself, so writes through it are seen by
// every other mapping and by ReadFile, exactly like MAP_SHARED.
class MemRegion final : public MappedRegion {
 public:
  MemRegion(std::shared_ptr<MemFs> fs, std::shared_ptr<MemNode> file,
            std::filesystem::path path, bool writable,
            std::span<std::byte> bytes)
      : fs_(std::move(fs)),
        file_(std::move(file)),
        path_(std::move(path)),
        writable_(writable),
        bytes_(bytes) {}
  ~MemRegion() override { fs_->CloseMapping(*file_); }
  MemRegion(const MemRegion&) = delete;
  MemRegion& operator=(const MemRegion&) = delete;

  const std::filesystem::path& path() const override { return path_; }
  uint64_t size() const override { return bytes_.size(); }
  bool writable() const override { return writable_; }
  std::span<std::byte> bytes() override { return bytes_; }

  absl::Status Sync(uint64_t offset, uint64_t length) override {
    RMQ_RETURN_IF_ERROR(CheckRange(path_, "msync", offset, length, size()));
    return fs_->SyncRange(*file_, path_, offset, length);
  }
  absl::Status Allocate(uint64_t offset, uint64_t length) override {
    RMQ_RETURN_IF_ERROR(Check("posix_fallocate", offset, length));
    return fs_->AllocateRange(*file_, path_, offset, length);
  }
  absl::Status AllocateZeroed(uint64_t offset, uint64_t length) override {
    // Really writes the zeros, as pwrite does, so a caller that points it at
    // written data destroys it here too and tests see it.
    RMQ_RETURN_IF_ERROR(Check("pwrite zeros", offset, length));
    RMQ_RETURN_IF_ERROR(fs_->AllocateRange(*file_, path_, offset, length));
    if (length > 0) std::memset(bytes_.data() + offset, 0, length);
    return absl::OkStatus();
  }
  absl::Status ZeroRange(uint64_t offset, uint64_t length) override {
    RMQ_RETURN_IF_ERROR(Check("zero range", offset, length));
    if (length > 0) std::memset(bytes_.data() + offset, 0, length);
    return absl::OkStatus();
  }
  absl::Status Discard(uint64_t offset, uint64_t length) override {
    RMQ_RETURN_IF_ERROR(Check("fallocate(PUNCH_HOLE)", offset, length));
    fs_->DiscardRange(*file_, offset, length);
    return absl::OkStatus();
  }
  absl::Status Prefault(uint64_t offset, uint64_t length, FaultIn) override {
    return CheckRange(path_, "prefault", offset, length, size());
  }
  absl::Status AdviseCold(uint64_t offset, uint64_t length) override {
    return CheckRange(path_, "advise cold", offset, length, size());
  }

 private:
  // Writable, and the range lies within the file.
  absl::Status Check(std::string_view op, uint64_t offset,
                     uint64_t length) const {
    if (!writable_) {
      return absl::FailedPreconditionError(absl::StrCat(
          path_.native(), ": ", AsAbsl(op), ": region is mapped read-only"));
    }
    return CheckRange(path_, op, offset, length, bytes_.size());
  }

  const std::shared_ptr<MemFs> fs_;
  const std::shared_ptr<MemNode> file_;
  const std::filesystem::path path_;
  const bool writable_;
  const std::span<std::byte> bytes_;
};

class MemWritableFile final : public WritableFile {
 public:
  MemWritableFile(std::shared_ptr<MemFs> fs, std::shared_ptr<MemNode> file,
                  std::filesystem::path path)
      : fs_(std::move(fs)), file_(std::move(file)), path_(std::move(path)) {}
  ~MemWritableFile() override { fs_->CloseWritable(); }
  MemWritableFile(const MemWritableFile&) = delete;
  MemWritableFile& operator=(const MemWritableFile&) = delete;

  absl::Status WriteAt(uint64_t offset,
                       std::span<const std::byte> data) override {
    return fs_->WriteAt(*file_, path_, offset, data);
  }
  absl::Status WriteAtAndSync(uint64_t offset,
                              std::span<const std::byte> data) override {
    RMQ_RETURN_IF_ERROR(WriteAt(offset, data));
    return Sync();
  }
  absl::Status Sync() override {
    fs_->SyncWholeFile(*file_);
    return absl::OkStatus();
  }
  std::string_view backend() const override { return "memory"; }

 private:
  const std::shared_ptr<MemFs> fs_;
  const std::shared_ptr<MemNode> file_;
  const std::filesystem::path path_;
};

class MemFileLock final : public FileLock {
 public:
  MemFileLock(std::shared_ptr<MemFs> fs, std::string key)
      : fs_(std::move(fs)), key_(std::move(key)) {}
  ~MemFileLock() override { fs_->Unlock(key_); }
  MemFileLock(const MemFileLock&) = delete;
  MemFileLock& operator=(const MemFileLock&) = delete;

 private:
  const std::shared_ptr<MemFs> fs_;
  const std::string key_;
};

}  // namespace

std::unique_ptr<MappedRegion> NewMemRegion(std::shared_ptr<MemFs> fs,
                                           std::shared_ptr<MemNode> file,
                                           std::filesystem::path path,
                                           bool writable) {
  // The caller holds the lock and counted the mapping, so `live` cannot be
  // reallocated from here on.
  const std::span<std::byte> bytes = file->live.bytes();
  return std::make_unique<MemRegion>(std::move(fs), std::move(file),
                                     std::move(path), writable, bytes);
}

std::unique_ptr<WritableFile> NewMemWritableFile(std::shared_ptr<MemFs> fs,
                                                 std::shared_ptr<MemNode> file,
                                                 std::filesystem::path path) {
  return std::make_unique<MemWritableFile>(std::move(fs), std::move(file),
                                           std::move(path));
}

std::unique_ptr<FileLock> NewMemFileLock(std::shared_ptr<MemFs> fs,
                                         std::string key) {
  return std::make_unique<MemFileLock>(std::move(fs), std::move(key));
}

void MemFs::MakeDurable(MemNode& file, uint64_t offset, uint64_t length) {
  if (file.durable.size() != file.live.size()) {
    file.durable = file.durable.Resized(file.live.size());
  }
  if (length > 0) {
    std::memcpy(file.durable.bytes().data() + offset,
                file.live.bytes().data() + offset, length);
  }
}

absl::Status MemFs::SyncRange(MemNode& file, const std::filesystem::path&,
                              uint64_t offset, uint64_t length) {
  absl::MutexLock lock(&mu_);
  MakeDurable(file, offset, length);
  file.mtime_ms = MemNowMs();  // msync updates the modification time too
  return absl::OkStatus();
}

absl::Status MemFs::AllocateRange(MemNode& file,
                                  const std::filesystem::path& path,
                                  uint64_t offset, uint64_t length) {
  absl::MutexLock lock(&mu_);
  if (file.links > 0) {
    RMQ_RETURN_IF_ERROR(
        Reserve(path, absl::StrCat("posix_fallocate @ ", offset, "+", length),
                file.allocated.CountMissing(offset, length)));
  }
  file.allocated.Add(offset, length);
  return absl::OkStatus();
}

void MemFs::DiscardRange(MemNode& file, uint64_t offset, uint64_t length) {
  absl::MutexLock lock(&mu_);
  if (length > 0) std::memset(file.live.bytes().data() + offset, 0, length);
  const uint64_t freed = file.allocated.Remove(offset, length);
  if (file.links > 0) allocated_ -= freed;
}

absl::Status MemFs::WriteAtLocked(MemNode& file,
                                  const std::filesystem::path& path,
                                  uint64_t offset,
                                  std::span<const std::byte> data) {
  const std::string op = absl::StrCat("pwrite @ ", offset);
  if (offset > UINT64_MAX - data.size()) {
    return ErrnoToStatus(EFBIG, path, op);
  }
  const uint64_t end = offset + data.size();
  if (end > file.live.size() && file.mappings > 0) {
    // A mapping's bytes() must stay valid, so the buffer cannot move.
    return absl::FailedPreconditionError(absl::StrCat(
        path.native(), ": ", op, ": cannot extend a file that is mapped"));
  }
  if (file.links > 0) {
    RMQ_RETURN_IF_ERROR(
        Reserve(path, op, file.allocated.CountMissing(offset, data.size())));
  }
  file.allocated.Add(offset, data.size());
  if (end > file.live.size()) file.live = file.live.Resized(end);
  if (!data.empty()) {
    std::memcpy(file.live.bytes().data() + offset, data.data(), data.size());
  }
  file.mtime_ms = MemNowMs();
  return absl::OkStatus();
}

absl::Status MemFs::WriteAt(MemNode& file, const std::filesystem::path& path,
                            uint64_t offset, std::span<const std::byte> data) {
  absl::MutexLock lock(&mu_);
  return WriteAtLocked(file, path, offset, data);
}

void MemFs::SyncWholeFile(MemNode& file) {
  absl::MutexLock lock(&mu_);
  file.durable.CopyFrom(file.live);
}

void MemFs::CloseMapping(MemNode& file) {
  absl::MutexLock lock(&mu_);
  --file.mappings;
  --live_mappings_;
}

void MemFs::CloseWritable() {
  absl::MutexLock lock(&mu_);
  --live_writables_;
}

void MemFs::Unlock(const std::string& key) {
  absl::MutexLock lock(&mu_);
  locks_.erase(key);
}

}  // namespace rmq
