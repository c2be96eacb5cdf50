#include "io/incomplete_file.h"

#include <algorithm>

#include "base/status_macros.h"

namespace rmq {

absl::StatusOr<bool> IsIncompleteCreation(FileSystem& fs,
                                          const std::filesystem::path& path,
                                          uint64_t expected_size) {
  RMQ_ASSIGN_OR_RETURN(uint64_t size, fs.FileSize(path));
  if (size >= expected_size) return false;
  if (size == 0) return true;
  RMQ_ASSIGN_OR_RETURN(std::string data, fs.ReadFile(path));
  return std::all_of(data.begin(), data.end(), [](char c) { return c == 0; });
}

}  // namespace rmq
