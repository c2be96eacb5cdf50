#include "base/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

namespace rmq {
namespace {

int ThisThreadNice() {
  return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
}

TEST_CASE("a thread lowers its own priority and no other's",
          "[unit][thread_priority]") {
  const int before = ThisThreadNice();
  REQUIRE(before < kIdleNice);  // tests do not run niced
  int inside = -100;
  bool took = false;
  std::thread background([&] {
    took = LowerThisThreadPriority(kIdleNice);
    inside = ThisThreadNice();
  });
  background.join();
  CHECK(took);
  CHECK(inside == kIdleNice);
  CHECK(ThisThreadNice() == before);
}

}  // namespace
}  // namespace rmq
