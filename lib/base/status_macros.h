#pragma once
// Internal helpers for absl::Status plumbing. Never included by public headers.

#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#define RMQ_STATUS_CONCAT_INNER_(a, b) a##b
#define RMQ_STATUS_CONCAT_(a, b) RMQ_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RMQ_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::absl::Status rmq_status_ = (expr);       \
    if (!rmq_status_.ok()) return rmq_status_; \
  } while (false)

// `RMQ_ASSIGN_OR_RETURN(auto x, MakeX());` declares/assigns from a StatusOr.
#define RMQ_ASSIGN_OR_RETURN(lhs, expr)                                        \
  RMQ_ASSIGN_OR_RETURN_IMPL_(RMQ_STATUS_CONCAT_(rmq_statusor_, __LINE__), lhs, \
                             expr)
#define RMQ_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).status();   \
  lhs = std::move(tmp).value()

namespace rmq {

// Prefixes `context` to the message, keeping the code:
// Annotate(s, "recovering consumequeue TopicA/3").
inline absl::Status Annotate(const absl::Status& status,
                             std::string_view context) {
  if (status.ok()) return status;
  return absl::Status(
      status.code(),
      absl::StrCat(absl::string_view(context.data(), context.size()), ": ",
                   status.message()));
}

}  // namespace rmq
