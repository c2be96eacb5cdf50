#include "base/thread_name.h"

#include <pthread.h>

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <thread>

namespace rmq {
namespace {

std::string ThisThreadName() {
  char name[64] = {};
  REQUIRE(::pthread_getname_np(::pthread_self(), name, sizeof(name)) == 0);
  return name;
}

struct Named {
  bool took = false;
  std::string name;  // as the thread read it back
};

// Names a new thread `name` from inside it.
Named NameNewThread(std::string_view name) {
  Named named;
  std::thread thread([&] {
    named.took = NameThisThread(name);
    named.name = ThisThreadName();
  });
  thread.join();
  return named;
}

TEST_CASE("a thread names itself and no other", "[unit][thread_name]") {
  const std::string before = ThisThreadName();
  const Named named = NameNewThread("FlushCommitLog");
  CHECK(named.took);
  CHECK(named.name == "FlushCommitLog");
  CHECK(ThisThreadName() == before);
}

TEST_CASE("a name longer than Linux keeps is cut, not refused",
          "[unit][thread_name]") {
  const Named named = NameNewThread("AllocateMappedFileService");
  CHECK(named.took);
  CHECK(named.name == std::string("AllocateMappedFileService", kMaxThreadName));
}

}  // namespace
}  // namespace rmq
