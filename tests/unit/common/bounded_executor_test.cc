#include "common/bounded_executor.h"

#include <atomic>
#include <catch2/catch.hpp>

#include "absl/synchronization/notification.h"

namespace rmq::server {
namespace {

TEST_CASE("work beyond the queue's capacity is refused, not queued") {
  BoundedExecutor executor(1, 2);
  absl::Notification started, release;
  std::atomic<int> ran{0};
  REQUIRE(executor.TrySubmit([&] {
    started.Notify();
    release.WaitForNotification();
    ++ran;
  }));
  REQUIRE(started.WaitForNotificationWithTimeout(absl::Seconds(10)));
  // The worker is busy: two fit in the queue, the third does not.
  CHECK(executor.TrySubmit([&] { ++ran; }));
  CHECK(executor.TrySubmit([&] { ++ran; }));
  CHECK(executor.queue_size() == 2);
  CHECK_FALSE(executor.TrySubmit([&] { ++ran; }));
  release.Notify();
  executor.Stop();  // runs what was queued, then joins
  CHECK(ran == 3);
  CHECK_FALSE(executor.TrySubmit([&] { ++ran; }));
}

TEST_CASE("several workers run tasks concurrently") {
  BoundedExecutor executor(3, 10);
  absl::Notification all_in;
  std::atomic<int> inside{0};
  for (int i = 0; i < 3; ++i) {
    REQUIRE(executor.TrySubmit([&] {
      if (++inside == 3) all_in.Notify();
      all_in.WaitForNotification();
    }));
  }
  // Only possible if three tasks run at the same time.
  CHECK(all_in.WaitForNotificationWithTimeout(absl::Seconds(10)));
  if (!all_in.HasBeenNotified()) all_in.Notify();  // let Stop() finish
}

}  // namespace
}  // namespace rmq::server
