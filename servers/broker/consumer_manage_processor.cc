#include "broker/consumer_manage_processor.h"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "broker/request_fields.h"
#include "remoting/codes.h"
#include "remoting/json_header.h"

namespace rmq::broker {
namespace {

using remoting::AppendJsonString;
using remoting::LanguageCode;
using remoting::RemotingCommand;
namespace code = remoting::request;
namespace rc = remoting::response;

// Codes this file needs that remoting/codes.h does not name yet (to be moved
// there).
constexpr int32_t kGetConsumeStats = 208;
constexpr int32_t kResetConsumerClientOffset = 220;
constexpr int32_t kInvokeBrokerToResetOffset = 222;

// Java's remark for QUERY_NOT_FOUND, which clients log.
constexpr char kQueryNotFoundRemark[] =
    "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first";

int64_t DetectPhysicalMemory() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<int64_t>(pages) * page_size;
}

struct QueueTarget {
  int32_t queue = 0;
  int64_t offset = 0;
};

// ResetOffsetBody, §11.7: {"offsetTable":{<MessageQueue>:offset,...}}.
std::string EncodeResetOffsetBody(std::string_view broker_name,
                                  std::string_view topic,
                                  const std::vector<QueueTarget>& targets) {
  std::string out = R"({"offsetTable":{)";
  for (size_t i = 0; i < targets.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendMessageQueueJson(broker_name, topic, targets[i].queue, &out);
    absl::StrAppend(&out, ":", targets[i].offset);
  }
  out.append("}}");
  return out;
}

// ResetOffsetBodyForC, §9.6.3: the C++ client's parser cannot read object
// keys, so it gets a list of MessageQueueForC, keys sorted as fastjson does:
// {"offsetTable":[{"brokerName":"b","offset":5,"queueId":0,"topic":"T"}]}.
std::string EncodeResetOffsetBodyForC(std::string_view broker_name,
                                      std::string_view topic,
                                      const std::vector<QueueTarget>& targets) {
  std::string out = R"({"offsetTable":[)";
  for (size_t i = 0; i < targets.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(R"({"brokerName":)");
    AppendJsonString(broker_name, &out);
    absl::StrAppend(&out, R"(,"offset":)", targets[i].offset, R"(,"queueId":)",
                    targets[i].queue, R"(,"topic":)");
    AppendJsonString(topic, &out);
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

}  // namespace

void AppendMessageQueueJson(std::string_view broker_name,
                            std::string_view topic, int32_t queue,
                            std::string* out) {
  out->append(R"({"brokerName":)");
  AppendJsonString(broker_name, out);
  absl::StrAppend(out, R"(,"queueId":)", queue, R"(,"topic":)");
  AppendJsonString(topic, out);
  out->push_back('}');
}

std::string JavaDoubleString(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0) return std::signbit(value) ? "-0.0" : "0.0";
  char buf[64];
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    // Plain notation, shortest digits that round-trip, at least one digit
    // after the point.
    auto [end, ec] =
        std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::fixed);
    std::string out(buf, end);
    if (out.find('.') == std::string::npos) out.append(".0");
    return out;
  }
  // Computerized scientific notation: "1.0E7", "1.25E-5".
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value,
                                 std::chars_format::scientific);
  const std::string_view text(buf, static_cast<size_t>(end - buf));
  const size_t e = text.find('e');
  std::string out(text.substr(0, e));
  if (out.find('.') == std::string::npos) out.append(".0");
  int exponent = 0;
  std::string_view exp_text = text.substr(e + 1);
  if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  absl::StrAppend(&out, "E", exponent);
  return out;
}

ConsumerManageProcessor::ConsumerManageProcessor(
    ConsumerOffsetManager& offsets, MessageStore& store,
    TopicConfigManager& topics, ClientManager& clients,
    ConsumerManageProcessorOptions options)
    : offsets_(offsets),
      store_(store),
      topics_(topics),
      clients_(clients),
      options_(std::move(options)),
      physical_memory_bytes_(options_.physical_memory_bytes > 0
                                 ? options_.physical_memory_bytes
                                 : DetectPhysicalMemory()) {}

bool ConsumerManageProcessor::Handles(int32_t c) {
  return c == code::kQueryConsumerOffset || c == code::kUpdateConsumerOffset ||
         c == kGetConsumeStats || c == kInvokeBrokerToResetOffset;
}

RemotingCommand ConsumerManageProcessor::Handle(const Command& request) {
  switch (request.code) {
    case code::kQueryConsumerOffset:
      return QueryConsumerOffset(request);
    case code::kUpdateConsumerOffset:
      return UpdateConsumerOffset(request);
    case kGetConsumeStats:
      return ConsumeStats(request);
    case kInvokeBrokerToResetOffset:
      return ResetOffset(request);
    default:
      return RemotingCommand::ResponseTo(
          request, rc::kRequestCodeNotSupported,
          absl::StrCat(" request type ", request.code, " not supported"));
  }
}

void ConsumerManageProcessor::Log(LogLevel level,
                                  const std::string& message) const {
  if (options_.logger) options_.logger->Log(level, message);
}

// Java answers offset 0 instead of QUERY_NOT_FOUND when the queue has never
// lost a message (min offset <= 0) and its first message is not "in disk":
// fewer than accessMessageInMemoryMaxRatio (40%) of physical RAM of commit
// log lies between it and the log end, so reading the whole queue is cheap.
// A new group on a small queue then consumes it from the start, whatever
// its consumeFromWhere. We compute the same thing from the first message's
// commit-log offset; "min offset <= 0" alone would send a new group through
// a backlog of hundreds of GB. An empty queue counts as in memory (Java: no
// consume-queue unit, so not in disk).
bool ConsumerManageProcessor::FirstMessageInMemory(const std::string& topic,
                                                   int32_t queue) const {
  GetRequest first;
  first.topic = topic;
  first.queue_id = QueueId(queue);
  first.offset = QueueOffset(0);
  first.max_messages = 1;
  absl::StatusOr<GetResult> result = store_.Get(first);
  if (!result.ok() || result->records.empty()) return true;
  const int64_t behind = store_.MaxPhysicalOffset().value() -
                         result->records.front().physical_offset.value();
  const int64_t in_memory = physical_memory_bytes_ / 100 *
                            store_.config().access_message_in_memory_max_ratio;
  return behind <= in_memory;
}

RemotingCommand ConsumerManageProcessor::QueryConsumerOffset(
    const Command& request) {
  RequestFields f(request);
  const std::string group = f.String("consumerGroup");
  const std::string topic = f.String("topic");
  const int32_t queue = f.Int("queueId");
  if (auto error = f.Error()) return *error;

  int64_t offset = offsets_.Query(group, topic, queue);
  if (offset < 0) {
    const int64_t min = store_.MinOffsetInQueue(topic, QueueId(queue)).value();
    if (min > 0 || !FirstMessageInMemory(topic, queue)) {
      return RemotingCommand::ResponseTo(request, rc::kQueryNotFound,
                                         kQueryNotFoundRemark);
    }
    offset = 0;
  }
  RemotingCommand response = RemotingCommand::ResponseTo(request, rc::kSuccess);
  response.ext_fields.Set("offset", absl::StrCat(offset));
  return response;
}

RemotingCommand ConsumerManageProcessor::UpdateConsumerOffset(
    const Command& request) {
  RequestFields f(request);
  const std::string group = f.String("consumerGroup");
  const std::string topic = f.String("topic");
  const int32_t queue = f.Int("queueId");
  const int64_t offset = f.Long("commitOffset");
  if (auto error = f.Error()) return *error;
  offsets_.Commit(group, topic, queue, offset);
  return RemotingCommand::ResponseTo(request, rc::kSuccess);
}

RemotingCommand ConsumerManageProcessor::ConsumeStats(const Command& request) {
  RequestFields f(request);
  const std::string group = f.String("consumerGroup");
  const std::optional<std::string> only_topic = f.Optional("topic");
  if (auto error = f.Error()) return *error;

  const std::vector<std::string> topic_names =
      only_topic ? std::vector<std::string>{*only_topic}
                 : offsets_.TopicsOf(group);
  // Java skips a topic the group does not subscribe to while it subscribes
  // to others (stale offsets of a topic it dropped).
  const std::optional<ConsumerGroupInfo> online =
      clients_.FindConsumerGroup(group);
  const bool subscribes_any = online && !online->subscriptions.empty();

  double tps = 0;
  std::string table;
  for (const std::string& topic : topic_names) {
    const std::optional<TopicConfig> config = topics_.Find(topic);
    if (!config) {
      Log(LogLevel::kWarn, absl::StrCat("consume stats of group ", group,
                                        ": topic ", topic, " not exist"));
      continue;
    }
    if (subscribes_any && !clients_.FindSubscription(group, topic)) continue;
    for (int32_t q = 0; q < config->read_queue_nums; ++q) {
      const QueueId queue(q);
      const int64_t broker_offset =
          std::max<int64_t>(0, store_.MaxOffsetInQueue(topic, queue).value());
      const int64_t consumer_offset =
          std::max<int64_t>(0, offsets_.Query(group, topic, q));
      int64_t last_timestamp = 0;
      if (consumer_offset > 0) {
        absl::StatusOr<int64_t> t = store_.MessageStoreTime(
            topic, queue, QueueOffset(consumer_offset - 1));
        if (t.ok() && *t > 0) last_timestamp = *t;
      }
      if (!table.empty()) table.push_back(',');
      AppendMessageQueueJson(options_.broker_name, topic, q, &table);
      absl::StrAppend(&table, R"(:{"brokerOffset":)", broker_offset,
                      R"(,"consumerOffset":)", consumer_offset,
                      R"(,"lastTimestamp":)", last_timestamp, "}");
    }
    if (options_.consume_tps) {
      const double topic_tps = options_.consume_tps(group, topic);
      if (std::isfinite(topic_tps)) tps += topic_tps;
    }
  }
  RemotingCommand response = RemotingCommand::ResponseTo(request, rc::kSuccess);
  response.body = absl::StrCat(R"({"consumeTps":)", JavaDoubleString(tps),
                               R"(,"offsetTable":{)", table, "}}");
  return response;
}

// Java's Broker2Client.resetOffset, with three deliberate differences:
//  * the target offsets are also stored here, so the reset holds even when
//    a client misses the oneway push (Java only tells the clients);
//  * a queue without an offset is reset to the target (Java refuses the
//    whole reset); only a group with no offset in the topic is unknown;
//  * the push body follows each connection's language (CPP gets the list
//    form), where Java picks one form for all by the admin tool's language,
//    so a C++ admin tool would send Java clients a body they cannot read;
//  * a group with no consumer online is reset as well (Java: 206).
// Nothing is stored or pushed when the answer is an error.
RemotingCommand ConsumerManageProcessor::ResetOffset(const Command& request) {
  RequestFields f(request);
  const std::string topic = f.String("topic");
  const std::string group = f.String("group");
  const int64_t timestamp = f.Long("timestamp");
  const bool force = f.Bool("isForce");
  if (auto error = f.Error()) return *error;

  const std::optional<TopicConfig> config = topics_.Find(topic);
  if (!config) {
    return RemotingCommand::ResponseTo(
        request, rc::kSystemError,
        absl::StrCat("[reset-offset] reset offset failed, no topic in this "
                     "broker. topic=",
                     topic));
  }
  const QueueOffsets current = offsets_.OffsetsOf(group, topic);
  if (current.empty()) {
    return RemotingCommand::ResponseTo(
        request, rc::kSystemError,
        absl::StrCat("The consumer group <", group, "> not exist"));
  }

  std::vector<QueueTarget> targets;
  for (int32_t q = 0; q < config->write_queue_nums; ++q) {
    const QueueId queue(q);
    int64_t target = timestamp == -1
                         ? store_.MaxOffsetInQueue(topic, queue).value()
                         : store_.OffsetByTime(topic, queue, timestamp).value();
    if (target < 0) target = 0;
    auto it = current.find(q);
    // Without isForce an offset only moves backwards: a reset must not skip
    // messages the group has not consumed yet.
    if (!force && it != current.end() && it->second <= target) {
      target = it->second;
    }
    targets.push_back({q, target});
  }

  // An offline group is reset too: its consumers read the stored offsets
  // when they start (Java answers CONSUMER_NOT_ONLINE and leaves it to the
  // admin tool's fallback).
  const std::vector<ClientChannel> channels = clients_.ConsumerChannels(group);
  for (const QueueTarget& t : targets) {
    offsets_.Commit(group, topic, t.queue, t.offset);
  }
  const std::string java_body =
      EncodeResetOffsetBody(options_.broker_name, topic, targets);
  if (options_.send_to_client) {
    const std::string c_body =
        EncodeResetOffsetBodyForC(options_.broker_name, topic, targets);
    for (const ClientChannel& channel : channels) {
      RemotingCommand push =
          RemotingCommand::Request(kResetConsumerClientOffset);
      push.flag |= remoting::kFlagOneway;
      // Java's header leaves isForce at its default (false); we say what
      // was asked. Clients act on the body only.
      push.ext_fields.Set("topic", topic);
      push.ext_fields.Set("group", group);
      push.ext_fields.Set("timestamp", absl::StrCat(timestamp));
      push.ext_fields.Set("isForce", force ? "true" : "false");
      push.body = channel.language == LanguageCode::kCpp ? c_body : java_body;
      options_.send_to_client(channel, std::move(push));
    }
  }
  Log(LogLevel::kInfo,
      absl::StrCat("reset offset of group ", group, " in topic ", topic,
                   " to timestamp ", timestamp, force ? " (forced)" : "",
                   ", told ", channels.size(), " connection(s)"));
  RemotingCommand response = RemotingCommand::ResponseTo(request, rc::kSuccess);
  response.body = java_body;
  return response;
}

}  // namespace rmq::broker
