#include "io/uring_file.h"

#include <errno.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "io/errno_status.h"

namespace rmq {
namespace {

// Two entries suffice (WRITE linked to FSYNC); a little slack costs nothing.
constexpr unsigned kRingDepth = 4;
// One submission never asks for more than 1 GiB (the kernel caps a single
// write just under 2 GiB anyway); longer writes are continued.
constexpr uint64_t kMaxChunk = uint64_t{1} << 30;
constexpr uint64_t kWriteTag = 0;
constexpr uint64_t kSyncTag = 1;

struct ProbeDeleter {
  void operator()(io_uring_probe* probe) const { io_uring_free_probe(probe); }
};

absl::Status ProbeIoUring() {
  io_uring ring;
  const int rc = io_uring_queue_init(kRingDepth, &ring, 0);
  if (rc < 0) return ErrnoToStatus(-rc, "io_uring", "io_uring_queue_init");
  absl::Status status;
  std::unique_ptr<io_uring_probe, ProbeDeleter> probe(
      io_uring_get_probe_ring(&ring));
  if (probe == nullptr) {
    status = absl::UnavailableError(
        "io_uring: io_uring_get_probe_ring failed (IORING_REGISTER_PROBE is "
        "not supported)");
  } else if (!io_uring_opcode_supported(probe.get(), IORING_OP_WRITE)) {
    status = absl::UnavailableError("io_uring: IORING_OP_WRITE unsupported");
  } else if (!io_uring_opcode_supported(probe.get(), IORING_OP_FSYNC)) {
    status = absl::UnavailableError("io_uring: IORING_OP_FSYNC unsupported");
  }
  probe.reset();
  io_uring_queue_exit(&ring);
  return status;
}

bool Retryable(int err) { return err == EINTR || err == EAGAIN; }

}  // namespace

absl::Status IoUringProbeStatus() {
  // Function-local static: the one-time probe result (thread-safe init).
  static const absl::Status status = ProbeIoUring();
  return status;
}

bool IoUringAvailable() { return IoUringProbeStatus().ok(); }

absl::StatusOr<std::unique_ptr<UringFile>> UringFile::Create(
    std::filesystem::path path, UniqueFd fd) {
  auto file =
      std::make_unique<UringFile>(Key(), std::move(path), std::move(fd));
  if (file->init_error_ != 0) {
    return ErrnoToStatus(file->init_error_, file->path_, "io_uring_queue_init");
  }
  return file;
}

UringFile::UringFile(Key, std::filesystem::path path, UniqueFd fd)
    : path_(std::move(path)), fd_(std::move(fd)) {
  init_error_ = -io_uring_queue_init(kRingDepth, &ring_, 0);
}

UringFile::~UringFile() {
  if (init_error_ == 0) io_uring_queue_exit(&ring_);
}

absl::StatusOr<io_uring_sqe*> UringFile::NextSqe() {
  if (broken_) {
    return absl::FailedPreconditionError(absl::StrCat(
        path_.native(), ": io_uring: ring unusable after an earlier failure"));
  }
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  // Every call reaps what it submits, so the queue is empty here.
  if (sqe == nullptr) {
    broken_ = true;
    return absl::InternalError(
        absl::StrCat(path_.native(), ": io_uring: submission queue full"));
  }
  return sqe;
}

absl::StatusOr<UringFile::Results> UringFile::SubmitAndWait(unsigned count) {
  int rc;
  do {
    rc = io_uring_submit_and_wait(&ring_, count);
  } while (rc == -EINTR || rc == -EAGAIN || rc == -EBUSY);
  if (rc < 0) {
    broken_ = true;  // the prepared SQEs are still queued
    return ErrnoToStatus(-rc, path_, "io_uring_enter");
  }
  Results results = {0, 0};
  for (unsigned i = 0; i < count; ++i) {
    io_uring_cqe* cqe = nullptr;
    do {
      rc = io_uring_wait_cqe(&ring_, &cqe);
    } while (rc == -EINTR || rc == -EAGAIN);
    if (rc < 0) {
      broken_ = true;  // a request may still be in flight
      return ErrnoToStatus(-rc, path_, "io_uring_wait_cqe");
    }
    if (cqe->user_data < results.size()) results[cqe->user_data] = cqe->res;
    io_uring_cqe_seen(&ring_, cqe);
  }
  return results;
}

absl::StatusOr<uint64_t> UringFile::WriteChunk(
    uint64_t offset, std::span<const std::byte> data) {
  while (true) {
    RMQ_ASSIGN_OR_RETURN(io_uring_sqe * sqe, NextSqe());
    io_uring_prep_write(sqe, fd_.get(), data.data(),
                        static_cast<unsigned>(data.size()), offset);
    sqe->user_data = kWriteTag;
    RMQ_ASSIGN_OR_RETURN(const Results results, SubmitAndWait(1));
    const int res = results[kWriteTag];
    if (res > 0) return static_cast<uint64_t>(res);
    if (res < 0 && Retryable(-res)) continue;
    if (res < 0) {
      return ErrnoToStatus(-res, path_,
                           absl::StrCat("io_uring write @ ", offset));
    }
    return absl::InternalError(
        absl::StrCat(path_.native(), ": io_uring write @ ", offset,
                     ": wrote 0 of ", data.size(), " bytes"));
  }
}

absl::Status UringFile::WriteAt(uint64_t offset,
                                std::span<const std::byte> data) {
  while (!data.empty()) {
    const size_t chunk =
        static_cast<size_t>(std::min<uint64_t>(data.size(), kMaxChunk));
    RMQ_ASSIGN_OR_RETURN(const uint64_t written,
                         WriteChunk(offset, data.first(chunk)));
    offset += written;
    data = data.subspan(static_cast<size_t>(written));
  }
  return absl::OkStatus();
}

absl::Status UringFile::WriteAtAndSync(uint64_t offset,
                                       std::span<const std::byte> data) {
  if (data.empty() || data.size() > kMaxChunk) {
    RMQ_RETURN_IF_ERROR(WriteAt(offset, data));
    return Sync();
  }
  RMQ_ASSIGN_OR_RETURN(io_uring_sqe * write, NextSqe());
  io_uring_prep_write(write, fd_.get(), data.data(),
                      static_cast<unsigned>(data.size()), offset);
  write->user_data = kWriteTag;
  // The link makes the FSYNC start only after the WRITE completed in full; a
  // failed or short WRITE cancels it (-ECANCELED).
  write->flags |= IOSQE_IO_LINK;
  RMQ_ASSIGN_OR_RETURN(io_uring_sqe * sync, NextSqe());
  io_uring_prep_fsync(sync, fd_.get(), IORING_FSYNC_DATASYNC);
  sync->user_data = kSyncTag;
  RMQ_ASSIGN_OR_RETURN(const Results results, SubmitAndWait(2));
  const int wrote = results[kWriteTag];
  if (wrote < 0 && !Retryable(-wrote)) {
    return ErrnoToStatus(-wrote, path_,
                         absl::StrCat("io_uring write @ ", offset));
  }
  if (wrote < 0 || static_cast<uint64_t>(wrote) < data.size()) {
    // Short or interrupted: finish unlinked.
    const size_t done = wrote < 0 ? 0 : static_cast<size_t>(wrote);
    RMQ_RETURN_IF_ERROR(WriteAt(offset + done, data.subspan(done)));
    return Sync();
  }
  if (results[kSyncTag] < 0) {
    return ErrnoToStatus(-results[kSyncTag], path_, "io_uring fdatasync");
  }
  return absl::OkStatus();
}

absl::Status UringFile::Sync() {
  while (true) {
    RMQ_ASSIGN_OR_RETURN(io_uring_sqe * sqe, NextSqe());
    io_uring_prep_fsync(sqe, fd_.get(), IORING_FSYNC_DATASYNC);
    sqe->user_data = kSyncTag;
    RMQ_ASSIGN_OR_RETURN(const Results results, SubmitAndWait(1));
    const int res = results[kSyncTag];
    if (res < 0 && Retryable(-res)) continue;
    if (res < 0) return ErrnoToStatus(-res, path_, "io_uring fdatasync");
    return absl::OkStatus();
  }
}

}  // namespace rmq
