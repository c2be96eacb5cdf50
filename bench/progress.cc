#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace rmq::bench {
namespace {
int64_t NanosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now() - start)
      .count();
}
}  // namespace

Progress::Progress(std::string label, int64_t total)
    : label_(std::move(label)),
      total_(total),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()) {
  next_print_ns_ = tty_ ? 500'000'000 : 5'000'000'000;
}

Progress::~Progress() { Print(true); }

void Progress::Add(int64_t n) {
  done_.fetch_add(n, std::memory_order_relaxed);
  if (NanosSince(start_) >= next_print_ns_.load(std::memory_order_relaxed)) {
    Print(false);
  }
}

void Progress::Print(bool final) {
  std::unique_lock lock(print_mu_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  const int64_t now = NanosSince(start_);
  if (!final && now < next_print_ns_) return;
  next_print_ns_ = now + (tty_ ? 500'000'000 : 5'000'000'000);
  const int64_t done = done_.load();
  const double seconds = now / 1e9;
  const double rate = seconds > 0 ? done / seconds : 0;
  const double eta = rate > 0 ? (total_ - done) / rate : 0;
  const double fraction = total_ > 0 ? static_cast<double>(done) / total_ : 1;
  if (tty_) {
    char bar[31];
    const int filled = static_cast<int>(fraction * 30);
    for (int i = 0; i < 30; ++i) bar[i] = i < filled ? '#' : '.';
    bar[30] = '\0';
    std::fprintf(stderr, "\r%s [%s] %lld/%lld %.0f/s ETA %.0fs%s",
                 label_.c_str(), bar, static_cast<long long>(done),
                 static_cast<long long>(total_), rate, eta, final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s: %lld/%lld (%.1f%%) %.0f/s ETA %.0fs\n",
                 label_.c_str(), static_cast<long long>(done),
                 static_cast<long long>(total_), fraction * 100, rate, eta);
  }
}

}  // namespace rmq::bench
