#pragma once
// WritableFile over pwrite(2) + fdatasync(2): the portable backend, and the
// fallback when io_uring is unavailable.

#include <filesystem>
#include <memory>

#include "io/unique_fd.h"
#include "rmq/io/file_system.h"

namespace rmq {

// Thread-compatible: one writer at a time.
class PwriteFile final : public WritableFile {
 public:
  PwriteFile(std::filesystem::path path, UniqueFd fd);
  PwriteFile(const PwriteFile&) = delete;
  PwriteFile& operator=(const PwriteFile&) = delete;

  absl::Status WriteAt(uint64_t offset,
                       std::span<const std::byte> data) override;
  absl::Status WriteAtAndSync(uint64_t offset,
                              std::span<const std::byte> data) override;
  absl::Status Sync() override;
  std::string_view backend() const override { return "pwrite"; }

 private:
  const std::filesystem::path path_;
  const UniqueFd fd_;
};

}  // namespace rmq
