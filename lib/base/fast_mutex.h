#pragma once
// The put path's locks. Debian's Abseil runs absl::Mutex's deadlock detector
// on every Lock (it is built without NDEBUG): measured with callgrind, ~2,800
// of the ~6,750 instructions of a Put went to it (GraphCycles::GetId, ...).
// These wrap std::mutex (FastMutex) and std::shared_mutex (FastSharedMutex)
// and keep Abseil's thread-safety annotations, so Clang's -Wthread-safety
// still checks their use.

#include <mutex>
#include <shared_mutex>

#include "absl/base/thread_annotations.h"

namespace rmq {

class ABSL_LOCKABLE FastMutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    return mu_.try_lock();
  }

 private:
  std::mutex mu_;
};

class ABSL_LOCKABLE FastSharedMutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  void ReaderLock() ABSL_SHARED_LOCK_FUNCTION() { mu_.lock_shared(); }
  void ReaderUnlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

template <typename M>
class ABSL_SCOPED_LOCKABLE BasicFastLock {
 public:
  explicit BasicFastLock(M* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  ~BasicFastLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  BasicFastLock(const BasicFastLock&) = delete;
  BasicFastLock& operator=(const BasicFastLock&) = delete;

 private:
  M* const mu_;
};
using FastMutexLock = BasicFastLock<FastMutex>;
using FastWriterLock = BasicFastLock<FastSharedMutex>;

class ABSL_SCOPED_LOCKABLE FastReaderLock {
 public:
  explicit FastReaderLock(FastSharedMutex* mu) ABSL_SHARED_LOCK_FUNCTION(mu)
      : mu_(mu) {
    mu_->ReaderLock();
  }
  ~FastReaderLock() ABSL_UNLOCK_FUNCTION() { mu_->ReaderUnlock(); }
  FastReaderLock(const FastReaderLock&) = delete;
  FastReaderLock& operator=(const FastReaderLock&) = delete;

 private:
  FastSharedMutex* const mu_;
};

}  // namespace rmq
