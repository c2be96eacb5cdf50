#include "broker_client.h"

#include <charconv>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "remoting/codes.h"

namespace rmq::bench {
namespace {

namespace code = remoting::request;
namespace rc = remoting::response;
using remoting::RemotingCommand;

constexpr absl::Duration kAdminTimeout = absl::Seconds(5);
// How long a freshly created topic may take to show in the route: the
// broker registers it with the nameservers at once, so this is generous.
constexpr auto kRouteWait = std::chrono::seconds(15);
constexpr char kProducerGroup[] = "RmqBenchProducer";
constexpr char kConsumerGroup[] = "RmqBenchConsumer";

std::string ErrorText(const RemotingCommand& response) {
  return absl::StrCat("code ", response.code, " (",
                      response.remark.value_or(""), ")");
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::StatusOr<int64_t> LongField(const RemotingCommand& c, const char* name) {
  const std::string* v = c.ext_fields.Find(name);
  int64_t out = 0;
  if (v == nullptr) {
    return absl::DataLossError(absl::StrCat("answer without ", name));
  }
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || ptr != v->data() + v->size()) {
    return absl::DataLossError(absl::StrCat(name, " is not a number: ", *v));
  }
  return out;
}

// The master (brokerId "0") address of a BrokerData object, or "".
std::string MasterOf(const rapidjson::Value& broker_data) {
  if (!broker_data.IsObject() || !broker_data.HasMember("brokerAddrs")) {
    return "";
  }
  const rapidjson::Value& addrs = broker_data["brokerAddrs"];
  if (!addrs.IsObject() || !addrs.HasMember("0") || !addrs["0"].IsString()) {
    return "";
  }
  return addrs["0"].GetString();
}

void PutInt32(int32_t v, std::string* out) {
  const auto u = static_cast<uint32_t>(v);
  const char bytes[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16),
                         static_cast<char>(u >> 8), static_cast<char>(u)};
  out->append(bytes, 4);
}

}  // namespace

BrokerClient::BrokerClient(std::string namesrv, std::string topic)
    : namesrv_(std::move(namesrv)),
      topic_(std::move(topic)),
      logger_(StderrLogger(LogLevel::kWarn)),
      client_(std::make_unique<remoting::RemotingClient>(
          remoting::TransportOptions{}, *logger_)) {}

BrokerClient::~BrokerClient() { client_->Stop(); }

absl::StatusOr<std::unique_ptr<BrokerClient>> BrokerClient::Connect(
    const std::string& namesrv, const std::string& topic, int queues) {
  auto c = std::make_unique<BrokerClient>(namesrv, topic);
  absl::StatusOr<std::pair<std::string, int>> route = c->Route();
  if (route.ok() && route->second >= queues) {
    c->broker_addr_ = route->first;
    return c;
  }
  if (!route.ok() && !absl::IsNotFound(route.status())) return route.status();
  // Missing, or too few queues: (re)create it on the route's broker, or on
  // any master of the cluster when there is no route yet.
  absl::StatusOr<std::string> broker =
      route.ok() ? absl::StatusOr<std::string>(route->first) : c->AnyMaster();
  if (!broker.ok()) return broker.status();
  if (absl::Status s = c->CreateTopic(*broker, queues); !s.ok()) return s;
  const auto give_up = std::chrono::steady_clock::now() + kRouteWait;
  for (;;) {
    route = c->Route();
    if (route.ok() && route->second >= queues) break;
    if (!route.ok() && !absl::IsNotFound(route.status())) {
      return route.status();
    }
    if (std::chrono::steady_clock::now() > give_up) {
      return absl::DeadlineExceededError(absl::StrCat(
          "topic ", topic, " created on ", *broker, " but the nameserver ",
          namesrv, " does not route it with ", queues, " queues after ",
          kRouteWait.count(), " s"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  c->broker_addr_ = route->first;
  return c;
}

absl::StatusOr<std::pair<std::string, int>> BrokerClient::Route() {
  RemotingCommand request =
      RemotingCommand::Request(code::kGetRouteInfoByTopic);
  request.ext_fields.Set("topic", topic_);
  absl::StatusOr<RemotingCommand> response =
      client_->InvokeSync(namesrv_, std::move(request), kAdminTimeout);
  if (!response.ok()) return response.status();
  if (response->code == rc::kTopicNotExist) {
    return absl::NotFoundError(ErrorText(*response));
  }
  if (response->code != rc::kSuccess) {
    return absl::InternalError(absl::StrCat("GET_ROUTEINFO_BY_TOPIC ", topic_,
                                            ": ", ErrorText(*response)));
  }
  rapidjson::Document doc;
  doc.Parse(response->body.data(), response->body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("brokerDatas") ||
      !doc["brokerDatas"].IsArray() || !doc.HasMember("queueDatas") ||
      !doc["queueDatas"].IsArray()) {
    return absl::DataLossError(absl::StrCat(
        "route of ", topic_,
        " is not TopicRouteData: ", response->body.substr(0, 200)));
  }
  for (const rapidjson::Value& broker : doc["brokerDatas"].GetArray()) {
    const std::string master = MasterOf(broker);
    if (master.empty() || !broker.HasMember("brokerName")) continue;
    const rapidjson::Value& name = broker["brokerName"];
    for (const rapidjson::Value& q : doc["queueDatas"].GetArray()) {
      if (!q.IsObject() || !q.HasMember("brokerName") ||
          q["brokerName"] != name || !q.HasMember("readQueueNums") ||
          !q.HasMember("writeQueueNums") || !q["readQueueNums"].IsInt() ||
          !q["writeQueueNums"].IsInt()) {
        continue;
      }
      return std::make_pair(master, std::min(q["readQueueNums"].GetInt(),
                                             q["writeQueueNums"].GetInt()));
    }
  }
  return absl::NotFoundError(
      absl::StrCat("the route of ", topic_, " has no master with queues"));
}

absl::StatusOr<std::string> BrokerClient::AnyMaster() {
  absl::StatusOr<RemotingCommand> response = client_->InvokeSync(
      namesrv_, RemotingCommand::Request(code::kGetBrokerClusterInfo),
      kAdminTimeout);
  if (!response.ok()) return response.status();
  if (response->code != rc::kSuccess) {
    return absl::InternalError(
        absl::StrCat("GET_BROKER_CLUSTER_INFO: ", ErrorText(*response)));
  }
  rapidjson::Document doc;
  doc.Parse(response->body.data(), response->body.size());
  if (!doc.HasParseError() && doc.IsObject() &&
      doc.HasMember("brokerAddrTable") && doc["brokerAddrTable"].IsObject()) {
    for (const auto& member : doc["brokerAddrTable"].GetObject()) {
      std::string master = MasterOf(member.value);
      if (!master.empty()) return master;
    }
  }
  return absl::NotFoundError(
      absl::StrCat("no master broker registered with ", namesrv_));
}

absl::Status BrokerClient::CreateTopic(const std::string& broker, int queues) {
  RemotingCommand request =
      RemotingCommand::Request(code::kUpdateAndCreateTopic);
  request.ext_fields.Set("topic", topic_);
  request.ext_fields.Set("defaultTopic", "TBW102");
  request.ext_fields.Set("readQueueNums", std::to_string(queues));
  request.ext_fields.Set("writeQueueNums", std::to_string(queues));
  request.ext_fields.Set("perm", "6");
  request.ext_fields.Set("topicFilterType", "SINGLE_TAG");
  request.ext_fields.Set("topicSysFlag", "0");
  request.ext_fields.Set("order", "false");
  absl::StatusOr<RemotingCommand> response =
      client_->InvokeSync(broker, std::move(request), kAdminTimeout);
  if (!response.ok()) return response.status();
  if (response->code != rc::kSuccess) {
    return absl::InternalError(absl::StrCat("UPDATE_AND_CREATE_TOPIC ", topic_,
                                            " on ", broker, ": ",
                                            ErrorText(*response)));
  }
  return absl::OkStatus();
}

RemotingCommand BrokerClient::SendRequest(int32_t queue,
                                          std::string body) const {
  RemotingCommand r = RemotingCommand::Request(code::kSendMessageV2);
  r.ext_fields.Set("a", kProducerGroup);
  r.ext_fields.Set("b", topic_);
  r.ext_fields.Set("c", "TBW102");
  r.ext_fields.Set("d", "4");
  r.ext_fields.Set("e", std::to_string(queue));
  r.ext_fields.Set("f", "0");
  r.ext_fields.Set("g", std::to_string(NowMillis()));
  r.ext_fields.Set("h", "0");
  // WAIT=false: the workloads measure the broker's path to the consumer, not
  // a flush the default ASYNC_FLUSH broker would not wait for anyway.
  r.ext_fields.Set("i",
                   "WAIT\x01"
                   "false");
  r.ext_fields.Set("j", "0");
  r.ext_fields.Set("k", "false");
  r.body = std::move(body);
  return r;
}

RemotingCommand BrokerClient::BatchRequest(int32_t queue,
                                           std::string body) const {
  RemotingCommand r = SendRequest(queue, std::move(body));
  r.code = code::kSendBatchMessage;
  r.ext_fields.Set("m", "true");
  return r;
}

RemotingCommand BrokerClient::PullRequest(int32_t queue, int64_t offset,
                                          int32_t max_messages,
                                          int64_t suspend_ms) const {
  constexpr int kSuspend = 2;
  constexpr int kSubscription = 4;
  RemotingCommand r = RemotingCommand::Request(code::kPullMessage);
  r.ext_fields.Set("consumerGroup", kConsumerGroup);
  r.ext_fields.Set("topic", topic_);
  r.ext_fields.Set("queueId", std::to_string(queue));
  r.ext_fields.Set("queueOffset", std::to_string(offset));
  r.ext_fields.Set("maxMsgNums", std::to_string(max_messages));
  r.ext_fields.Set("sysFlag", std::to_string(kSubscription |
                                             (suspend_ms > 0 ? kSuspend : 0)));
  r.ext_fields.Set("commitOffset", "0");
  r.ext_fields.Set("suspendTimeoutMillis", std::to_string(suspend_ms));
  r.ext_fields.Set("subscription", "*");
  r.ext_fields.Set("subVersion", std::to_string(NowMillis()));
  r.ext_fields.Set("expressionType", "TAG");
  return r;
}

absl::StatusOr<int64_t> BrokerClient::MaxOffset(int32_t queue) {
  RemotingCommand request = RemotingCommand::Request(code::kGetMaxOffset);
  request.ext_fields.Set("topic", topic_);
  request.ext_fields.Set("queueId", std::to_string(queue));
  absl::StatusOr<RemotingCommand> response =
      client_->InvokeSync(broker_addr_, std::move(request), kAdminTimeout);
  if (!response.ok()) return response.status();
  if (response->code != rc::kSuccess) {
    return absl::InternalError(
        absl::StrCat("GET_MAX_OFFSET: ", ErrorText(*response)));
  }
  return LongField(*response, "offset");
}

void AppendBatchEntry(std::string_view body, std::string* out) {
  PutInt32(static_cast<int32_t>(22 + body.size()), out);  // no properties
  PutInt32(0, out);                                       // magic (ignored)
  PutInt32(0, out);                                       // crc (ignored)
  PutInt32(0, out);                                       // flag
  PutInt32(static_cast<int32_t>(body.size()), out);
  out->append(body);
  out->append(2, '\0');  // properties length
}

absl::StatusOr<PullAnswer> ParsePullAnswer(const RemotingCommand& response) {
  constexpr int32_t kPullNotFound = 19;
  constexpr int32_t kPullRetryImmediately = 20;
  constexpr int32_t kPullOffsetMoved = 21;
  if (response.code != rc::kSuccess && response.code != kPullNotFound &&
      response.code != kPullRetryImmediately &&
      response.code != kPullOffsetMoved) {
    return absl::InternalError(
        absl::StrCat("PULL_MESSAGE: ", ErrorText(response)));
  }
  PullAnswer a;
  a.code = response.code;
  absl::StatusOr<int64_t> next = LongField(response, "nextBeginOffset");
  if (!next.ok()) return next.status();
  a.next_begin_offset = *next;
  absl::StatusOr<int64_t> max = LongField(response, "maxOffset");
  if (!max.ok()) return max.status();
  a.max_offset = *max;
  return a;
}

absl::Status SendAnswerStatus(const RemotingCommand& response) {
  switch (response.code) {
    case rc::kSuccess:
    case rc::kFlushDiskTimeout:
    case 11:  // FLUSH_SLAVE_TIMEOUT
    case 12:  // SLAVE_NOT_AVAILABLE
      return absl::OkStatus();
    case rc::kSystemBusy:
      return absl::ResourceExhaustedError(ErrorText(response));
    default:
      return absl::InternalError(absl::StrCat("send: ", ErrorText(response)));
  }
}

}  // namespace rmq::bench
