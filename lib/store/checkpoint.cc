#include "store/checkpoint.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/endian.h"
#include "base/status_macros.h"

namespace rmq {

Checkpoint::Checkpoint(std::filesystem::path path, FileSystem& fs)
    : path_(std::move(path)), fs_(fs) {}

absl::Status Checkpoint::Load() {
  if (!fs_.Exists(path_)) return absl::OkStatus();
  RMQ_ASSIGN_OR_RETURN(std::string data, fs_.ReadFile(path_));
  if (data.size() != kCheckpointFileSize) {
    return absl::DataLossError(absl::StrCat(path_.string(), " has ",
                                            data.size(), " bytes, expected ",
                                            kCheckpointFileSize));
  }
  const auto* p = reinterpret_cast<const std::byte*>(data.data());
  physic_ = LoadBE64(p);
  logics_ = LoadBE64(p + 8);
  index_ = LoadBE64(p + 16);
  return absl::OkStatus();
}

absl::Status Checkpoint::Flush() {
  absl::MutexLock lock(&flush_mu_);
  std::string data(kCheckpointFileSize, '\0');
  auto* p = reinterpret_cast<std::byte*>(data.data());
  StoreBE64(p, physic_.load());
  StoreBE64(p + 8, logics_.load());
  StoreBE64(p + 16, index_.load());
  return WriteFileAtomically(fs_, path_, data);
}

int64_t Checkpoint::MinTimestamp() const {
  return std::max<int64_t>(0, std::min(physic_.load(), logics_.load()) - 3000);
}

int64_t Checkpoint::MinTimestampIndex() const {
  return std::min(MinTimestamp(), index_.load());
}

}  // namespace rmq
