#pragma once
// RMQ_CHECK is for bugs (broken invariants), never for bad data or OS errors,
// which are absl::Status. A failed check prints where and why, then aborts.

#include <cstdio>
#include <cstdlib>

#define RMQ_CHECK(cond, msg)                                              \
  do {                                                                    \
    if (!(cond)) [[unlikely]] {                                           \
      std::fprintf(stderr, "%s:%d: RMQ_CHECK(%s) failed: %s\n", __FILE__, \
                   __LINE__, #cond, msg);                                 \
      std::abort();                                                       \
    }                                                                     \
  } while (false)
