#include "io/pwrite_file.h"

#include <utility>

#include "base/status_macros.h"
#include "io/posix_io.h"

namespace rmq {

PwriteFile::PwriteFile(std::filesystem::path path, UniqueFd fd)
    : path_(std::move(path)), fd_(std::move(fd)) {}

absl::Status PwriteFile::WriteAt(uint64_t offset,
                                 std::span<const std::byte> data) {
  return PwriteFully(fd_.get(), path_, offset, data);
}

absl::Status PwriteFile::WriteAtAndSync(uint64_t offset,
                                        std::span<const std::byte> data) {
  RMQ_RETURN_IF_ERROR(WriteAt(offset, data));
  return Sync();
}

absl::Status PwriteFile::Sync() { return Fdatasync(fd_.get(), path_); }

}  // namespace rmq
