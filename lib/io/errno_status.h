#pragma once
// The one place where an errno becomes an absl::Status (STYLE §3.3), so every
// I/O error names the file, the operation and the errno the same way:
//   "/x/commitlog/00000000001073741824: fdatasync: EIO (Input/output error)".

#include <concepts>
#include <filesystem>
#include <string_view>

#include "absl/status/status.h"

namespace rmq {

// ENOSPC/EDQUOT -> ResourceExhausted, ENOENT -> NotFound, anything else ->
// Internal. `op` may carry detail ("msync @ 4096+512").
absl::Status ErrnoToStatus(int err, std::string_view path, std::string_view op);

// A template so string literals unambiguously take the overload above.
template <typename Path>
requires std::same_as<Path, std::filesystem::path> absl::Status ErrnoToStatus(
    int err, const Path& path, std::string_view op) {
  return ErrnoToStatus(err, std::string_view(path.native()), op);
}

}  // namespace rmq
