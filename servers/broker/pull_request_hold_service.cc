#include "broker/pull_request_hold_service.h"

#include "absl/strings/str_cat.h"
#include "base/thread_name.h"

namespace rmq::broker {
namespace {

std::string Key(std::string_view topic, int32_t queue_id) {
  std::string key(topic);
  key.push_back('@');
  key.append(std::to_string(queue_id));
  return key;
}

}  // namespace

PullRequestHoldService::PullRequestHoldService(Dispatch dispatch)
    : dispatch_(std::move(dispatch)) {}

PullRequestHoldService::~PullRequestHoldService() { Stop(); }

void PullRequestHoldService::Start() {
  thread_ = std::thread([this] { Run(); });
}

void PullRequestHoldService::Stop() {
  std::vector<Retry> all;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& [key, parked] : waiting_) {
      for (Parked& p : parked) all.push_back(std::move(p.retry));
    }
    waiting_.clear();
    parked_ = 0;
  }
  if (thread_.joinable()) thread_.join();
  // Inline: the executors may already be stopping.
  for (Retry& retry : all) std::move(retry)();
}

void PullRequestHoldService::Park(std::string topic, int32_t queue_id,
                                  int64_t offset, TagFilter filter,
                                  absl::Time deadline, Retry retry) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      waiting_[Key(topic, queue_id)].push_back(
          Parked{offset, std::move(filter), deadline, std::move(retry)});
      parked_.fetch_add(1, std::memory_order_relaxed);
      earliest_ = std::min(earliest_, deadline);
      return;
    }
  }
  std::move(retry)();  // shutting down: answer now
}

void PullRequestHoldService::NotifyMessageArriving(std::string_view topic,
                                                   int32_t queue_id,
                                                   int64_t next_offset,
                                                   int64_t tags_code) {
  // The put path calls this for every message: nothing to do, no lock.
  if (parked_.load(std::memory_order_relaxed) == 0) return;
  Wake(topic, queue_id, next_offset, &tags_code);
}

void PullRequestHoldService::WakeBehind(std::string_view topic,
                                        int32_t queue_id, int64_t next_offset) {
  Wake(topic, queue_id, next_offset, nullptr);
}

void PullRequestHoldService::Wake(std::string_view topic, int32_t queue_id,
                                  int64_t next_offset,
                                  const int64_t* tags_code) {
  std::vector<Retry> ready;
  {
    absl::MutexLock lock(&mu_);
    auto it = waiting_.find(Key(topic, queue_id));
    if (it == waiting_.end()) return;
    std::vector<Parked>& parked = it->second;
    for (auto p = parked.begin(); p != parked.end();) {
      // A message past the pull's offset that it would take wakes it.
      if (next_offset > p->offset &&
          (tags_code == nullptr || p->filter.Matches(*tags_code))) {
        ready.push_back(std::move(p->retry));
        p = parked.erase(p);
      } else {
        ++p;
      }
    }
    if (parked.empty()) waiting_.erase(it);
    parked_.fetch_sub(ready.size(), std::memory_order_relaxed);
  }
  RunRetries(std::move(ready));
}

void PullRequestHoldService::RunRetries(std::vector<Retry> retries) {
  for (Retry& retry : retries) {
    if (!dispatch_ || !dispatch_(retry)) std::move(retry)();
  }
}

void PullRequestHoldService::Run() {
  NameThisThread("PullRequestHold");
  while (true) {
    std::vector<Retry> expired;
    {
      absl::MutexLock lock(&mu_);
      const auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || absl::Now() >= earliest_;
      };
      mu_.AwaitWithDeadline(
          absl::Condition(&woken),
          std::min(earliest_, absl::Now() + absl::Seconds(1)));
      if (stopping_) return;
      const absl::Time now = absl::Now();
      earliest_ = absl::InfiniteFuture();
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        std::vector<Parked>& parked = it->second;
        for (auto p = parked.begin(); p != parked.end();) {
          if (p->deadline <= now) {
            expired.push_back(std::move(p->retry));
            p = parked.erase(p);
          } else {
            earliest_ = std::min(earliest_, p->deadline);
            ++p;
          }
        }
        if (parked.empty()) {
          waiting_.erase(it++);
        } else {
          ++it;
        }
      }
      parked_.fetch_sub(expired.size(), std::memory_order_relaxed);
    }
    RunRetries(std::move(expired));
  }
}

}  // namespace rmq::broker
