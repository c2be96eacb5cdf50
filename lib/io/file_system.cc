#include "rmq/io/file_system.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "io/posix_io.h"

namespace rmq {

absl::Status WriteFileAtomically(FileSystem& fs,
                                 const std::filesystem::path& path,
                                 std::string_view data) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  // WriteFile fdatasyncs the temporary, so the rename can only ever expose
  // complete content; the directory fsync makes the rename itself durable.
  RMQ_RETURN_IF_ERROR(fs.WriteFile(tmp, data));
  RMQ_RETURN_IF_ERROR(fs.Rename(tmp, path));
  return fs.SyncDir(ParentDir(path));
}

}  // namespace rmq
