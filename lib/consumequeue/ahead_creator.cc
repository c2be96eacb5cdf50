#include "consumequeue/ahead_creator.h"

#include "consumequeue/consume_queue.h"

namespace rmq {

AheadCreator::AheadCreator() : thread_([this] { Run(); }) {}

AheadCreator::~AheadCreator() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void AheadCreator::Request(ConsumeQueue& queue) {
  absl::MutexLock lock(&mu_);
  pending_.push_back(&queue);
}

void AheadCreator::Run() {
  std::vector<ConsumeQueue*> batch;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || !pending_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      batch.swap(pending_);
    }
    for (ConsumeQueue* queue : batch) queue->CreateAhead();
    batch.clear();
  }
}

}  // namespace rmq
