#include "commitlog/write_buffer.h"

#include <algorithm>
#include <cstring>

namespace rmq {

WriteBuffer::WriteBuffer(int64_t capacity)
    : capacity_(capacity), ring_(static_cast<size_t>(capacity)) {}

bool WriteBuffer::WaitForSpace(int64_t offset, int64_t length) {
  absl::MutexLock lock(&mu_);
  if (released_ < 0) released_ = offset;  // the first append sets the origin
  auto ready = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return aborted_ || offset + length - released_ <= capacity_;
  };
  mu_.Await(absl::Condition(&ready));
  return !aborted_;
}

void WriteBuffer::Write(int64_t offset, std::span<const std::byte> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const int64_t pos = (offset + static_cast<int64_t>(done)) % capacity_;
    const size_t n =
        std::min(bytes.size() - done, static_cast<size_t>(capacity_ - pos));
    std::memcpy(ring_.data() + pos, bytes.data() + done, n);
    done += n;
  }
}

void WriteBuffer::Zero(int64_t offset, int64_t length) {
  int64_t done = 0;
  while (done < length) {
    const int64_t pos = (offset + done) % capacity_;
    const int64_t n = std::min(length - done, capacity_ - pos);
    std::memset(ring_.data() + pos, 0, static_cast<size_t>(n));
    done += n;
  }
}

std::vector<std::span<const std::byte>> WriteBuffer::Pieces(int64_t from,
                                                            int64_t to) const {
  std::vector<std::span<const std::byte>> pieces;
  while (from < to) {
    const int64_t pos = from % capacity_;
    const int64_t n = std::min(to - from, capacity_ - pos);
    pieces.emplace_back(ring_.data() + pos, static_cast<size_t>(n));
    from += n;
  }
  return pieces;
}

void WriteBuffer::Release(int64_t offset) {
  absl::MutexLock lock(&mu_);
  released_ = std::max(released_, offset);
}

void WriteBuffer::Abort() {
  absl::MutexLock lock(&mu_);
  aborted_ = true;
}

}  // namespace rmq
