#pragma once
// The store's `lock` file (store-format §7.3) on a real file system.

#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"
#include "rmq/io/file_system.h"

namespace rmq {

// Creates `path` if needed, takes an exclusive lock on byte range [0, 1),
// writes "lock" at offset 0 and fdatasyncs it, as RocketMQ's broker does.
// FailedPrecondition when the range is already locked.
absl::StatusOr<std::unique_ptr<FileLock>> LockPosixFile(
    const std::filesystem::path& path);

}  // namespace rmq
