#include "broker/send_message_header.h"

#include <charconv>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "remoting/codes.h"

namespace rmq::broker {
namespace {

// One field under its V1 (long) and V2 (one-letter) names.
struct Field {
  const char* v1;
  const char* v2;
};

class Reader {
 public:
  Reader(const remoting::RemotingCommand& request, bool v2)
      : request_(request), v2_(v2) {}

  const std::string* Find(Field f) const {
    return request_.ext_fields.Find(v2_ ? f.v2 : f.v1);
  }
  std::string Name(Field f) const { return v2_ ? f.v2 : f.v1; }

  void String(Field f, bool required, std::string* out) {
    const std::string* value = Find(f);
    if (value == nullptr) {
      if (required) Fail(f, "is missing");
      return;
    }
    *out = *value;
  }
  template <typename Int>
  void Integer(Field f, bool required, Int* out) {
    const std::string* value = Find(f);
    if (value == nullptr) {
      if (required) Fail(f, "is missing");
      return;
    }
    auto [ptr, ec] =
        std::from_chars(value->data(), value->data() + value->size(), *out);
    if (value->empty() || ec != std::errc() ||
        ptr != value->data() + value->size()) {
      Fail(f, absl::StrCat("'", *value, "' is not an integer"));
    }
  }
  void Bool(Field f, bool* out) {
    const std::string* value = Find(f);
    if (value == nullptr) return;
    // Java's Boolean.parseBoolean: "true" in any case, anything else false.
    *out = absl::AsciiStrToLower(*value) == "true";
  }
  absl::Status status() const { return status_; }

 private:
  void Fail(Field f, const std::string& what) {
    if (status_.ok()) {
      status_ = absl::InvalidArgumentError(
          absl::StrCat("send header field '", Name(f), "' ", what));
    }
  }

  const remoting::RemotingCommand& request_;
  const bool v2_;
  absl::Status status_;
};

}  // namespace

absl::StatusOr<SendMessageHeader> DecodeSendMessageHeader(
    const remoting::RemotingCommand& request) {
  const bool v2 = request.code != remoting::request::kSendMessage;
  Reader r(request, v2);
  SendMessageHeader h;
  r.String({"producerGroup", "a"}, true, &h.producer_group);
  r.String({"topic", "b"}, true, &h.topic);
  r.String({"defaultTopic", "c"}, true, &h.default_topic);
  r.Integer({"defaultTopicQueueNums", "d"}, true, &h.default_topic_queue_nums);
  r.Integer({"queueId", "e"}, true, &h.queue_id);
  r.Integer({"sysFlag", "f"}, true, &h.sys_flag);
  r.Integer({"bornTimestamp", "g"}, true, &h.born_timestamp);
  r.Integer({"flag", "h"}, true, &h.flag);
  r.String({"properties", "i"}, false, &h.properties);
  r.Integer({"reconsumeTimes", "j"}, false, &h.reconsume_times);
  r.Bool({"unitMode", "k"}, &h.unit_mode);
  r.Integer({"maxReconsumeTimes", "l"}, false, &h.max_reconsume_times);
  r.Bool({"batch", "m"}, &h.batch);
  if (!r.status().ok()) return r.status();
  return h;
}

}  // namespace rmq::broker
