#pragma once
// Catch2 helpers for absl::Status: REQUIRE_OK prints the status on failure.

#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rmq::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

class StatusIsMatcher : public Catch::MatcherBase<absl::Status> {
 public:
  explicit StatusIsMatcher(absl::StatusCode code) : code_(code) {}
  bool match(const absl::Status& s) const override { return s.code() == code_; }
  std::string describe() const override {
    return "has code " + absl::StatusCodeToString(code_);
  }

 private:
  absl::StatusCode code_;
};

inline StatusIsMatcher StatusIs(absl::StatusCode code) {
  return StatusIsMatcher(code);
}

}  // namespace rmq::testing

namespace Catch {
template <>
struct StringMaker<absl::Status> {
  static std::string convert(const absl::Status& s) { return s.ToString(); }
};
}  // namespace Catch

#define REQUIRE_OK(expr)                                     \
  do {                                                       \
    const auto& rmq_req_ok_ = (expr);                        \
    INFO(::rmq::testing::GetStatus(rmq_req_ok_).ToString()); \
    REQUIRE(::rmq::testing::GetStatus(rmq_req_ok_).ok());    \
  } while (false)

#define CHECK_OK(expr)                                       \
  do {                                                       \
    const auto& rmq_chk_ok_ = (expr);                        \
    INFO(::rmq::testing::GetStatus(rmq_chk_ok_).ToString()); \
    CHECK(::rmq::testing::GetStatus(rmq_chk_ok_).ok());      \
  } while (false)
