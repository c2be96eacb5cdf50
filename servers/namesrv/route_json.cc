#include "namesrv/route_json.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <zlib.h>

#include <charconv>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "remoting/json_header.h"

namespace rmq::namesrv {
namespace {

using remoting::AppendJsonString;

void AppendBrokerData(const BrokerData& broker, std::string* out) {
  out->append(R"({"brokerAddrs":{)");
  bool first = true;
  for (const auto& [id, addr] : broker.broker_addrs) {
    if (!first) out->push_back(',');
    first = false;
    absl::StrAppend(out, "\"", id, "\":");
    AppendJsonString(addr, out);
  }
  out->append(R"(},"brokerName":)");
  AppendJsonString(broker.broker_name, out);
  out->append(R"(,"cluster":)");
  AppendJsonString(broker.cluster, out);
  out->push_back('}');
}

void AppendQueueData(const QueueData& q, std::string* out) {
  out->append(R"({"brokerName":)");
  AppendJsonString(q.broker_name, out);
  absl::StrAppend(out, R"(,"perm":)", q.perm, R"(,"readQueueNums":)",
                  q.read_queue_nums, R"(,"topicSysFlag":)", q.topic_sys_flag,
                  R"(,"writeQueueNums":)", q.write_queue_nums, "}");
}

void AppendStringArray(const auto& strings, std::string* out) {
  out->push_back('[');
  bool first = true;
  for (const std::string& s : strings) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(s, out);
  }
  out->push_back(']');
}

absl::StatusOr<int64_t> Int(const rapidjson::Value& object, const char* key,
                            int64_t fallback) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return fallback;
  if (it->value.IsInt64()) return it->value.GetInt64();
  return absl::InvalidArgumentError(
      absl::StrCat("\"", key, "\" is not an integer"));
}

absl::StatusOr<DataVersion> ParseDataVersion(const rapidjson::Value& v) {
  if (!v.IsObject()) {
    return absl::InvalidArgumentError("dataVersion is not an object");
  }
  DataVersion version;
  absl::StatusOr<int64_t> timestamp = Int(v, "timestamp", 0);
  if (!timestamp.ok()) return timestamp.status();
  absl::StatusOr<int64_t> counter = Int(v, "counter", 0);
  if (!counter.ok()) return counter.status();
  version.timestamp = *timestamp;
  version.counter = *counter;
  return version;
}

absl::StatusOr<TopicQueueConfig> ParseTopicConfig(std::string_view name,
                                                  const rapidjson::Value& v) {
  if (!v.IsObject()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "topic config of '", std::string(name), "' is not an object"));
  }
  TopicQueueConfig t;
  t.topic = std::string(name);
  if (auto it = v.FindMember("topicName");
      it != v.MemberEnd() && it->value.IsString()) {
    t.topic = it->value.GetString();
  }
  // TopicConfig's defaults (§11.6) for what a body leaves out.
  const std::pair<const char*, std::pair<int32_t*, int64_t>> fields[] = {
      {"readQueueNums", {&t.read_queue_nums, 16}},
      {"writeQueueNums", {&t.write_queue_nums, 16}},
      {"perm", {&t.perm, 6}},
      {"topicSysFlag", {&t.topic_sys_flag, 0}}};
  for (const auto& [key, target] : fields) {
    absl::StatusOr<int64_t> value = Int(v, key, target.second);
    if (!value.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("topic '", t.topic, "': ", value.status().message()));
    }
    *target.first = static_cast<int32_t>(*value);
  }
  return t;
}

absl::Status ParseWrapper(const rapidjson::Value& wrapper,
                          BrokerRegistration* r) {
  if (!wrapper.IsObject()) {
    return absl::InvalidArgumentError(
        "topicConfigSerializeWrapper is not an object");
  }
  if (auto it = wrapper.FindMember("dataVersion");
      it != wrapper.MemberEnd() && !it->value.IsNull()) {
    absl::StatusOr<DataVersion> version = ParseDataVersion(it->value);
    if (!version.ok()) return version.status();
    r->data_version = *version;
  }
  auto table = wrapper.FindMember("topicConfigTable");
  if (table == wrapper.MemberEnd() || table->value.IsNull()) {
    return absl::OkStatus();
  }
  if (!table->value.IsObject()) {
    return absl::InvalidArgumentError("topicConfigTable is not an object");
  }
  for (const auto& member : table->value.GetObject()) {
    absl::StatusOr<TopicQueueConfig> t =
        ParseTopicConfig(std::string_view(member.name.GetString(),
                                          member.name.GetStringLength()),
                         member.value);
    if (!t.ok()) return t.status();
    r->topics.push_back(*std::move(t));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Inflate(std::string_view compressed) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return absl::InternalError("inflateInit");
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  char chunk[16384];
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof(chunk);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof(chunk) - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // truncated input
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    return absl::InvalidArgumentError(absl::StrCat(
        "compressed register body does not inflate (zlib ", rc, ")"));
  }
  return out;
}

// Reads the compressed body's int-length-prefixed parts.
class PartReader {
 public:
  explicit PartReader(std::string_view data) : data_(data) {}
  absl::StatusOr<int32_t> Int() {
    if (data_.size() - pos_ < 4) {
      return absl::InvalidArgumentError("compressed register body truncated");
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v = v << 8 | static_cast<uint8_t>(data_[pos_++]);
    return static_cast<int32_t>(v);
  }
  absl::StatusOr<std::string_view> Part() {
    absl::StatusOr<int32_t> length = Int();
    if (!length.ok()) return length.status();
    if (*length < 0 || static_cast<size_t>(*length) > data_.size() - pos_) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "compressed register body: part of %d bytes at %d does not fit",
          *length, pos_));
    }
    std::string_view part = data_.substr(pos_, *length);
    pos_ += *length;
    return part;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace

std::string EncodeTopicRouteData(const TopicRouteData& route) {
  std::string out = R"({"brokerDatas":[)";
  for (size_t i = 0; i < route.broker_datas.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendBrokerData(route.broker_datas[i], &out);
  }
  out.append(R"(],"filterServerTable":{})");
  if (route.order_topic_conf.has_value()) {
    out.append(R"(,"orderTopicConf":)");
    AppendJsonString(*route.order_topic_conf, &out);
  }
  out.append(R"(,"queueDatas":[)");
  for (size_t i = 0; i < route.queue_datas.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendQueueData(route.queue_datas[i], &out);
  }
  out.append("]}");
  return out;
}

std::string EncodeClusterInfo(const ClusterInfo& info) {
  std::string out = R"({"brokerAddrTable":{)";
  bool first = true;
  for (const auto& [name, broker] : info.broker_addr_table) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(name, &out);
    out.push_back(':');
    AppendBrokerData(broker, &out);
  }
  out.append(R"(},"clusterAddrTable":{)");
  first = true;
  for (const auto& [cluster, names] : info.cluster_addr_table) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(cluster, &out);
    out.push_back(':');
    AppendStringArray(names, &out);
  }
  out.append("}}");
  return out;
}

std::string EncodeTopicList(const std::vector<std::string>& topics) {
  std::string out = R"({"topicList":)";
  AppendStringArray(topics, &out);
  out.push_back('}');
  return out;
}

std::string EncodeDataVersion(const DataVersion& version) {
  return absl::StrCat(R"({"counter":)", version.counter, R"(,"timestamp":)",
                      version.timestamp, "}");
}

std::string EncodeKvTable(const std::map<std::string, std::string>& table) {
  std::string out = R"({"table":{)";
  bool first = true;
  for (const auto& [key, value] : table) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(key, &out);
    out.push_back(':');
    AppendJsonString(value, &out);
  }
  out.append("}}");
  return out;
}

absl::Status DecodeRegisterBrokerBody(std::string_view body,
                                      BrokerRegistration* registration) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "register body does not parse at byte %d: %s", doc.GetErrorOffset(),
        rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) {
    return absl::InvalidArgumentError("register body is not an object");
  }
  auto wrapper = doc.FindMember("topicConfigSerializeWrapper");
  return ParseWrapper(wrapper != doc.MemberEnd() ? wrapper->value : doc,
                      registration);
}

absl::Status DecodeCompressedRegisterBrokerBody(
    std::string_view body, BrokerRegistration* registration) {
  absl::StatusOr<std::string> raw = Inflate(body);
  if (!raw.ok()) return raw.status();
  PartReader r(*raw);
  absl::StatusOr<std::string_view> version_json = r.Part();
  if (!version_json.ok()) return version_json.status();
  absl::StatusOr<DataVersion> version = DecodeDataVersion(*version_json);
  if (!version.ok()) return version.status();
  registration->data_version = *version;
  absl::StatusOr<int32_t> count = r.Int();
  if (!count.ok()) return count.status();
  for (int32_t i = 0; i < *count; ++i) {
    absl::StatusOr<std::string_view> part = r.Part();
    if (!part.ok()) return part.status();
    // "<topic> <read> <write> <perm> <filterType>": sysFlag is not sent.
    std::vector<absl::string_view> f =
        absl::StrSplit(absl::string_view(part->data(), part->size()), ' ');
    TopicQueueConfig t;
    bool ok = f.size() >= 4;
    int32_t* targets[] = {&t.read_queue_nums, &t.write_queue_nums, &t.perm};
    for (size_t k = 0; ok && k < 3; ++k) {
      auto [ptr, ec] = std::from_chars(
          f[k + 1].data(), f[k + 1].data() + f[k + 1].size(), *targets[k]);
      ok = ec == std::errc() && ptr == f[k + 1].data() + f[k + 1].size();
    }
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat("compressed register body: bad topic entry '",
                       std::string(*part), "'"));
    }
    t.topic = std::string(f[0]);
    registration->topics.push_back(std::move(t));
  }
  return absl::OkStatus();
}

absl::StatusOr<DataVersion> DecodeDataVersion(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "dataVersion does not parse at byte %d: %s", doc.GetErrorOffset(),
        rapidjson::GetParseError_En(doc.GetParseError())));
  }
  return ParseDataVersion(doc);
}

}  // namespace rmq::namesrv
