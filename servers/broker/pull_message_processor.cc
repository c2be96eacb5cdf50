#include "broker/pull_message_processor.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/str_cat.h"
#include "broker/topic_config.h"
#include "remoting/codes.h"

namespace rmq::broker {
namespace {

using remoting::RemotingCommand;
namespace rc = remoting::response;

// PULL_MESSAGE's response codes and PullSysFlag bits (§9.3.1).
constexpr int32_t kPullNotFound = 19;
constexpr int32_t kPullRetryImmediately = 20;
constexpr int32_t kPullOffsetMoved = 21;
constexpr int32_t kSubscriptionParseFailed = 23;
constexpr int32_t kSubscriptionNotExist = 24;
constexpr int32_t kSubscriptionNotLatest = 25;
constexpr int32_t kFlagCommitOffset = 1;
constexpr int32_t kFlagSuspend = 2;
constexpr int32_t kFlagSubscription = 4;
constexpr int64_t kMaxSuspendMs = 15000;

// RocketMQ's mapping from GetMessageStatus (PullMessageProcessor); an
// empty or missing queue moves a consumer that asked for anything but 0.
int32_t ResponseCode(const GetResult& got, int64_t requested_offset) {
  switch (got.status) {
    case GetStatus::kFound:
      return rc::kSuccess;
    case GetStatus::kNoMatchedMessage:
    case GetStatus::kMessageWasRemoving:
      return kPullRetryImmediately;
    case GetStatus::kNoMatchedLogicQueue:
    case GetStatus::kNoMessageInQueue:
      return requested_offset != 0 ? kPullOffsetMoved : kPullNotFound;
    case GetStatus::kOffsetFoundNull:
    case GetStatus::kOffsetOverflowOne:
      return kPullNotFound;
    case GetStatus::kOffsetOverflowBadly:
    case GetStatus::kOffsetTooSmall:
      return kPullOffsetMoved;
  }
  return rc::kSystemError;
}

}  // namespace

struct PullMessageProcessor::Pull {
  RemotingCommand request;  // header only: what the answer copies
  std::string group;
  std::string topic;
  int32_t queue_id = 0;
  int64_t offset = 0;
  int32_t max_messages = 32;
  int32_t sys_flag = 0;
  int64_t commit_offset = -1;
  int64_t suspend_ms = 15000;
  TagFilter filter;
};

PullMessageProcessor::PullMessageProcessor(
    const BrokerConfig& config, MessageStore& store, TopicConfigManager& topics,
    SubscriptionGroupManager& groups, const ClientManager& clients,
    PullRequestHoldService& hold,
    std::function<void(const std::string&, const std::string&, int32_t,
                       int64_t)>
        commit_offset)
    : config_(config),
      store_(store),
      topics_(topics),
      groups_(groups),
      clients_(clients),
      hold_(hold),
      commit_offset_(std::move(commit_offset)) {}

void PullMessageProcessor::Handle(const RemotingCommand& request,
                                  const std::string& remote_addr,
                                  PullRespond respond) {
  const auto fail = [&](int32_t code, std::string remark) {
    std::move(respond)(PullReply{.response = RemotingCommand::ResponseTo(
                                     request, code, std::move(remark)),
                                 .body = {},
                                 .keepalive = nullptr});
  };
  auto pull = std::make_shared<Pull>();
  std::string missing;
  const auto text = [&](const char* name) -> std::string {
    const std::string* v = request.ext_fields.Find(name);
    if (v == nullptr && missing.empty()) missing = name;
    return v != nullptr ? *v : "";
  };
  const auto number = [&](const char* name, auto* out) {
    const std::string v = text(name);
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
    if ((ec != std::errc() || ptr != v.data() + v.size()) && missing.empty()) {
      missing = name;
    }
  };
  pull->group = text("consumerGroup");
  pull->topic = text("topic");
  number("queueId", &pull->queue_id);
  number("queueOffset", &pull->offset);
  number("maxMsgNums", &pull->max_messages);
  number("sysFlag", &pull->sys_flag);
  number("commitOffset", &pull->commit_offset);
  number("suspendTimeoutMillis", &pull->suspend_ms);
  int64_t sub_version = 0;
  number("subVersion", &sub_version);
  if (!missing.empty()) {
    return fail(rc::kSystemError, absl::StrCat("the custom field <", missing,
                                               "> is missing or not a number"));
  }
  pull->request = RemotingCommand::ResponseTo(request, rc::kSuccess);

  // 1. Permissions: broker, group, topic, queue.
  if (!IsReadable(topics_.broker_permission())) {
    return fail(rc::kNoPermission,
                absl::StrCat("the broker[", config_.broker_name,
                             "] pulling message is forbidden"));
  }
  absl::StatusOr<SubscriptionGroupConfig> group = groups_.FindOrAutoCreate(
      pull->group, config_.auto_create_subscription_group);
  if (!group.ok()) {
    return fail(
        rc::kSubscriptionGroupNotExist,
        absl::StrCat("subscription group [", pull->group, "] does not exist"));
  }
  if (!group->consume_enable) {
    return fail(rc::kNoPermission, absl::StrCat("subscription group no "
                                                "permission, ",
                                                pull->group));
  }
  std::optional<TopicConfig> topic = topics_.Find(pull->topic);
  if (!topic.has_value()) {
    return fail(rc::kTopicNotExist,
                absl::StrCat("topic[", pull->topic,
                             "] not exist, apply first please!"));
  }
  if (!IsReadable(topic->perm)) {
    return fail(rc::kNoPermission, absl::StrCat("the topic[", pull->topic,
                                                "] pulling message is "
                                                "forbidden"));
  }
  if (pull->queue_id < 0 || pull->queue_id >= topic->read_queue_nums) {
    return fail(
        rc::kSystemError,
        absl::StrCat("queueId[", pull->queue_id, "] is illegal, topic:[",
                     pull->topic, "] topicConfig.readQueueNums:[",
                     topic->read_queue_nums, "] consumer:[", remote_addr, "]"));
  }

  // 2. The subscription: from this request, or from the heartbeats.
  if (pull->sys_flag & kFlagSubscription) {
    const std::string* type = request.ext_fields.Find("expressionType");
    if (type != nullptr && !type->empty() && *type != "TAG") {
      return fail(rc::kSystemError,
                  absl::StrCat("the broker does not filter by ", *type,
                               " (enablePropertyFilter is not supported)"));
    }
    const std::string* expression = request.ext_fields.Find("subscription");
    absl::StatusOr<TagFilter> filter = TagFilter::FromExpression(
        expression != nullptr ? std::string_view(*expression) : "*");
    if (!filter.ok()) {
      return fail(kSubscriptionParseFailed,
                  absl::StrCat("parse the consumer's subscription[",
                               expression != nullptr ? *expression : "",
                               "] failed: ", filter.status().message()));
    }
    pull->filter = *std::move(filter);
  } else {
    std::optional<ConsumerGroupInfo> info =
        clients_.FindConsumerGroup(pull->group);
    std::optional<SubscriptionData> sub =
        clients_.FindSubscription(pull->group, pull->topic);
    if (!info.has_value() || !sub.has_value()) {
      return fail(kSubscriptionNotExist,
                  "the consumer's subscription not exist");
    }
    if (info->message_model == MessageModel::kBroadcasting &&
        !group->consume_broadcast_enable) {
      return fail(rc::kNoPermission,
                  absl::StrCat("the consumer group[", pull->group,
                               "] can not consume by broadcast way"));
    }
    if (sub->sub_version < sub_version) {
      return fail(kSubscriptionNotLatest,
                  "the consumer's subscription not latest");
    }
    pull->filter = sub->sub_string.empty() || sub->sub_string == "*"
                       ? TagFilter::All()
                       : TagFilter::FromHashCodes(sub->code_set);
  }
  Execute(std::move(pull), /*first=*/true, std::move(respond));
}

void PullMessageProcessor::Execute(std::shared_ptr<const Pull> pull, bool first,
                                   PullRespond respond) {
  absl::StatusOr<GetResult> got =
      store_.Get(GetRequest{.topic = pull->topic,
                            .queue_id = QueueId(pull->queue_id),
                            .offset = QueueOffset(pull->offset),
                            .max_messages = std::max(1, pull->max_messages),
                            .filter = &pull->filter});
  if (!got.ok()) {
    std::move(respond)(PullReply{.response = RemotingCommand::ResponseTo(
                                     pull->request, rc::kSystemError,
                                     std::string(got.status().message())),
                                 .body = {},
                                 .keepalive = nullptr});
    return;
  }
  // 5. The commit bit, on the first execution only (a master's job).
  if (first && (pull->sys_flag & kFlagCommitOffset) && commit_offset_ &&
      config_.store.broker_role != BrokerRole::kSlave) {
    commit_offset_(pull->group, pull->topic, pull->queue_id,
                   pull->commit_offset);
  }
  const int32_t code = ResponseCode(*got, pull->offset);
  // 4. Nothing new: hold it (long polling) and answer on arrival or timeout.
  if (code == kPullNotFound && first && (pull->sys_flag & kFlagSuspend)) {
    // At most 15 s: a client's own timeout is 30 s (§10.6), and a broker
    // holding longer would only make it time out and retry.
    const int64_t hold_ms =
        config_.long_polling_enable
            ? std::clamp<int64_t>(pull->suspend_ms, 0, kMaxSuspendMs)
            : config_.short_polling_time_mills;
    hold_.Park(pull->topic, pull->queue_id, pull->offset, pull->filter,
               absl::Now() + absl::Milliseconds(hold_ms),
               [this, pull, respond = std::move(respond)]() mutable {
                 Execute(pull, /*first=*/false, std::move(respond));
               });
    // A message appended between the read and the parking wakes it now.
    hold_.WakeBehind(
        pull->topic, pull->queue_id,
        store_.MaxOffsetInQueue(pull->topic, QueueId(pull->queue_id)).value());
    return;
  }
  PullReply reply;
  reply.response = RemotingCommand::ResponseTo(
      pull->request, code, std::string(GetStatusName(got->status)));
  // A broker without slaves always says "keep pulling from me" (0).
  reply.response.ext_fields.Set("suggestWhichBrokerId", "0");
  reply.response.ext_fields.Set("nextBeginOffset",
                                std::to_string(got->next_begin_offset.value()));
  reply.response.ext_fields.Set("minOffset",
                                std::to_string(got->min_offset.value()));
  reply.response.ext_fields.Set("maxOffset",
                                std::to_string(got->max_offset.value()));
  if (code == rc::kSuccess) {
    for (const StoredRecord& r : got->records) reply.body.push_back(r.bytes);
    reply.keepalive = std::make_shared<GetResult>(*std::move(got));
  }
  std::move(respond)(std::move(reply));
}

}  // namespace rmq::broker
