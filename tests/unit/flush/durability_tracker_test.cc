// DurabilityTracker's blocking waiters (SYNC_FLUSH puts): released by the
// flush that covers them and no earlier, by their deadline, or when the
// store gives up on syncing.

#include "flush/durability_tracker.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "absl/time/clock.h"

namespace rmq {
namespace {

constexpr absl::Duration kLongWait = absl::Seconds(30);

// A thread blocked in WaitFlushed(end); its result once it returns.
class BlockedWaiter {
 public:
  BlockedWaiter(DurabilityTracker& tracker, int64_t end, absl::Duration wait)
      : thread_([this, &tracker, end, wait] {
          timed_out_ = tracker.WaitFlushed(end, absl::Now() + wait);
          returned_ = true;
        }) {}
  ~BlockedWaiter() {
    if (thread_.joinable()) thread_.join();
  }
  bool Returned() const { return returned_; }
  bool Join() {
    thread_.join();
    thread_ = std::thread();
    return timed_out_;
  }

 private:
  std::atomic<bool> returned_{false};
  bool timed_out_ = false;
  std::thread thread_;
};

// The flusher's view: a waiter is registered once the tracker wants a sync.
void AwaitSyncWanted(DurabilityTracker& tracker) {
  const absl::Time deadline = absl::Now() + kLongWait;
  while (!tracker.WaitForWork(absl::Milliseconds(100))) {
    REQUIRE(absl::Now() < deadline);
  }
}

TEST_CASE("a blocked waiter returns when the flush covers it, not before") {
  DurabilityTracker tracker;
  tracker.Appended(300, 1, /*also_committed=*/true);
  std::vector<std::unique_ptr<BlockedWaiter>> waiters;
  for (int64_t end : {100, 200, 300}) {
    waiters.push_back(std::make_unique<BlockedWaiter>(tracker, end, kLongWait));
  }
  AwaitSyncWanted(tracker);
  tracker.Flushed(200);
  CHECK_FALSE(waiters[0]->Join());
  CHECK_FALSE(waiters[1]->Join());
  // The third needs 300. Released wrongly, it would return timed_out
  // (flushed 200 < 300), which the last check catches.
  CHECK_FALSE(waiters[2]->Returned());
  tracker.Flushed(300);
  CHECK_FALSE(waiters[2]->Join());
}

TEST_CASE("a blocked waiter times out at its deadline") {
  DurabilityTracker tracker;
  tracker.Appended(100, 1, /*also_committed=*/true);
  const absl::Time start = absl::Now();
  BlockedWaiter waiter(tracker, 100, absl::Milliseconds(50));
  CHECK(waiter.Join());
  CHECK(absl::Now() - start >= absl::Milliseconds(50));
  CHECK(tracker.flushed() == 0);
}

TEST_CASE("failing the waiters releases blocked puts") {
  DurabilityTracker tracker;
  tracker.Appended(100, 1, /*also_committed=*/true);
  BlockedWaiter failed(tracker, 100, kLongWait);
  AwaitSyncWanted(tracker);
  tracker.FailWaiters();
  CHECK(failed.Join());
}

TEST_CASE("a store turning read-only releases blocked puts") {
  DurabilityTracker tracker;
  tracker.Appended(100, 1, /*also_committed=*/true);
  BlockedWaiter read_only(tracker, 100, kLongWait);
  AwaitSyncWanted(tracker);
  tracker.MarkReadOnly(absl::DataLossError("fsync failed"));
  CHECK(read_only.Join());
  // Once read-only, a new waiter does not block at all.
  CHECK(tracker.WaitFlushed(100, absl::Now() + kLongWait));
}

TEST_CASE("a waiter for data already flushed does not block") {
  DurabilityTracker tracker;
  tracker.Appended(100, 1, /*also_committed=*/true);
  tracker.Flushed(100);
  CHECK_FALSE(tracker.WaitFlushed(100, absl::Now() + kLongWait));
}

}  // namespace
}  // namespace rmq
