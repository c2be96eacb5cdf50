#pragma once
// One commit-log segment: a fixed-size file named by its 20-digit start offset
// ("fileFromOffset"), fully allocated and mapped (RocketMQ's MappedFile without
// the message semantics). Positions are relative to the file start:
//   flushed <= wrote <= size
// `wrote` is what has been appended; `flushed` what is known to be synced.
//
// Lifetime: shared_ptr. Readers hold a pin (a shared_ptr copy) while they use
// a view; deleting a segment unlinks the file at once and unmaps it when the
// last pin drops.
// Thread-safety: positions are atomics; bytes are written by the single
// appender (append lock) and read by anyone below `wrote`.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

#include "rmq/io/file_system.h"

namespace rmq {

class MappedFile {
 public:
  MappedFile(std::unique_ptr<MappedRegion> region, int64_t from);
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  int64_t from() const { return from_; }
  int64_t size() const { return size_; }
  int64_t end() const { return from_ + size_; }
  const std::filesystem::path& path() const { return region_->path(); }
  MappedRegion& region() { return *region_; }

  std::span<std::byte> bytes() { return region_->bytes(); }
  std::span<const std::byte> View(int64_t pos, int64_t length) const {
    return std::span<const std::byte>(region_->bytes()).subspan(pos, length);
  }

  int64_t wrote() const { return wrote_.load(std::memory_order_acquire); }
  void set_wrote(int64_t pos) { wrote_.store(pos, std::memory_order_release); }
  int64_t flushed() const { return flushed_.load(std::memory_order_acquire); }
  void set_flushed(int64_t pos) {
    flushed_.store(pos, std::memory_order_release);
  }
  bool IsFull() const { return wrote() == size_; }
  int64_t free_space() const { return size_ - wrote(); }

 private:
  const std::unique_ptr<MappedRegion> region_;
  const int64_t from_;
  const int64_t size_;
  std::atomic<int64_t> wrote_{0};
  std::atomic<int64_t> flushed_{0};
};

}  // namespace rmq
