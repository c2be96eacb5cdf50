#include "base/thread_name.h"

#include <pthread.h>

#include <string>

namespace rmq {

bool NameThisThread(std::string_view name) {
  // pthread_setname_np refuses (ERANGE) a name longer than the kernel keeps.
  const std::string cut(name.substr(0, kMaxThreadName));
  return ::pthread_setname_np(::pthread_self(), cut.c_str()) == 0;
}

}  // namespace rmq
