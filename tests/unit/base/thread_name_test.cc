#include "base/thread_name.h"

#include <pthread.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>

namespace rmq {
namespace {

std::string ThisThreadName() {
  char name[64] = {};
  REQUIRE(::pthread_getname_np(::pthread_self(), name, sizeof(name)) == 0);
  return name;
}

TEST_CASE("a thread names itself and no other", "[unit][thread_name]") {
  const std::string before = ThisThreadName();
  std::string inside;
  bool took = false;
  std::thread background([&] {
    took = NameThisThread("FlushCommitLog");
    inside = ThisThreadName();
  });
  background.join();
  CHECK(took);
  CHECK(inside == "FlushCommitLog");
  CHECK(ThisThreadName() == before);
}

TEST_CASE("a name longer than Linux keeps is cut, not refused",
          "[unit][thread_name]") {
  std::string inside;
  bool took = false;
  std::thread background([&] {
    took = NameThisThread("AllocateMappedFileService");
    inside = ThisThreadName();
  });
  background.join();
  CHECK(took);
  CHECK(inside == std::string("AllocateMappedFileService", kMaxThreadName));
}

}  // namespace
}  // namespace rmq
