#pragma once
// Background threads name themselves after the RocketMQ service they stand
// for (FlushRealTimeService, ReputMessageService, ...), so that `top -H`,
// `ps -L`, gdb and `perf report --sort comm` tell them apart: each store
// has several and all were called after the process before.

#include <cstddef>
#include <string_view>

namespace rmq {

// Linux keeps at most 15 bytes of a thread's name.
inline constexpr size_t kMaxThreadName = 15;

// Names the calling thread `name`, cut to kMaxThreadName bytes. Best effort:
// a failure leaves the name as it was. Returns whether it took.
bool NameThisThread(std::string_view name);

}  // namespace rmq
