#pragma once
// WritableFile over io_uring: a positional WRITE, or a WRITE linked
// (IOSQE_IO_LINK) to an FSYNC(DATASYNC) so a commit costs one submission.
// Components never see liburing; they get a WritableFile whose backend() says
// "io_uring", or the pwrite fallback when the probe fails.

#include <liburing.h>

#include <array>
#include <filesystem>
#include <memory>
#include <span>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "io/unique_fd.h"
#include "rmq/io/file_system.h"

namespace rmq {

// OK when io_uring can be set up here with the opcodes we use (WRITE, FSYNC);
// otherwise why not. Probed once per process and cached.
absl::Status IoUringProbeStatus();

// Owns its ring (one per file: a writer never shares a ring across threads).
// Thread-compatible: one writer at a time.
class UringFile final : public WritableFile {
 public:
  // Takes ownership of `fd` (open for writing). Fails when the ring cannot be
  // set up (e.g. RLIMIT_MEMLOCK), so the caller can fall back to pwrite.
  static absl::StatusOr<std::unique_ptr<UringFile>> Create(
      std::filesystem::path path, UniqueFd fd);

  class Key {
    friend class UringFile;
    Key() = default;
  };
  UringFile(Key, std::filesystem::path path, UniqueFd fd);
  ~UringFile() override;
  UringFile(const UringFile&) = delete;
  UringFile& operator=(const UringFile&) = delete;

  absl::Status WriteAt(uint64_t offset,
                       std::span<const std::byte> data) override;
  absl::Status WriteAtAndSync(uint64_t offset,
                              std::span<const std::byte> data) override;
  absl::Status Sync() override;
  std::string_view backend() const override { return "io_uring"; }

 private:
  // Writes one chunk; returns the byte count the kernel reported.
  absl::StatusOr<uint64_t> WriteChunk(uint64_t offset,
                                      std::span<const std::byte> data);
  absl::StatusOr<io_uring_sqe*> NextSqe();
  // cqe->res of each request, indexed by its user_data tag (0 write, 1 sync).
  using Results = std::array<int, 2>;
  // Submits every prepared SQE and waits for `count` completions.
  absl::StatusOr<Results> SubmitAndWait(unsigned count);

  const std::filesystem::path path_;
  const UniqueFd fd_;
  io_uring ring_;
  int init_error_ = 0;  // errno of io_uring_queue_init; 0 when ring_ is live
  // Set when the ring may still hold or run requests we could not reap: the
  // file refuses further use rather than risk reusing a caller's buffer.
  bool broken_ = false;
};

}  // namespace rmq
