#pragma once
// Background threads give way to the put path by raising their own nice
// value. An unprivileged thread cannot lower it again, so only threads that
// stay background for life call this.

namespace rmq {

// For work that should only use CPU nobody else wants (the segment
// preloader). The index builder and the consume-queue flusher at nice 10
// were measured too: no difference (docs/benchmarks.md, backlog stalls).
inline constexpr int kIdleNice = 19;

// Sets the calling thread's nice value to `nice` (0..19). Best effort: a
// failure leaves the thread as it was. Returns whether it took.
bool LowerThisThreadPriority(int nice);

}  // namespace rmq
