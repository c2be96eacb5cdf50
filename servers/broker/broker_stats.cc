#include "broker/broker_stats.h"

#include "absl/strings/str_format.h"

namespace rmq::broker {
namespace {

constexpr absl::Duration kWindows[] = {absl::Seconds(10), absl::Minutes(1),
                                       absl::Minutes(10)};

}  // namespace

BrokerStats::BrokerStats(absl::TimeZone zone) : zone_(zone) {}

void BrokerStats::Sample(absl::Time now, int64_t put_total, int64_t get_total) {
  absl::MutexLock lock(&mu_);
  const absl::CivilDay today = absl::ToCivilDay(now, zone_);
  if (!started_) {
    // As RocketMQ after a restart: the mornings are 0, "today" counts from
    // the boot.
    started_ = true;
    day_ = today;
  } else if (today != day_) {
    // Midnight passed: today's morning becomes yesterday's. If a whole day
    // went by without a sample, yesterday saw nothing we can know of.
    totals_.put_yesterday_morning =
        today - day_ == 1 ? totals_.put_today_morning : totals_.put_today_now;
    totals_.get_yesterday_morning =
        today - day_ == 1 ? totals_.get_today_morning : totals_.get_today_now;
    totals_.put_today_morning = totals_.put_today_now;
    totals_.get_today_morning = totals_.get_today_now;
    day_ = today;
  }
  totals_.put_today_now = put_total;
  totals_.get_today_now = get_total;
  points_.push_back(Point{now, put_total, get_total});
  while (!points_.empty() && now - points_.front().at > kWindows[2]) {
    points_.pop_front();
  }
}

BrokerStats::Totals BrokerStats::totals() const {
  absl::ReaderMutexLock lock(&mu_);
  return totals_;
}

std::string BrokerStats::Tps(bool put) const {
  std::string out;
  for (absl::Duration window : kWindows) {
    double tps = 0;
    if (points_.size() >= 2) {
      const Point& last = points_.back();
      // The oldest sample still inside the window.
      const Point* first = &points_.front();
      for (const Point& p : points_) {
        if (last.at - p.at <= window) {
          first = &p;
          break;
        }
      }
      const double seconds = absl::ToDoubleSeconds(last.at - first->at);
      if (seconds > 0) {
        tps = static_cast<double>(put ? last.put - first->put
                                      : last.get - first->get) /
              seconds;
      }
    }
    absl::StrAppendFormat(&out, "%s%.2f", out.empty() ? "" : " ", tps);
  }
  return out;
}

std::string BrokerStats::PutTps() const {
  absl::ReaderMutexLock lock(&mu_);
  return Tps(true);
}

std::string BrokerStats::GetTps() const {
  absl::ReaderMutexLock lock(&mu_);
  return Tps(false);
}

}  // namespace rmq::broker
