#include "broker/send_message_processor.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "broker/message_batch.h"
#include "remoting/codes.h"

namespace rmq::broker {
namespace {

using remoting::RemotingCommand;
namespace code = remoting::request;
namespace rc = remoting::response;

constexpr char kRetryPrefix[] = "%RETRY%";
constexpr char kDlqPrefix[] = "%DLQ%";
constexpr std::string_view kPropertyTransaction = "TRAN_MSG";
constexpr int32_t kSysFlagMultiTags = 0x2;
// Clients from V3_4_9 on send maxReconsumeTimes (§9.2.1 step 5).
constexpr int32_t kVersionWithMaxReconsumeTimes = 121;

RemotingCommand Error(const RemotingCommand& request, int32_t c,
                      std::string remark) {
  return RemotingCommand::ResponseTo(request, c, std::move(remark));
}

}  // namespace

std::pair<int32_t, std::string> SendErrorResponse(const absl::Status& status) {
  std::string remark(status.message());
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return {rc::kMessageIllegal, remark};
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnavailable:
      return {rc::kServiceNotAvailable,
              absl::StrCat("service not available now: ", remark)};
    default:
      return {rc::kSystemError, remark};
  }
}

SendMessageProcessor::SendMessageProcessor(const BrokerConfig& config,
                                           MessageStore& store,
                                           TopicConfigManager& topics,
                                           SubscriptionGroupManager& groups,
                                           Logger& logger,
                                           std::function<void()> topic_created)
    : config_(config),
      store_(store),
      topics_(topics),
      groups_(groups),
      logger_(logger),
      topic_created_(std::move(topic_created)) {}

absl::StatusOr<SendMessageProcessor::Target>
SendMessageProcessor::ResolveTarget(const Command& request,
                                    SendMessageHeader& header, Command* error) {
  const auto fail = [&](int32_t c, std::string remark) {
    *error = Error(request, c, std::move(remark));
    return absl::FailedPreconditionError("refused");
  };
  if (!IsWriteable(topics_.broker_permission())) {
    return fail(rc::kNoPermission,
                absl::StrCat("the broker[", config_.broker_name,
                             "] "
                             "sending message is forbidden"));
  }
  if (absl::Status s = ValidateTopicName(header.topic); !s.ok()) {
    return fail(rc::kMessageIllegal, std::string(s.message()));
  }
  if (IsNotAllowedSendTopic(header.topic)) {
    return fail(rc::kNoPermission,
                absl::StrCat("Sending message to topic[", header.topic,
                             "] is forbidden."));
  }
  std::optional<TopicConfig> topic = topics_.Find(header.topic);
  if (!topic.has_value()) {
    absl::StatusOr<TopicConfig> created =
        absl::StartsWith(header.topic, kRetryPrefix)
            ? topics_.CreateForSendBack(header.topic, 1, kPermRead | kPermWrite)
            : topics_.CreateForSend(header.topic, header.default_topic,
                                    header.default_topic_queue_nums);
    if (!created.ok()) {
      if (created.status().code() == absl::StatusCode::kNotFound ||
          created.status().code() == absl::StatusCode::kFailedPrecondition) {
        return fail(rc::kTopicNotExist,
                    absl::StrCat("topic[", header.topic,
                                 "] not exist, apply first please!"));
      }
      return fail(rc::kSystemError, std::string(created.status().message()));
    }
    logger_.Log(LogLevel::kInfo,
                absl::StrCat("created topic ", header.topic, " for ",
                             request.remark.value_or("a send"), " (",
                             created->write_queue_nums, " queues)"));
    if (topic_created_) topic_created_();
    topic = *std::move(created);
  }
  if (!IsWriteable(topic->perm)) {
    return fail(rc::kNoPermission,
                absl::StrCat("the topic[", header.topic,
                             "] sending message is forbidden"));
  }
  Target target{.topic = *std::move(topic), .queue_id = header.queue_id};
  const int32_t queues =
      std::max(target.topic.read_queue_nums, target.topic.write_queue_nums);
  if (target.queue_id >= queues) {
    return fail(rc::kSystemError,
                absl::StrCat("request queueId[", target.queue_id,
                             "] is illegal, topic: ", header.topic, " has ",
                             queues, " queues"));
  }
  if (target.queue_id < 0) {
    target.queue_id = static_cast<int32_t>(
        next_queue_.fetch_add(1, std::memory_order_relaxed) %
        static_cast<uint32_t>(std::max(1, target.topic.write_queue_nums)));
  }
  return target;
}

bool SendMessageProcessor::RedirectToDeadLetter(const Command& request,
                                                SendMessageHeader& header,
                                                Target& target,
                                                Command* error) {
  if (!absl::StartsWith(header.topic, kRetryPrefix)) return true;
  const std::string group = header.topic.substr(sizeof(kRetryPrefix) - 1);
  std::optional<SubscriptionGroupConfig> sub = groups_.Find(group);
  if (!sub.has_value()) {
    *error = Error(request, rc::kSubscriptionGroupNotExist,
                   absl::StrCat("subscription group not exist, ", group));
    return false;
  }
  int32_t max = sub->retry_max_times;
  if (request.version >= kVersionWithMaxReconsumeTimes &&
      header.max_reconsume_times >= 0) {
    max = header.max_reconsume_times;
  }
  if (header.reconsume_times < max) return true;
  const std::string dlq = absl::StrCat(kDlqPrefix, group);
  absl::StatusOr<TopicConfig> dead =
      topics_.CreateForSendBack(dlq, 1, kPermRead | kPermWrite);
  if (!dead.ok()) {
    *error = Error(request, rc::kSystemError,
                   absl::StrCat("topic[", dlq, "] not exist"));
    return false;
  }
  if (topic_created_) topic_created_();
  header.topic = dlq;
  target.topic = *std::move(dead);
  target.queue_id = 0;
  return true;
}

MessageToStore SendMessageProcessor::BuildMessage(
    const SendMessageHeader& header, const Target& target,
    const HostAddress& born_host) const {
  MessageToStore m;
  m.topic = header.topic;
  m.queue_id = target.queue_id;
  m.flag = header.flag;
  m.properties = MessageProperties::Parse(header.properties);
  // 4.9.8 stores CLUSTER and not WAIT, which only steers the reply.
  if (const std::string* wait = m.properties.Find(kPropertyWait)) {
    m.wait_for_flush = *wait != "false";
    m.properties.Erase(kPropertyWait);
  }
  m.properties.Set(kPropertyCluster, config_.broker_cluster_name);
  m.sys_flag = header.sys_flag;
  if (target.topic.topic_filter_type == kMultiTag) {
    m.sys_flag |= kSysFlagMultiTags;
  }
  m.born_timestamp_ms = header.born_timestamp;
  m.born_host = born_host;
  m.reconsume_times = header.reconsume_times;
  return m;
}

RemotingCommand SendMessageProcessor::Stored(const Command& request,
                                             const std::vector<PutResult>& puts,
                                             int32_t queue_id) const {
  const bool timed_out =
      std::any_of(puts.begin(), puts.end(),
                  [](const PutResult& p) { return p.flush_timed_out; });
  RemotingCommand response = RemotingCommand::ResponseTo(
      request, timed_out ? rc::kFlushDiskTimeout : rc::kSuccess);
  std::vector<std::string> ids;
  ids.reserve(puts.size());
  for (const PutResult& p : puts) ids.push_back(p.msg_id());
  // Java writes the fixed fields first (protocol-vectors §4.2).
  response.ext_fields.Set("msgId", absl::StrJoin(ids, ","));
  response.ext_fields.Set("queueId", std::to_string(queue_id));
  response.ext_fields.Set("queueOffset",
                          std::to_string(puts.front().queue_offset.value()));
  response.ext_fields.Set("MSG_REGION", config_.region_id);
  response.ext_fields.Set("TRACE_ON", config_.trace_on ? "true" : "false");
  return response;
}

void SendMessageProcessor::Handle(const Command& request,
                                  const std::string& remote_addr,
                                  Respond respond) {
  absl::StatusOr<SendMessageHeader> header = DecodeSendMessageHeader(request);
  if (!header.ok()) {
    std::move(respond)(Error(request, rc::kSystemError,
                             std::string(header.status().message())));
    return;
  }
  Command error;
  absl::StatusOr<Target> target = ResolveTarget(request, *header, &error);
  if (!target.ok() ||
      !RedirectToDeadLetter(request, *header, *target, &error)) {
    std::move(respond)(std::move(error));
    return;
  }
  absl::StatusOr<HostAddress> born_host = HostAddress::Parse(remote_addr);
  if (!born_host.ok()) born_host = HostAddress{};
  if (request.code == code::kSendBatchMessage) {
    SendBatch(request, *header, *target, *born_host, std::move(respond));
    return;
  }
  MessageToStore message = BuildMessage(*header, *target, *born_host);
  message.body = request.body;
  if (const std::string* tx = message.properties.Find(kPropertyTransaction);
      tx != nullptr && *tx == "true") {
    std::move(respond)(
        Error(request, rc::kNoPermission,
              absl::StrCat("the broker[", config_.broker_name,
                           "] does not take transactional messages yet")));
    return;
  }
  SendOne(request, std::move(message), target->queue_id, std::move(respond));
}

void SendMessageProcessor::SendOne(const Command& request,
                                   MessageToStore message, int32_t queue_id,
                                   Respond respond) {
  // The request outlives this call only through what the callback keeps.
  Command shell = RemotingCommand::ResponseTo(request, rc::kSuccess);
  store_.PutAsync(message, [this, shell = std::move(shell), queue_id,
                            respond = std::move(respond)](
                               absl::StatusOr<PutResult> put) mutable {
    if (!put.ok()) {
      auto [c, remark] = SendErrorResponse(put.status());
      shell.code = c;
      shell.remark = std::move(remark);
      std::move(respond)(std::move(shell));
      return;
    }
    std::move(respond)(Stored(shell, {*put}, queue_id));
  });
}

void SendMessageProcessor::SendBatch(const Command& request,
                                     const SendMessageHeader& header,
                                     const Target& target,
                                     const HostAddress& born_host,
                                     Respond respond) {
  absl::StatusOr<std::vector<BatchEntry>> entries =
      DecodeMessageBatch(request.body);
  if (!entries.ok()) {
    std::move(respond)(Error(request, rc::kMessageIllegal,
                             std::string(entries.status().message())));
    return;
  }
  const MessageToStore wrapper = BuildMessage(header, target, born_host);
  if (wrapper.properties.Find(kPropertyDelayLevel) != nullptr) {
    std::move(respond)(Error(request, rc::kMessageIllegal,
                             "a batch message cannot be delayed"));
    return;
  }
  std::vector<MessageToStore> messages;
  messages.reserve(entries->size());
  for (const BatchEntry& entry : *entries) {
    MessageToStore m = wrapper;
    m.flag = entry.flag;
    m.body = std::string(entry.body);
    m.properties = MessageProperties::Parse(entry.properties);
    // Java appends the batch's text after the message's; parsed, the later
    // value wins.
    for (const auto& [name, value] : wrapper.properties.entries()) {
      m.properties.Set(name, value);
    }
    messages.push_back(std::move(m));
  }
  absl::StatusOr<std::vector<PutResult>> puts = store_.PutBatch(messages);
  if (!puts.ok()) {
    auto [c, remark] = SendErrorResponse(puts.status());
    std::move(respond)(Error(request, c, std::move(remark)));
    return;
  }
  std::move(respond)(Stored(request, *puts, target.queue_id));
}

}  // namespace rmq::broker
