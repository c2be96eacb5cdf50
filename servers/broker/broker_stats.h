#pragma once
// What the console's broker view shows (GET_BROKER_RUNTIME_INFO,
// remoting-protocol.md §9.5.3): put/get TPS over the last 10 s, 1 min and
// 10 min ("putTps":"12.5 10.1 9.8", as RocketMQ formats it; the console
// reads the first number as InTPS/OutTPS), and the message totals at the
// start of today and yesterday (local midnight), from which it shows
// "today" and "yesterday" counts.
//
// The owner calls Sample() about once a second with the store's running
// totals; time is passed in, so tests need no sleeping.
//
// Thread-safety: thread-safe.

#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rmq::broker {

class BrokerStats {
 public:
  explicit BrokerStats(absl::TimeZone zone = absl::LocalTimeZone());

  // Records the running totals (messages put / got since the store opened).
  void Sample(absl::Time now, int64_t put_total, int64_t get_total);

  struct Totals {
    int64_t put_today_now = 0;
    int64_t put_today_morning = 0;
    int64_t put_yesterday_morning = 0;
    int64_t get_today_now = 0;
    int64_t get_today_morning = 0;
    int64_t get_yesterday_morning = 0;
  };
  Totals totals() const;
  // "a b c": messages per second over the last 10 s, 1 min and 10 min.
  std::string PutTps() const;
  std::string GetTps() const;

 private:
  struct Point {
    absl::Time at;
    int64_t put = 0;
    int64_t get = 0;
  };
  std::string Tps(bool put) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const absl::TimeZone zone_;
  mutable absl::Mutex mu_;
  std::deque<Point> points_ ABSL_GUARDED_BY(mu_);  // last 10 min
  absl::CivilDay day_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  Totals totals_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rmq::broker
