#pragma once
// Creates consume-queue files ahead of need, on a thread of its own.
//
// A producer that finds its queue's last file nearly full asks for the next
// one (ConsumeQueue::PrepareAhead). Creating it on the producer's thread put
// an open(O_CREAT) on the put path, and ext4 reads the inode table for it:
// behind the flush's writeback that read took 107 ms (perf, the backlog
// workload's worst put). Here it costs the producer a push. When this thread
// is late, the appender creates the file itself, as before.
//
// Thread-safety: Request from any thread. Owns one thread, stopped by the
// destructor; requests not yet served are dropped (the appender creates
// those files when it needs them). Requested queues must outlive it.

#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace rmq {

class ConsumeQueue;

class AheadCreator {
 public:
  AheadCreator();
  ~AheadCreator();
  AheadCreator(const AheadCreator&) = delete;
  AheadCreator& operator=(const AheadCreator&) = delete;

  // Asks for `queue`'s next file (ConsumeQueue::CreateAhead).
  void Request(ConsumeQueue& queue);

 private:
  // Until the destructor sets stopping_.
  void Run();

  absl::Mutex mu_;
  std::vector<ConsumeQueue*> pending_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace rmq
