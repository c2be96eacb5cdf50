#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace rmq::bench {

int Histogram::Index(int64_t value) {
  const auto v = static_cast<uint64_t>(std::max<int64_t>(value, 0));
  if (v < kSub) return static_cast<int>(v);
  const int magnitude = 63 - std::countl_zero(v) - kSubBits + 1;  // >= 1
  const int sub = static_cast<int>(v >> magnitude) - kSub / 2;
  return magnitude * (kSub / 2) + kSub / 2 + sub;
}

int64_t Histogram::UpperEdge(int index) {
  if (index < kSub) return index;
  const int magnitude = (index - kSub / 2) / (kSub / 2);
  const int sub = (index - kSub / 2) % (kSub / 2) + kSub / 2;
  return ((static_cast<int64_t>(sub) + 1) << magnitude) - 1;
}

void Histogram::Record(int64_t value) {
  ++counts_[static_cast<size_t>(Index(value))];
  ++count_;
  max_ = std::max(max_, value);
}

void Histogram::Merge(const Histogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

int64_t Histogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<int64_t>(std::ceil(
      std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(count_)));
  int64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= std::max<int64_t>(rank, 1)) {
      return std::min(UpperEdge(static_cast<int>(i)), max_);
    }
  }
  return max_;
}

}  // namespace rmq::bench
