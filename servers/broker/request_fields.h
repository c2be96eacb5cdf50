#pragma once
// Reads a request's custom-header fields (remoting-protocol.md §4) the way
// the broker's processors need: a missing required field or a malformed
// number is remembered, and Error() is then the SYSTEM_ERROR answer naming
// the first such field, as Java's header decoder reports it ("the custom
// field <topic> is null").

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "remoting/codes.h"
#include "remoting/remoting_command.h"

namespace rmq::broker {

class RequestFields {
 public:
  explicit RequestFields(const remoting::RemotingCommand& request)
      : request_(request) {}

  // Required.
  std::string String(std::string_view name) {
    const std::string* value = Find(name);
    return value == nullptr ? std::string() : *value;
  }
  int64_t Long(std::string_view name) { return Number<int64_t>(name); }
  int32_t Int(std::string_view name) { return Number<int32_t>(name); }
  // Boolean.parseBoolean: "true" in any case; anything else is false.
  bool Bool(std::string_view name) {
    const std::string* value = Find(name);
    return value != nullptr && absl::EqualsIgnoreCase(*value, "true");
  }
  // Optional: absent means `fallback`.
  bool BoolOr(std::string_view name, bool fallback) const {
    const std::string* value = request_.ext_fields.Find(name);
    return value == nullptr ? fallback : absl::EqualsIgnoreCase(*value, "true");
  }
  // Optional: absent or blank is nullopt.
  std::optional<std::string> Optional(std::string_view name) const {
    const std::string* value = request_.ext_fields.Find(name);
    if (value == nullptr || absl::StripAsciiWhitespace(*value).empty()) {
      return std::nullopt;
    }
    return *value;
  }

  std::optional<remoting::RemotingCommand> Error() const {
    if (error_.empty()) return std::nullopt;
    return remoting::RemotingCommand::ResponseTo(
        request_, remoting::response::kSystemError, error_);
  }

 private:
  const std::string* Find(std::string_view name) {
    const std::string* value = request_.ext_fields.Find(name);
    if (value == nullptr) Fail(name, "is null");
    return value;
  }
  template <typename T>
  T Number(std::string_view name) {
    const std::string* value = Find(name);
    if (value == nullptr) return 0;
    T out = 0;
    const char* end = value->data() + value->size();
    auto [ptr, ec] = std::from_chars(value->data(), end, out);
    if (value->empty() || ec != std::errc() || ptr != end) {
      Fail(name, "is not a number");
    }
    return out;
  }
  void Fail(std::string_view name, std::string_view what) {
    if (error_.empty()) {
      error_ = absl::StrCat("the custom field <", std::string(name), "> ",
                            std::string(what));
    }
  }

  const remoting::RemotingCommand& request_;
  std::string error_;
};

}  // namespace rmq::broker
