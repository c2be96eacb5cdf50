#pragma once
// MappedRegion over mmap(MAP_SHARED) of a file whose descriptor it keeps open,
// so Allocate and ZeroRange can act on the file behind the mapping.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

#include "absl/status/statusor.h"
#include "io/unique_fd.h"
#include "rmq/io/file_system.h"

namespace rmq {

// Thread-safe (every method is a stateless syscall on the fixed mapping).
class PosixMappedRegion final : public MappedRegion {
 public:
  // Maps all `size` bytes of `fd`, which must be at least that long. Without
  // `keep_fd` the descriptor is closed once mapped and reopened on demand.
  static absl::StatusOr<std::unique_ptr<MappedRegion>> Create(
      std::filesystem::path path, UniqueFd fd, uint64_t size, bool writable,
      bool keep_fd = true);
  // Use Create(); the key keeps the constructor private in practice while
  // letting std::make_unique call it.
  class Key {
    friend class PosixMappedRegion;
    Key() = default;
  };
  PosixMappedRegion(Key, std::filesystem::path path, UniqueFd fd,
                    std::byte* base, uint64_t size, bool writable);
  ~PosixMappedRegion() override;
  PosixMappedRegion(const PosixMappedRegion&) = delete;
  PosixMappedRegion& operator=(const PosixMappedRegion&) = delete;

  const std::filesystem::path& path() const override { return path_; }
  uint64_t size() const override { return size_; }
  bool writable() const override { return writable_; }
  std::span<std::byte> bytes() override { return {base_, size_}; }

  absl::Status Sync(uint64_t offset, uint64_t length) override;
  absl::Status Allocate(uint64_t offset, uint64_t length) override;
  absl::Status AllocateZeroed(uint64_t offset, uint64_t length) override;
  absl::Status ZeroRange(uint64_t offset, uint64_t length) override;
  absl::Status Discard(uint64_t offset, uint64_t length) override;
  absl::Status Prefault(uint64_t offset, uint64_t length,
                        FaultIn mode) override;
  absl::Status AdviseCold(uint64_t offset, uint64_t length) override;

 private:
  absl::Status RequireWritable(std::string_view op) const;
  // [offset, offset+length) widened to whole pages, as msync/madvise require.
  std::span<std::byte> PageRange(uint64_t offset, uint64_t length) const;
  // fallocate(mode) over the range, or memset to zeros where the file system
  // does not support `mode`.
  absl::Status FallocateZeros(int mode, std::string_view op, uint64_t offset,
                              uint64_t length);
  // Drops this process's mappings of the whole pages in the range before
  // they are written back (the page cache keeps them and their data).
  void UnmapWholePages(uint64_t offset, uint64_t length);
  // madvise with EINTR retry; returns the errno (0 on success).
  int Madvise(std::span<std::byte> range, int advice) const;
  // The kept descriptor, or a freshly opened one (owned by `owned`).
  struct FdRef {
    int raw;
    UniqueFd owned;
    int get() const { return raw; }
  };
  absl::StatusOr<FdRef> Fd() const;

  const std::filesystem::path path_;
  const UniqueFd fd_;  // invalid when not kept
  std::byte* const base_;
  const uint64_t size_;
  const bool writable_;
  const uint64_t page_size_;
};

}  // namespace rmq
