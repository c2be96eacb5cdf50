#include "namesrv/namesrv_processor.h"

#include <zlib.h>

#include <charconv>

#include "absl/strings/str_cat.h"
#include "namesrv/route_json.h"
#include "remoting/codes.h"

namespace rmq::namesrv {
namespace {

using remoting::RemotingCommand;
namespace code = remoting::request;
namespace rc = remoting::response;

// A required custom-header field (§4); Java answers SYSTEM_ERROR when one is
// missing.
class Fields {
 public:
  explicit Fields(const RemotingCommand& request) : request_(request) {}

  std::string Required(std::string_view name) {
    const std::string* value = request_.ext_fields.Find(name);
    if (value == nullptr) {
      if (missing_.empty()) missing_ = std::string(name);
      return "";
    }
    return *value;
  }
  std::string Optional(std::string_view name) const {
    const std::string* value = request_.ext_fields.Find(name);
    return value != nullptr ? *value : "";
  }
  int64_t Long(std::string_view name) {
    const std::string text = Required(name);
    int64_t value = 0;
    auto [ptr, ec] =
        std::from_chars(text.data(), text.data() + text.size(), value);
    if (!text.empty() &&
        (ec != std::errc() || ptr != text.data() + text.size()) &&
        bad_.empty()) {
      bad_ = std::string(name);
    }
    return value;
  }
  // The error response when a field was missing or malformed.
  std::optional<RemotingCommand> Error() const {
    if (!missing_.empty()) {
      return RemotingCommand::ResponseTo(
          request_, rc::kSystemError,
          absl::StrCat("the custom field <", missing_, "> is null"));
    }
    if (!bad_.empty()) {
      return RemotingCommand::ResponseTo(
          request_, rc::kSystemError,
          absl::StrCat("the custom field <", bad_, "> is not a number"));
    }
    return std::nullopt;
  }

 private:
  const RemotingCommand& request_;
  std::string missing_;
  std::string bad_;
};

int64_t MaskedCrc32(std::string_view data) {
  return static_cast<int64_t>(crc32(0,
                                    reinterpret_cast<const Bytef*>(data.data()),
                                    static_cast<uInt>(data.size()))) &
         0x7FFFFFFF;
}

RemotingCommand Ok(const RemotingCommand& request) {
  return RemotingCommand::ResponseTo(request, rc::kSuccess);
}

}  // namespace

NamesrvProcessor::NamesrvProcessor(RouteInfoManager& routes,
                                   KvConfigManager& kv, Logger& logger,
                                   bool order_message_enable)
    : routes_(routes),
      kv_(kv),
      logger_(logger),
      order_message_enable_(order_message_enable) {}

std::optional<RemotingCommand> NamesrvProcessor::Process(
    const RemotingCommand& request, uint64_t connection, absl::Time now) {
  RemotingCommand response = Dispatch(request, connection, now);
  if (request.is_oneway()) return std::nullopt;
  return response;
}

RemotingCommand NamesrvProcessor::Dispatch(const RemotingCommand& request,
                                           uint64_t connection,
                                           absl::Time now) {
  switch (request.code) {
    case code::kRegisterBroker:
      return RegisterBroker(request, connection, now);
    case code::kUnregisterBroker:
      return UnregisterBroker(request);
    case code::kQueryDataVersion:
      return QueryDataVersion(request, now);
    case code::kGetRouteInfoByTopic:
      return RouteByTopic(request);
    case code::kGetBrokerClusterInfo: {
      RemotingCommand response = Ok(request);
      response.body = EncodeClusterInfo(routes_.Cluster());
      return response;
    }
    case code::kGetAllTopicListFromNameserver: {
      RemotingCommand response = Ok(request);
      response.body = EncodeTopicList(routes_.AllTopics());
      return response;
    }
    case code::kGetTopicsByCluster: {
      Fields f(request);
      const std::string cluster = f.Required("cluster");
      if (auto error = f.Error()) return *error;
      RemotingCommand response = Ok(request);
      response.body = EncodeTopicList(routes_.TopicsByCluster(cluster));
      return response;
    }
    case code::kDeleteTopicInNamesrv: {
      Fields f(request);
      const std::string topic = f.Required("topic");
      if (auto error = f.Error()) return *error;
      routes_.DeleteTopic(topic);
      return Ok(request);
    }
    case code::kWipeWritePermOfBroker:
      return ChangeWritePerm(request, false);
    case code::kAddWritePermOfBroker:
      return ChangeWritePerm(request, true);
    case code::kPutKvConfig:
    case code::kGetKvConfig:
    case code::kDeleteKvConfig:
    case code::kGetKvListByNamespace:
      return KvConfig(request);
    default:
      return RemotingCommand::ResponseTo(
          request, rc::kRequestCodeNotSupported,
          absl::StrCat(" request type ", request.code, " not supported"));
  }
}

RemotingCommand NamesrvProcessor::RegisterBroker(const RemotingCommand& request,
                                                 uint64_t connection,
                                                 absl::Time now) {
  Fields f(request);
  BrokerRegistration r;
  r.broker_name = f.Required("brokerName");
  r.broker_addr = f.Required("brokerAddr");
  r.cluster = f.Required("clusterName");
  r.ha_server_addr = f.Required("haServerAddr");
  r.broker_id = f.Long("brokerId");
  if (auto error = f.Error()) return *error;
  const std::string crc = f.Optional("bodyCrc32");
  if (!crc.empty() && crc != "0" &&
      crc != std::to_string(MaskedCrc32(request.body))) {
    return RemotingCommand::ResponseTo(request, rc::kSystemError,
                                       "crc32 not match");
  }
  if (!request.body.empty()) {
    absl::Status decoded =
        f.Optional("compressed") == "true"
            ? DecodeCompressedRegisterBrokerBody(request.body, &r)
            : DecodeRegisterBrokerBody(request.body, &r);
    if (!decoded.ok()) {
      logger_.Log(LogLevel::kWarn,
                  absl::StrCat("REGISTER_BROKER from ", r.broker_addr, ": ",
                               decoded.message()));
      return RemotingCommand::ResponseTo(request, rc::kSystemError,
                                         std::string(decoded.message()));
    }
  }
  const RegisterResult result = routes_.RegisterBroker(r, connection, now);
  RemotingCommand response = Ok(request);
  if (!result.ha_server_addr.empty()) {
    response.ext_fields.Set("haServerAddr", result.ha_server_addr);
  }
  if (!result.master_addr.empty()) {
    response.ext_fields.Set("masterAddr", result.master_addr);
  }
  if (auto order = kv_.List(kOrderTopicConfigNamespace)) {
    response.body = EncodeKvTable(*order);
  }
  return response;
}

RemotingCommand NamesrvProcessor::UnregisterBroker(
    const RemotingCommand& request) {
  Fields f(request);
  const std::string broker_name = f.Required("brokerName");
  const std::string broker_addr = f.Required("brokerAddr");
  const std::string cluster = f.Required("clusterName");
  const int64_t broker_id = f.Long("brokerId");
  if (auto error = f.Error()) return *error;
  routes_.UnregisterBroker(cluster, broker_name, broker_addr, broker_id);
  logger_.Log(LogLevel::kInfo, absl::StrCat("broker ", broker_name, " ",
                                            broker_addr, " unregistered"));
  return Ok(request);
}

RemotingCommand NamesrvProcessor::QueryDataVersion(
    const RemotingCommand& request, absl::Time now) {
  Fields f(request);
  const std::string broker_addr = f.Required("brokerAddr");
  if (auto error = f.Error()) return *error;
  absl::StatusOr<DataVersion> version = DecodeDataVersion(request.body);
  if (!version.ok()) {
    return RemotingCommand::ResponseTo(request, rc::kSystemError,
                                       std::string(version.status().message()));
  }
  const bool changed = routes_.DataVersionChanged(broker_addr, *version, now);
  RemotingCommand response = Ok(request);
  response.ext_fields.Set("changed", changed ? "true" : "false");
  response.body = EncodeDataVersion(*version);
  return response;
}

RemotingCommand NamesrvProcessor::RouteByTopic(const RemotingCommand& request) {
  Fields f(request);
  const std::string topic = f.Required("topic");
  if (auto error = f.Error()) return *error;
  std::optional<TopicRouteData> route = routes_.Route(topic);
  if (!route.has_value()) {
    return RemotingCommand::ResponseTo(
        request, rc::kTopicNotExist,
        absl::StrCat("No topic route info in name server for the topic: ",
                     topic));
  }
  if (order_message_enable_) {
    route->order_topic_conf = kv_.Get(kOrderTopicConfigNamespace, topic);
  }
  RemotingCommand response = Ok(request);
  response.body = EncodeTopicRouteData(*route);
  return response;
}

RemotingCommand NamesrvProcessor::KvConfig(const RemotingCommand& request) {
  Fields f(request);
  const std::string ns = f.Required("namespace");
  if (request.code == code::kGetKvListByNamespace) {
    if (auto error = f.Error()) return *error;
    auto table = kv_.List(ns);
    if (!table.has_value()) {
      return RemotingCommand::ResponseTo(
          request, rc::kQueryNotFound,
          absl::StrCat("No config item, Namespace: ", ns));
    }
    RemotingCommand response = Ok(request);
    response.body = EncodeKvTable(*table);
    return response;
  }
  const std::string key = f.Required("key");
  if (request.code == code::kGetKvConfig) {
    if (auto error = f.Error()) return *error;
    std::optional<std::string> value = kv_.Get(ns, key);
    if (!value.has_value()) {
      return RemotingCommand::ResponseTo(
          request, rc::kQueryNotFound,
          absl::StrCat("No config item, Namespace: ", ns, " Key: ", key));
    }
    RemotingCommand response = Ok(request);
    response.ext_fields.Set("value", *value);
    return response;
  }
  const std::string value =
      request.code == code::kPutKvConfig ? f.Required("value") : "";
  if (auto error = f.Error()) return *error;
  absl::Status s = request.code == code::kPutKvConfig ? kv_.Put(ns, key, value)
                                                      : kv_.Delete(ns, key);
  if (!s.ok()) {
    return RemotingCommand::ResponseTo(request, rc::kSystemError,
                                       std::string(s.message()));
  }
  return Ok(request);
}

RemotingCommand NamesrvProcessor::ChangeWritePerm(
    const RemotingCommand& request, bool writable) {
  Fields f(request);
  const std::string broker_name = f.Required("brokerName");
  if (auto error = f.Error()) return *error;
  const int count = writable ? routes_.AddWritePerm(broker_name)
                             : routes_.WipeWritePerm(broker_name);
  RemotingCommand response = Ok(request);
  response.ext_fields.Set(writable ? "addTopicCount" : "wipeTopicCount",
                          std::to_string(count));
  return response;
}

}  // namespace rmq::namesrv
