#include "broker/rebalance_lock_manager.h"

#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "broker/config_file.h"
#include "remoting/json_header.h"

namespace rmq::broker {
namespace {

// Debian's absl::string_view is not std::string_view (STYLE.md §0); the
// maps' heterogeneous lookup accepts only the former.
absl::string_view Sv(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

absl::Status RequireNonEmptyString(const rapidjson::Value& object,
                                   const char* key, std::string* out) {
  if (absl::Status s = ReadJsonString(object, key, out); !s.ok()) return s;
  if (out->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", key, "\" is missing or empty"));
  }
  return absl::OkStatus();
}

}  // namespace

void AppendMessageQueueJson(const MessageQueue& mq, std::string* out) {
  out->append(R"({"brokerName":)");
  remoting::AppendJsonString(mq.broker_name, out);
  absl::StrAppend(out, R"(,"queueId":)", mq.queue_id, R"(,"topic":)");
  remoting::AppendJsonString(mq.topic, out);
  out->push_back('}');
}

absl::StatusOr<MessageQueue> DecodeMessageQueue(const rapidjson::Value& value) {
  if (!value.IsObject()) {
    return absl::InvalidArgumentError("not a MessageQueue object");
  }
  MessageQueue mq;
  if (absl::Status s = RequireNonEmptyString(value, "topic", &mq.topic);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          RequireNonEmptyString(value, "brokerName", &mq.broker_name);
      !s.ok()) {
    return s;
  }
  // Java would default a missing queueId to 0 and lock queue 0 by accident;
  // no client omits it, so its absence means a broken body.
  auto it = value.FindMember("queueId");
  if (it == value.MemberEnd() || it->value.IsNull()) {
    return absl::InvalidArgumentError("\"queueId\" is missing");
  }
  int64_t queue_id = 0;
  if (absl::Status s = ReadJsonInt(
          value, "queueId", 0, std::numeric_limits<int32_t>::max(), &queue_id);
      !s.ok()) {
    return s;
  }
  mq.queue_id = static_cast<int32_t>(queue_id);
  return mq;
}

RebalanceLockManager::RebalanceLockManager(absl::Duration lock_max_live_time)
    : lock_max_live_time_(lock_max_live_time) {}

std::vector<MessageQueue> RebalanceLockManager::TryLockBatch(
    std::string_view group, std::span<const MessageQueue> mqs,
    std::string_view client_id, absl::Time now) {
  std::vector<MessageQueue> locked;
  // Java's request carries a Set; a repeated queue is answered once.
  absl::flat_hash_set<MessageQueue> seen;
  absl::MutexLock lock(&mu_);
  GroupLocks& table = groups_[Sv(group)];
  for (const MessageQueue& mq : mqs) {
    if (!seen.insert(mq).second) continue;
    auto [it, inserted] = table.try_emplace(mq);
    LockEntry& entry = it->second;
    if (inserted || entry.client_id == client_id || Expired(entry, now)) {
      entry.client_id.assign(client_id);
      entry.last_update = now;
      locked.push_back(mq);
    }
  }
  // A request whose mqSet is empty must not leave an empty group behind.
  if (table.empty()) groups_.erase(Sv(group));
  return locked;
}

void RebalanceLockManager::UnlockBatch(std::string_view group,
                                       std::span<const MessageQueue> mqs,
                                       std::string_view client_id) {
  absl::MutexLock lock(&mu_);
  auto group_it = groups_.find(Sv(group));
  if (group_it == groups_.end()) return;
  GroupLocks& table = group_it->second;
  for (const MessageQueue& mq : mqs) {
    auto it = table.find(mq);
    if (it != table.end() && it->second.client_id == client_id) {
      table.erase(it);
    }
  }
  if (table.empty()) groups_.erase(group_it);
}

bool RebalanceLockManager::IsLocked(std::string_view group,
                                    const MessageQueue& mq,
                                    std::string_view client_id,
                                    absl::Time now) const {
  absl::MutexLock lock(&mu_);
  auto group_it = groups_.find(Sv(group));
  if (group_it == groups_.end()) return false;
  auto it = group_it->second.find(mq);
  return it != group_it->second.end() && it->second.client_id == client_id &&
         !Expired(it->second, now);
}

}  // namespace rmq::broker
