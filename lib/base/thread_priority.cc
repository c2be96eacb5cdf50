#include "base/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

namespace rmq {

bool LowerThisThreadPriority(int nice) {
  // On Linux PRIO_PROCESS with a thread id sets that thread alone.
  return ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), nice) == 0;
}

}  // namespace rmq
