#include "broker/broker_stats.h"

#include <catch2/catch.hpp>

namespace rmq::broker {
namespace {

TEST_CASE("TPS over 10 s, 1 min and 10 min from per-second samples") {
  BrokerStats stats(absl::UTCTimeZone());
  const absl::Time t0 = absl::FromCivil(
      absl::CivilSecond(2026, 11, 30, 12, 0, 0), absl::UTCTimeZone());
  CHECK(stats.PutTps() == "0.00 0.00 0.00");
  // 100 msg/s for 5 minutes, then 1,000 msg/s for 20 s.
  int64_t put = 0;
  for (int s = 0; s <= 300; ++s) {
    stats.Sample(t0 + absl::Seconds(s), put, put / 2);
    put += 100;
  }
  put -= 100;
  for (int s = 301; s <= 320; ++s) {
    put += 1000;
    stats.Sample(t0 + absl::Seconds(s), put, put / 2);
  }
  // Last 10 s: 1,000/s; last minute: (40 s x 100 + 20 s x 1000) / 60 = 400;
  // last 10 min (all 320 s): (300 x 100 + 20 x 1000) / 320 = 156.25.
  CHECK(stats.PutTps() == "1000.00 400.00 156.25");
  CHECK(stats.GetTps() == "500.00 200.00 78.12");
}

TEST_CASE("today and yesterday totals roll at local midnight") {
  BrokerStats stats(absl::UTCTimeZone());
  const auto at = [](int day, int hour) {
    return absl::FromCivil(absl::CivilSecond(2026, 11, day, hour, 0, 0),
                           absl::UTCTimeZone());
  };
  stats.Sample(at(28, 10), 50, 5);  // boot: today counts from here
  stats.Sample(at(28, 23), 80, 8);
  BrokerStats::Totals t = stats.totals();
  CHECK(t.put_today_now == 80);
  CHECK(t.put_today_morning == 0);
  stats.Sample(at(29, 1), 100, 10);
  t = stats.totals();
  CHECK(t.put_today_morning == 80);
  CHECK(t.put_yesterday_morning == 0);
  CHECK(t.get_today_morning == 8);
  stats.Sample(at(30, 0), 150, 15);
  t = stats.totals();
  CHECK(t.put_yesterday_morning == 80);
  CHECK(t.put_today_morning == 100);
  CHECK(t.put_today_now == 150);
  // No sample for days (November 33rd is December 3rd): what came in
  // between is unknown, so yesterday counts nothing and today from the last
  // known total.
  stats.Sample(at(33, 9), 170, 17);
  t = stats.totals();
  CHECK(t.put_yesterday_morning == 150);
  CHECK(t.put_today_morning == 150);
  CHECK(t.put_today_now == 170);
}

}  // namespace
}  // namespace rmq::broker
