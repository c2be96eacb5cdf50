#include "broker/admin_processor.h"

#include <charconv>

#include "absl/strings/str_cat.h"
#include "broker/config_file.h"
#include "broker/request_fields.h"
#include "broker/topic_config.h"
#include "remoting/codes.h"
#include "remoting/json_header.h"

namespace rmq::broker {
namespace {

using remoting::AppendJsonString;
using remoting::RemotingCommand;
namespace code = remoting::request;
namespace rc = remoting::response;

// MessageStoreConfig.defaultQueryMaxNum: what a unique-key query returns.
constexpr int64_t kDefaultQueryMaxNum = 32;

RemotingCommand Ok(const RemotingCommand& request) {
  return RemotingCommand::ResponseTo(request, rc::kSuccess);
}

void AppendRecords(const std::vector<StoredRecord>& records, std::string* out) {
  for (const StoredRecord& r : records) {
    out->append(reinterpret_cast<const char*>(r.bytes.data()), r.bytes.size());
  }
}

}  // namespace

AdminProcessor::AdminProcessor(
    const BrokerConfig& config, MessageStore& store, TopicConfigManager& topics,
    SubscriptionGroupManager& groups, const BrokerStats& stats, Logger& logger,
    std::function<void()> topics_changed,
    std::function<std::map<std::string, std::string>()> extra_runtime_info)
    : config_(config),
      store_(store),
      topics_(topics),
      groups_(groups),
      stats_(stats),
      logger_(logger),
      topics_changed_(std::move(topics_changed)),
      extra_runtime_info_(std::move(extra_runtime_info)) {}

bool AdminProcessor::Handles(int32_t c) {
  switch (c) {
    case code::kUpdateAndCreateTopic:
    case code::kGetAllTopicConfig:
    case code::kDeleteTopicInBroker:
    case code::kGetMaxOffset:
    case code::kGetMinOffset:
    case code::kGetEarliestMsgStoreTime:
    case code::kSearchOffsetByTimestamp:
    case code::kQueryMessage:
    case code::kViewMessageById:
    case code::kGetBrokerRuntimeInfo:
    case code::kGetTopicStatsInfo:
    case code::kUpdateAndCreateSubscriptionGroup:
    case code::kGetAllSubscriptionGroupConfig:
    case code::kDeleteSubscriptionGroup:
      return true;
    default:
      return false;
  }
}

RemotingCommand AdminProcessor::Handle(const Command& request) {
  switch (request.code) {
    case code::kUpdateAndCreateTopic:
      return UpdateAndCreateTopic(request);
    case code::kGetAllTopicConfig: {
      RemotingCommand response = Ok(request);
      response.body = topics_.EncodeWrapper();
      return response;
    }
    case code::kDeleteTopicInBroker:
      return DeleteTopic(request);
    case code::kGetMaxOffset:
    case code::kGetMinOffset:
    case code::kGetEarliestMsgStoreTime:
    case code::kSearchOffsetByTimestamp:
      return OffsetLookup(request);
    case code::kQueryMessage:
      return QueryMessage(request);
    case code::kViewMessageById:
      return ViewMessageById(request);
    case code::kGetBrokerRuntimeInfo:
      return RuntimeInfo(request);
    case code::kGetTopicStatsInfo:
      return TopicStats(request);
    case code::kUpdateAndCreateSubscriptionGroup:
      return UpdateSubscriptionGroup(request);
    case code::kGetAllSubscriptionGroupConfig: {
      RemotingCommand response = Ok(request);
      response.body = groups_.Encode();
      return response;
    }
    case code::kDeleteSubscriptionGroup:
      return DeleteSubscriptionGroup(request);
    default:
      return RemotingCommand::ResponseTo(
          request, rc::kRequestCodeNotSupported,
          absl::StrCat(" request type ", request.code, " not supported"));
  }
}

RemotingCommand AdminProcessor::UpdateAndCreateTopic(const Command& request) {
  RequestFields f(request);
  TopicConfig topic;
  topic.topic_name = f.String("topic");
  topic.read_queue_nums = static_cast<int32_t>(f.Long("readQueueNums"));
  topic.write_queue_nums = static_cast<int32_t>(f.Long("writeQueueNums"));
  topic.perm = static_cast<int32_t>(f.Long("perm"));
  if (const std::string* type = request.ext_fields.Find("topicFilterType")) {
    topic.topic_filter_type = *type;
  }
  if (request.ext_fields.Find("topicSysFlag") != nullptr) {
    topic.topic_sys_flag = static_cast<int32_t>(f.Long("topicSysFlag"));
  }
  topic.order = f.BoolOr("order", false);
  if (auto error = f.Error()) return *error;
  if (config_.store.broker_role == BrokerRole::kSlave) {
    return RemotingCommand::ResponseTo(request, rc::kSystemError,
                                       "a slave broker cannot create topics");
  }
  if (absl::Status s = topics_.ValidateTopicForAdmin(topic.topic_name);
      !s.ok()) {
    return RemotingCommand::ResponseTo(request, rc::kSystemError,
                                       std::string(s.message()));
  }
  if (absl::Status s = topics_.UpdateOrCreate(topic); !s.ok()) {
    return RemotingCommand::ResponseTo(request, rc::kSystemError,
                                       std::string(s.message()));
  }
  logger_.Log(
      LogLevel::kInfo,
      absl::StrCat("topic ", topic.topic_name,
                   " created/updated: ", topic.read_queue_nums, " read, ",
                   topic.write_queue_nums, " write queues, perm ", topic.perm));
  if (topics_changed_) topics_changed_();
  return Ok(request);
}

RemotingCommand AdminProcessor::DeleteTopic(const Command& request) {
  RequestFields f(request);
  const std::string topic = f.String("topic");
  if (auto error = f.Error()) return *error;
  absl::Status s = topics_.Delete(topic);
  if (!s.ok() && s.code() != absl::StatusCode::kNotFound) {
    return RemotingCommand::ResponseTo(request, rc::kSystemError,
                                       std::string(s.message()));
  }
  logger_.Log(LogLevel::kInfo, absl::StrCat("topic ", topic, " deleted"));
  if (topics_changed_) topics_changed_();
  return Ok(request);
}

RemotingCommand AdminProcessor::OffsetLookup(const Command& request) {
  RequestFields f(request);
  const std::string topic = f.String("topic");
  const QueueId queue(static_cast<int32_t>(f.Long("queueId")));
  const int64_t timestamp =
      request.code == code::kSearchOffsetByTimestamp ? f.Long("timestamp") : 0;
  if (auto error = f.Error()) return *error;
  RemotingCommand response = Ok(request);
  switch (request.code) {
    case code::kGetMaxOffset:
      response.ext_fields.Set(
          "offset",
          std::to_string(store_.MaxOffsetInQueue(topic, queue).value()));
      break;
    case code::kGetMinOffset:
      response.ext_fields.Set(
          "offset",
          std::to_string(store_.MinOffsetInQueue(topic, queue).value()));
      break;
    case code::kGetEarliestMsgStoreTime: {
      absl::StatusOr<int64_t> time = store_.EarliestMessageTime(topic, queue);
      response.ext_fields.Set("timestamp",
                              std::to_string(time.ok() ? *time : -1));
      break;
    }
    default:
      response.ext_fields.Set(
          "offset",
          std::to_string(store_.OffsetByTime(topic, queue, timestamp).value()));
  }
  return response;
}

RemotingCommand AdminProcessor::QueryMessage(const Command& request) {
  RequestFields f(request);
  const std::string topic = f.String("topic");
  const std::string key = f.String("key");
  int64_t max = f.Long("maxNum");
  const int64_t begin = f.Long("beginTimestamp");
  const int64_t end = f.Long("endTimestamp");
  if (auto error = f.Error()) return *error;
  if (const std::string* unique = request.ext_fields.Find("_UNIQUE_KEY_QUERY");
      unique != nullptr && *unique == "true") {
    max = kDefaultQueryMaxNum;
  }
  absl::StatusOr<QueryResult> found = store_.QueryByKey(
      topic, key, static_cast<int32_t>(std::min<int64_t>(max, INT32_MAX)),
      begin, end);
  if (!found.ok()) {
    return RemotingCommand::ResponseTo(request, rc::kSystemError,
                                       std::string(found.status().message()));
  }
  RemotingCommand response = Ok(request);
  response.ext_fields.Set("indexLastUpdateTimestamp",
                          std::to_string(found->index_last_update_timestamp));
  response.ext_fields.Set(
      "indexLastUpdatePhyoffset",
      std::to_string(found->index_last_update_phy_offset.value()));
  if (found->records.empty()) {
    response.code = rc::kQueryNotFound;
    response.remark = "can not find message, maybe time range not correct";
    return response;
  }
  AppendRecords(found->records, &response.body);
  return response;
}

RemotingCommand AdminProcessor::ViewMessageById(const Command& request) {
  RequestFields f(request);
  const int64_t offset = f.Long("offset");
  if (auto error = f.Error()) return *error;
  absl::StatusOr<GetResult> found = store_.LookByOffset(PhysicalOffset(offset));
  if (!found.ok() || found->records.empty()) {
    return RemotingCommand::ResponseTo(
        request, rc::kSystemError,
        absl::StrCat("can not find message by the offset, ", offset));
  }
  RemotingCommand response = Ok(request);
  AppendRecords(found->records, &response.body);
  return response;
}

RemotingCommand AdminProcessor::RuntimeInfo(const Command& request) {
  const StoreStats store = store_.Stats();
  const BrokerStats::Totals totals = stats_.totals();
  std::map<std::string, std::string> table = {
      {"brokerVersion", kBrokerVersion},
      {"brokerVersionDesc", kBrokerVersionDesc},
      {"msgPutTotalTodayNow", std::to_string(totals.put_today_now)},
      {"msgGetTotalTodayNow", std::to_string(totals.get_today_now)},
      {"msgPutTotalTodayMorning", std::to_string(totals.put_today_morning)},
      {"msgGetTotalTodayMorning", std::to_string(totals.get_today_morning)},
      {"msgPutTotalYesterdayMorning",
       std::to_string(totals.put_yesterday_morning)},
      {"msgGetTotalYesterdayMorning",
       std::to_string(totals.get_yesterday_morning)},
      {"putTps", stats_.PutTps()},
      {"getTransferedTps", stats_.GetTps()},
      {"getTotalTps", stats_.GetTps()},
      {"getFoundTps", stats_.GetTps()},
      {"getMissTps", "0.00 0.00 0.00"},
      {"commitLogMinOffset", std::to_string(store.min_physical_offset)},
      {"commitLogMaxOffset", std::to_string(store.written_offset)},
      {"dispatchBehindBytes",
       std::to_string(store.written_offset - store.indexed_offset)},
      {"remainHowManyDataToFlush",
       std::to_string(store.written_offset - store.flushed_offset)},
      {"pageCacheLockTimeMills", "0"},
  };
  if (absl::StatusOr<int64_t> earliest = store_.EarliestMessageTime();
      earliest.ok()) {
    table["earliestMessageTimeStamp"] = std::to_string(*earliest);
  }
  if (extra_runtime_info_) table.merge(extra_runtime_info_());
  RemotingCommand response = Ok(request);
  response.body = R"({"table":{)";
  bool first = true;
  for (const auto& [key, value] : table) {
    if (!first) response.body.push_back(',');
    first = false;
    AppendJsonString(key, &response.body);
    response.body.push_back(':');
    AppendJsonString(value, &response.body);
  }
  response.body.append("}}");
  return response;
}

RemotingCommand AdminProcessor::UpdateSubscriptionGroup(
    const Command& request) {
  rapidjson::Document doc;
  SubscriptionGroupConfig group;
  absl::Status parsed = ParseFastjson(request.body, &doc);
  if (parsed.ok()) parsed = DecodeSubscriptionGroupConfig(doc, &group);
  if (parsed.ok()) parsed = groups_.UpdateOrCreate(group);
  if (!parsed.ok()) {
    return RemotingCommand::ResponseTo(
        request, rc::kSystemError,
        absl::StrCat("update subscription group: ", parsed.message()));
  }
  logger_.Log(LogLevel::kInfo,
              absl::StrCat("subscription group ", group.group_name,
                           " created/updated: retryMaxTimes ",
                           group.retry_max_times, ", consumeEnable ",
                           group.consume_enable ? "true" : "false"));
  return Ok(request);
}

RemotingCommand AdminProcessor::DeleteSubscriptionGroup(
    const Command& request) {
  RequestFields f(request);
  const std::string group = f.String("groupName");
  if (auto error = f.Error()) return *error;
  absl::Status s = groups_.Delete(group);
  if (!s.ok() && s.code() != absl::StatusCode::kNotFound) {
    return RemotingCommand::ResponseTo(request, rc::kSystemError,
                                       std::string(s.message()));
  }
  return Ok(request);
}

RemotingCommand AdminProcessor::TopicStats(const Command& request) {
  RequestFields f(request);
  const std::string topic = f.String("topic");
  if (auto error = f.Error()) return *error;
  std::optional<TopicConfig> config = topics_.Find(topic);
  if (!config.has_value()) {
    return RemotingCommand::ResponseTo(
        request, rc::kTopicNotExist,
        absl::StrCat("topic[", topic, "] not exist"));
  }
  // fastjson writes MessageQueue keys as JSON objects (§11.7): what Java's
  // admin tools parse.
  RemotingCommand response = Ok(request);
  std::string& out = response.body;
  out = R"({"offsetTable":{)";
  for (int32_t q = 0; q < config->write_queue_nums; ++q) {
    if (q > 0) out.push_back(',');
    const QueueId queue(q);
    const int64_t max = store_.MaxOffsetInQueue(topic, queue).value();
    const int64_t min = store_.MinOffsetInQueue(topic, queue).value();
    int64_t last = 0;
    if (max > 0) {
      absl::StatusOr<int64_t> t =
          store_.MessageStoreTime(topic, queue, QueueOffset(max - 1));
      if (t.ok()) last = *t;
    }
    out.append(R"({"brokerName":)");
    AppendJsonString(config_.broker_name, &out);
    absl::StrAppend(&out, R"(,"queueId":)", q, R"(,"topic":)");
    AppendJsonString(topic, &out);
    absl::StrAppend(&out, R"(}:{"lastUpdateTimestamp":)", last,
                    R"(,"maxOffset":)", max, R"(,"minOffset":)", min, "}");
  }
  out.append("}}");
  return response;
}

}  // namespace rmq::broker
