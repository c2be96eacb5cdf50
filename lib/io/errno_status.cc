#include "io/errno_status.h"

#include <errno.h>
#include <string.h>

#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace rmq {
namespace {

absl::StatusCode CodeFor(int err) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return absl::StatusCode::kResourceExhausted;
    case ENOENT:
      return absl::StatusCode::kNotFound;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

absl::Status ErrnoToStatus(int err, std::string_view path,
                           std::string_view op) {
  // strerrorname_np/strerrordesc_np (glibc >= 2.32) are thread-safe and not
  // localized, unlike strerror.
  const char* name = strerrorname_np(err);
  const char* desc = strerrordesc_np(err);
  std::string errno_text =
      name != nullptr
          ? absl::StrCat(name, " (", desc != nullptr ? desc : "?", ")")
          : absl::StrCat("errno ", err);
  return absl::Status(CodeFor(err), absl::StrCat(AsAbsl(path), ": ", AsAbsl(op),
                                                 ": ", errno_text));
}

}  // namespace rmq
