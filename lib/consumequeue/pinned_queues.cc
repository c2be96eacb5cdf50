#include "consumequeue/pinned_queues.h"

#include "consumequeue/consume_queue.h"

namespace rmq {

void PinnedQueues::Keep(ConsumeQueue& queue) {
  if (queue.pin_kept()) return;
  if (ConsumeQueue* displaced = ring_[next_]) {
    displaced->ReleasePin();
    displaced->set_pin_kept(false);
  }
  ring_[next_] = &queue;
  queue.set_pin_kept(true);
  if (++next_ == ring_.size()) next_ = 0;
}

}  // namespace rmq
