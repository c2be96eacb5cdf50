#include "broker/send_back_processor.h"

#include <charconv>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "broker/send_message_processor.h"
#include "broker/topic_config.h"
#include "remoting/codes.h"
#include "rmq/commitlog/record.h"

namespace rmq::broker {
namespace {

using remoting::RemotingCommand;
namespace code = remoting::request;
namespace rc = remoting::response;

constexpr char kRetryPrefix[] = "%RETRY%";
constexpr char kDlqPrefix[] = "%DLQ%";
// MixAll.DLQ_NUMS_PER_GROUP.
constexpr int32_t kDlqQueueNums = 1;
// Clients from V3_4_9 on send maxReconsumeTimes.
constexpr int32_t kVersionWithMaxReconsumeTimes = 121;
// Level 0 means "the broker chooses": 3 + reconsumeTimes (10 s, 30 s, 1 m,
// ... for the 1st, 2nd, 3rd retry).
constexpr int32_t kFirstRetryLevel = 3;

// ConsumerSendMsgBackRequestHeader, decoded as Java's decoder does: a
// required field that is missing or not a number fails the request with
// SYSTEM_ERROR naming it.
struct SendBackHeader {
  int64_t offset = 0;
  std::string group;
  int32_t delay_level = 0;
  std::optional<int32_t> max_reconsume_times;
};

template <typename Int>
bool ParseNumber(const std::string& text, Int* out) {
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

absl::StatusOr<SendBackHeader> DecodeHeader(const RemotingCommand& request) {
  const auto missing = [](const char* name, const char* what) {
    return absl::InvalidArgumentError(
        absl::StrCat("the custom field <", name, "> ", what));
  };
  SendBackHeader h;
  const std::string* offset = request.ext_fields.Find("offset");
  if (offset == nullptr) return missing("offset", "is null");
  if (!ParseNumber(*offset, &h.offset)) {
    return missing("offset", "is not a number");
  }
  const std::string* group = request.ext_fields.Find("group");
  if (group == nullptr) return missing("group", "is null");
  h.group = *group;
  const std::string* level = request.ext_fields.Find("delayLevel");
  if (level == nullptr) return missing("delayLevel", "is null");
  if (!ParseNumber(*level, &h.delay_level)) {
    return missing("delayLevel", "is not a number");
  }
  if (const std::string* max = request.ext_fields.Find("maxReconsumeTimes")) {
    int32_t value = 0;
    if (!ParseNumber(*max, &value)) {
      return missing("maxReconsumeTimes", "is not a number");
    }
    h.max_reconsume_times = value;
  }
  return h;
}

RemotingCommand Reply(const RemotingCommand& request, int32_t c,
                      std::optional<std::string> remark = {}) {
  return RemotingCommand::ResponseTo(request, c, std::move(remark));
}

}  // namespace

SendBackProcessor::SendBackProcessor(const BrokerConfig& config,
                                     MessageStore& store,
                                     TopicConfigManager& topics,
                                     SubscriptionGroupManager& groups,
                                     Logger& logger,
                                     std::function<void()> on_topic_created)
    : config_(config),
      store_(store),
      topics_(topics),
      groups_(groups),
      logger_(logger),
      on_topic_created_(std::move(on_topic_created)) {}

bool SendBackProcessor::Handles(int32_t c) {
  return c == code::kConsumerSendMsgBack;
}

absl::StatusOr<TopicConfig> SendBackProcessor::TopicForSendBack(
    const Command& request, const std::string& topic, int32_t queue_nums,
    Command* error) {
  const bool existed = topics_.Find(topic).has_value();
  absl::StatusOr<TopicConfig> config =
      topics_.CreateForSendBack(topic, queue_nums, kPermRead | kPermWrite);
  if (!config.ok()) {
    *error = Reply(request, rc::kSystemError,
                   absl::StrCat("topic[", topic, "] not exist"));
    return config.status();
  }
  if (!existed) {
    logger_.Log(LogLevel::kInfo,
                absl::StrCat("created topic ", topic, " (", queue_nums,
                             " queues) for a send-back"));
    if (on_topic_created_) on_topic_created_();
  }
  if (!IsWriteable(config->perm)) {
    *error = Reply(
        request, rc::kNoPermission,
        absl::StrCat("the topic[", topic, "] sending message is forbidden"));
    return absl::PermissionDeniedError("topic not writeable");
  }
  return config;
}

RemotingCommand SendBackProcessor::Handle(const Command& request) {
  absl::StatusOr<SendBackHeader> header = DecodeHeader(request);
  if (!header.ok()) {
    return Reply(request, rc::kSystemError,
                 std::string(header.status().message()));
  }
  // Step 1: the group (auto-created when allowed).
  absl::StatusOr<SubscriptionGroupConfig> group = groups_.FindOrAutoCreate(
      header->group, config_.auto_create_subscription_group);
  if (!group.ok()) {
    if (group.status().code() == absl::StatusCode::kNotFound) {
      return Reply(
          request, rc::kSubscriptionGroupNotExist,
          absl::StrCat("subscription group not exist, ", header->group));
    }
    return Reply(request, rc::kSystemError,
                 std::string(group.status().message()));
  }
  if (!IsWriteable(topics_.broker_permission())) {
    return Reply(request, rc::kNoPermission,
                 absl::StrCat("the broker[", config_.broker_name,
                              "] sending message is forbidden"));
  }
  // A group configured without retry queues does not retry: the message is
  // acknowledged and dropped.
  if (group->retry_queue_nums <= 0) return Reply(request, rc::kSuccess);

  // Java creates the retry topic before looking at the message, so it exists
  // (and is registered) for the consumer to subscribe even when this
  // message ends in the DLQ.
  Command error;
  const std::string retry_topic = absl::StrCat(kRetryPrefix, header->group);
  absl::StatusOr<TopicConfig> retry =
      TopicForSendBack(request, retry_topic, group->retry_queue_nums, &error);
  if (!retry.ok()) return error;

  // Step 2: the message as stored.
  absl::StatusOr<GetResult> found =
      store_.LookByOffset(PhysicalOffset(header->offset));
  std::optional<RecordView> original;
  if (found.ok() && !found->records.empty()) {
    absl::StatusOr<RecordView> v = DecodeRecord(found->records.front().bytes);
    if (v.ok() && !v->is_blank()) original = *v;
  }
  if (!original.has_value()) {
    return Reply(
        request, rc::kSystemError,
        absl::StrCat("look message by offset failed, ", header->offset));
  }

  // Step 3: remember the topic the consumer saw, once.
  MessageProperties properties = MessageProperties::Parse(original->properties);
  if (properties.Find(kPropertyRetryTopic) == nullptr) {
    properties.Set(kPropertyRetryTopic, original->topic);
  }
  properties.Set(kPropertyWait, "false");

  // Step 4: retry or dead letter.
  int32_t max = group->retry_max_times;
  if (request.version >= kVersionWithMaxReconsumeTimes &&
      header->max_reconsume_times.has_value()) {
    max = *header->max_reconsume_times;
  }
  MessageToStore m;
  int32_t delay_level = 0;
  if (original->reconsume_times >= max || header->delay_level < 0) {
    const std::string dlq = absl::StrCat(kDlqPrefix, header->group);
    absl::StatusOr<TopicConfig> dead =
        TopicForSendBack(request, dlq, kDlqQueueNums, &error);
    if (!dead.ok()) return error;
    m.topic = dlq;
    m.queue_id = 0;
  } else {
    delay_level = header->delay_level > 0
                      ? header->delay_level
                      : kFirstRetryLevel + original->reconsume_times;
    m.topic = retry_topic;
    m.queue_id = static_cast<int32_t>(
        next_queue_.fetch_add(1, std::memory_order_relaxed) %
        static_cast<uint32_t>(std::max(1, retry->write_queue_nums)));
  }
  // Java sets DELAY=0 on the DLQ path rather than removing it: a stored
  // DELAY=0 is the same as none, and the text matches Java's.
  properties.Set(kPropertyDelayLevel, std::to_string(delay_level));

  // Step 5: the copy. ORIGIN_MESSAGE_ID keeps the first delivery's id
  // across retries; the first time it is this record's offset message id.
  const std::string* origin = properties.Find(kPropertyOriginMessageId);
  if (origin == nullptr ||
      origin->find_first_not_of(" \t") == std::string::npos) {
    properties.Set(
        kPropertyOriginMessageId,
        OffsetMessageId(original->store_host, original->physical_offset));
  }
  m.flag = original->flag;
  m.body = std::string(original->body);
  m.properties = std::move(properties);
  m.sys_flag = original->sys_flag;
  m.born_timestamp_ms = original->born_timestamp;
  m.born_host = original->born_host;
  m.reconsume_times = original->reconsume_times + 1;
  m.wait_for_flush = false;
  absl::StatusOr<PutResult> put = store_.Put(m);
  if (!put.ok()) {
    auto [c, remark] = SendErrorResponse(put.status());
    return Reply(request, c, std::move(remark));
  }
  return Reply(request, rc::kSuccess);
}

}  // namespace rmq::broker
