#include "io/posix_mapped_region.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "io/errno_status.h"
#include "io/posix_io.h"

// Older libc headers lack these; the kernel (5.14+) knows them.
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif

namespace rmq {

absl::StatusOr<std::unique_ptr<MappedRegion>> PosixMappedRegion::Create(
    std::filesystem::path path, UniqueFd fd, uint64_t size, bool writable,
    bool keep_fd) {
  const int prot = PROT_READ | (writable ? PROT_WRITE : 0);
  void* base = ::mmap(nullptr, size, prot, MAP_SHARED, fd.get(), 0);
  if (base == MAP_FAILED) return ErrnoToStatus(errno, path, "mmap");
  if (!keep_fd) fd = UniqueFd();  // the mapping keeps the file alive
  return std::make_unique<PosixMappedRegion>(
      Key(), std::move(path), std::move(fd), static_cast<std::byte*>(base),
      size, writable);
}

PosixMappedRegion::PosixMappedRegion(Key, std::filesystem::path path,
                                     UniqueFd fd, std::byte* base,
                                     uint64_t size, bool writable)
    : path_(std::move(path)),
      fd_(std::move(fd)),
      base_(base),
      size_(size),
      writable_(writable),
      page_size_(static_cast<uint64_t>(::sysconf(_SC_PAGESIZE))) {}

PosixMappedRegion::~PosixMappedRegion() { ::munmap(base_, size_); }

absl::Status PosixMappedRegion::RequireWritable(std::string_view op) const {
  if (writable_) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      path_.native(), ": ", AsAbsl(op), ": region is mapped read-only"));
}

std::span<std::byte> PosixMappedRegion::PageRange(uint64_t offset,
                                                  uint64_t length) const {
  const uint64_t begin = offset / page_size_ * page_size_;
  return {base_ + begin, offset + length - begin};
}

int PosixMappedRegion::Madvise(std::span<std::byte> range, int advice) const {
  while (::madvise(range.data(), range.size(), advice) != 0) {
    if (errno != EINTR && errno != EAGAIN) return errno;
  }
  return 0;
}

absl::Status PosixMappedRegion::Sync(uint64_t offset, uint64_t length) {
  RMQ_RETURN_IF_ERROR(CheckRange(path_, "msync", offset, length, size_));
  if (length == 0) return absl::OkStatus();
  const std::span<std::byte> range = PageRange(offset, length);
  if (writable_) UnmapWholePages(offset, length);
  // MS_SYNC writes the dirty pages of the range and then runs a data-only
  // fsync of that range of the file (vfs_fsync_range with datasync).
  if (::msync(range.data(), range.size(), MS_SYNC) != 0) {
    return ErrnoToStatus(errno, path_,
                         absl::StrCat("msync @ ", offset, "+", length));
  }
  return absl::OkStatus();
}

// Writeback write-protects every dirty page that is mapped writable, and
// for each page that is one TLB-shootdown IPI to every other CPU running
// this process: ~250,000 a second at 1 GB/s of appends, and in a VM each
// one exits to the host. perf, 4 GB of 1 KiB appends: the flusher's msync
// spent 0.47 s sending them (smp_call_function_many_cond, native_write_msr).
// A page with no mapping needs none. MADV_DONTNEED on a shared file mapping
// moves the page tables' dirty bits to the page cache, which keeps the
// pages, and flushes the TLB once for the range; the next access maps the
// page again (a minor fault). Whole pages only: the partial page at the end
// is where the writer still is. In 4 MiB steps, so that no call holds the
// mapping's lock for long (a flush may cover a second of appends). Best
// effort: msync writes the dirty pages either way.
void PosixMappedRegion::UnmapWholePages(uint64_t offset, uint64_t length) {
  constexpr uint64_t kStep = uint64_t{4} << 20;
  const uint64_t end = (offset + length) / page_size_ * page_size_;
  uint64_t begin = (offset + page_size_ - 1) / page_size_ * page_size_;
  while (begin < end) {
    const uint64_t step = std::min(kStep, end - begin);
    Madvise({base_ + begin, step}, MADV_DONTNEED);
    begin += step;
  }
}

absl::Status PosixMappedRegion::Allocate(uint64_t offset, uint64_t length) {
  RMQ_RETURN_IF_ERROR(RequireWritable("posix_fallocate"));
  RMQ_RETURN_IF_ERROR(
      CheckRange(path_, "posix_fallocate", offset, length, size_));
  RMQ_ASSIGN_OR_RETURN(FdRef fd, Fd());
  return PosixFallocate(fd.get(), path_, offset, length);
}

absl::Status PosixMappedRegion::AllocateZeroed(uint64_t offset,
                                               uint64_t length) {
  RMQ_RETURN_IF_ERROR(RequireWritable("pwrite zeros"));
  RMQ_RETURN_IF_ERROR(CheckRange(path_, "pwrite zeros", offset, length, size_));
  RMQ_ASSIGN_OR_RETURN(FdRef fd, Fd());
  static const std::vector<char> kZeros(64 * 1024, 0);
  uint64_t done = 0;
  while (done < length) {
    const size_t chunk =
        static_cast<size_t>(std::min<uint64_t>(length - done, kZeros.size()));
    const ssize_t n = ::pwrite(fd.get(), kZeros.data(), chunk,
                               static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return ErrnoToStatus(errno, path_,
                           absl::StrCat("pwrite zeros @ ", offset + done));
    }
    done += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<PosixMappedRegion::FdRef> PosixMappedRegion::Fd() const {
  if (fd_.valid()) return FdRef{fd_.get(), UniqueFd()};
  RMQ_ASSIGN_OR_RETURN(UniqueFd reopened, OpenFd(path_, O_RDWR));
  const int raw = reopened.get();
  return FdRef{raw, std::move(reopened)};
}

absl::Status PosixMappedRegion::FallocateZeros(int mode, std::string_view op,
                                               uint64_t offset,
                                               uint64_t length) {
  RMQ_RETURN_IF_ERROR(RequireWritable(op));
  RMQ_RETURN_IF_ERROR(CheckRange(path_, op, offset, length, size_));
  if (length == 0) return absl::OkStatus();
  RMQ_ASSIGN_OR_RETURN(FdRef fd, Fd());
  int rc;
  do {
    rc = ::fallocate(fd.get(), mode | FALLOC_FL_KEEP_SIZE,
                     static_cast<off_t>(offset), static_cast<off_t>(length));
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) return absl::OkStatus();
  if (errno != EOPNOTSUPP && errno != ENOSYS) {
    return ErrnoToStatus(errno, path_,
                         absl::StrCat(AsAbsl(op), " @ ", offset, "+", length));
  }
  // Some file systems (tmpfs has no ZERO_RANGE) cannot: zero through the
  // mapping instead, which needs the range to be allocated already.
  std::memset(base_ + offset, 0, length);
  return absl::OkStatus();
}

absl::Status PosixMappedRegion::ZeroRange(uint64_t offset, uint64_t length) {
  // ZERO_RANGE turns the blocks into unwritten extents without freeing them
  // (a later write through the mapping still cannot SIGBUS) and drops the
  // page-cache copies, so no dirty pages have to be written back.
  return FallocateZeros(FALLOC_FL_ZERO_RANGE, "fallocate(ZERO_RANGE)", offset,
                        length);
}

absl::Status PosixMappedRegion::Discard(uint64_t offset, uint64_t length) {
  // The blocks are freed: the caller must Allocate the range again before
  // writing it through the mapping.
  return FallocateZeros(FALLOC_FL_PUNCH_HOLE, "fallocate(PUNCH_HOLE)", offset,
                        length);
}

absl::Status PosixMappedRegion::Prefault(uint64_t offset, uint64_t length,
                                         FaultIn mode) {
  RMQ_RETURN_IF_ERROR(CheckRange(path_, "prefault", offset, length, size_));
  if (length == 0) return absl::OkStatus();
  const std::span<std::byte> range = PageRange(offset, length);
  int err = EINVAL;
  if (writable_ && mode == FaultIn::kWritable) {
    err = Madvise(range, MADV_POPULATE_WRITE);
  }
  if (err == EINVAL) err = Madvise(range, MADV_POPULATE_READ);
  // EINVAL: a kernel older than 5.14 has neither advice; prefaulting is an
  // optimization, so that is not an error.
  if (err == 0 || err == EINVAL) return absl::OkStatus();
  return ErrnoToStatus(
      err, path_, absl::StrCat("madvise(POPULATE) @ ", offset, "+", length));
}

absl::Status PosixMappedRegion::AdviseCold(uint64_t offset, uint64_t length) {
  RMQ_RETURN_IF_ERROR(CheckRange(path_, "advise cold", offset, length, size_));
  if (length == 0) return absl::OkStatus();
  // Best effort by contract: MADV_COLD is only a hint (and absent before 5.4).
  Madvise(PageRange(offset, length), MADV_COLD);
  return absl::OkStatus();
}

}  // namespace rmq
