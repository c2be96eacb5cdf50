#include "broker/lock_processor.h"

#include <rapidjson/document.h>

#include "absl/strings/str_cat.h"
#include "broker/config_file.h"
#include "remoting/codes.h"
#include "remoting/json_header.h"

namespace rmq::broker {
namespace {

using remoting::AppendJsonString;
using remoting::RemotingCommand;
namespace rc = remoting::response;

absl::Status RequireNonEmptyString(const rapidjson::Value& object,
                                   const char* key, std::string* out) {
  if (absl::Status s = ReadJsonString(object, key, out); !s.ok()) return s;
  if (out->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", key, "\" is missing or empty"));
  }
  return absl::OkStatus();
}

absl::Status DecodeBody(const rapidjson::Value& root,
                        LockBatchRequestBody* body) {
  if (absl::Status s =
          RequireNonEmptyString(root, "consumerGroup", &body->consumer_group);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          RequireNonEmptyString(root, "clientId", &body->client_id);
      !s.ok()) {
    return s;
  }
  // Java dereferences mqSet unchecked, so a body without one fails there too.
  auto it = root.FindMember("mqSet");
  if (it == root.MemberEnd() || it->value.IsNull()) {
    return absl::InvalidArgumentError("\"mqSet\" is missing");
  }
  if (!it->value.IsArray()) {
    return absl::InvalidArgumentError("\"mqSet\" is not an array");
  }
  const rapidjson::Value& set = it->value;
  body->mq_set.reserve(set.Size());
  for (rapidjson::SizeType i = 0; i < set.Size(); ++i) {
    absl::StatusOr<MessageQueue> mq = DecodeMessageQueue(set[i]);
    if (!mq.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("mqSet[", i, "]: ", mq.status().message()));
    }
    body->mq_set.push_back(*std::move(mq));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LockBatchRequestBody> DecodeLockBatchRequestBody(
    std::string_view json) {
  if (json.empty()) return absl::InvalidArgumentError("the body is empty");
  rapidjson::Document doc;
  if (absl::Status s = ParseFastjson(json, &doc); !s.ok()) return s;
  LockBatchRequestBody body;
  if (absl::Status s = DecodeBody(doc, &body); !s.ok()) return s;
  return body;
}

std::string EncodeLockBatchRequestBody(const LockBatchRequestBody& body) {
  std::string out = R"({"clientId":)";
  AppendJsonString(body.client_id, &out);
  out.append(R"(,"consumerGroup":)");
  AppendJsonString(body.consumer_group, &out);
  out.append(R"(,"mqSet":[)");
  for (size_t i = 0; i < body.mq_set.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendMessageQueueJson(body.mq_set[i], &out);
  }
  out.append("]}");
  return out;
}

std::string EncodeLockBatchResponseBody(std::span<const MessageQueue> mqs) {
  std::string out = R"({"lockOKMQSet":[)";
  for (size_t i = 0; i < mqs.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendMessageQueueJson(mqs[i], &out);
  }
  out.append("]}");
  return out;
}

LockProcessor::LockProcessor(RebalanceLockManager& locks) : locks_(locks) {}

bool LockProcessor::Handles(int32_t code) {
  return code == remoting::request::kLockBatchMq ||
         code == remoting::request::kUnlockBatchMq;
}

RemotingCommand LockProcessor::Handle(const RemotingCommand& request,
                                      absl::Time now) {
  if (!Handles(request.code)) {
    return RemotingCommand::ResponseTo(
        request, rc::kRequestCodeNotSupported,
        absl::StrCat(" request type ", request.code, " not supported"));
  }
  const bool lock = request.code == remoting::request::kLockBatchMq;
  absl::StatusOr<LockBatchRequestBody> body =
      DecodeLockBatchRequestBody(request.body);
  if (!body.ok()) {
    return RemotingCommand::ResponseTo(
        request, rc::kSystemError,
        absl::StrCat(lock ? "LOCK_BATCH_MQ" : "UNLOCK_BATCH_MQ",
                     " body: ", body.status().message()));
  }
  RemotingCommand response = RemotingCommand::ResponseTo(request, rc::kSuccess);
  if (lock) {
    const std::vector<MessageQueue> locked = locks_.TryLockBatch(
        body->consumer_group, body->mq_set, body->client_id, now);
    response.body = EncodeLockBatchResponseBody(locked);
  } else {
    locks_.UnlockBatch(body->consumer_group, body->mq_set, body->client_id);
  }
  return response;
}

}  // namespace rmq::broker
