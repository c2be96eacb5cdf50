#pragma once
// A process killed while creating a fixed-size file (segment, consume-queue
// or index file) can leave it shorter than its size — typically empty — since
// creation is open, then ftruncate, then fallocate. No data is ever written
// to a file before it is complete, so such a file holds nothing and is
// removed at load instead of making the store unopenable.

#include <cstdint>
#include <filesystem>

#include "absl/status/statusor.h"
#include "rmq/io/file_system.h"

namespace rmq {

// True when `path` is shorter than `expected_size` and holds only zeros.
absl::StatusOr<bool> IsIncompleteCreation(FileSystem& fs,
                                          const std::filesystem::path& path,
                                          uint64_t expected_size);

}  // namespace rmq
