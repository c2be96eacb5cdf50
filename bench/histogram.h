#pragma once
// A log-linear latency histogram (HdrHistogram's layout, 2 significant
// digits): values in [2^k, 2^(k+1)) fall into 128 equal sub-buckets, so any
// percentile is within 1% of the truth, recording is two shifts and an
// increment, and memory is fixed. Not thread-safe: one per producer, merged.

#include <array>
#include <cstdint>

namespace rmq::bench {

class Histogram {
 public:
  void Record(int64_t value);
  void Merge(const Histogram& other);
  int64_t count() const { return count_; }
  int64_t max() const { return max_; }
  // The value at percentile `p` (0..100), as the upper edge of its bucket.
  int64_t Percentile(double p) const;

 private:
  static constexpr int kSubBits = 7;  // 128 sub-buckets
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kMagnitudes = 64 - kSubBits;
  static int Index(int64_t value);
  static int64_t UpperEdge(int index);

  std::array<int64_t, kMagnitudes * kSub> counts_{};
  int64_t count_ = 0;
  int64_t max_ = 0;
};

}  // namespace rmq::bench
