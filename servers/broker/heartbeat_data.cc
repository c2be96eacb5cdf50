#include "broker/heartbeat_data.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "absl/strings/str_cat.h"
#include "base/java_hash.h"
#include "base/status_macros.h"
#include "broker/config_file.h"
#include "remoting/json_header.h"

namespace rmq::broker {
namespace {

using remoting::AppendJsonString;

constexpr std::array<std::string_view, 2> kConsumeTypeNames = {
    "CONSUME_ACTIVELY", "CONSUME_PASSIVELY"};
constexpr std::array<std::string_view, 2> kMessageModelNames = {"BROADCASTING",
                                                                "CLUSTERING"};
constexpr std::array<std::string_view, 6> kConsumeFromWhereNames = {
    "CONSUME_FROM_LAST_OFFSET",
    "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST",
    "CONSUME_FROM_MIN_OFFSET",
    "CONSUME_FROM_MAX_OFFSET",
    "CONSUME_FROM_FIRST_OFFSET",
    "CONSUME_FROM_TIMESTAMP"};

// absl::EqualsIgnoreCase takes absl::string_view, which is not
// std::string_view in Debian's Abseil (STYLE.md §0).
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

absl::string_view Sv(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

std::string_view View(const rapidjson::Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

// Prefixes the member path to an error from a field reader.
absl::Status At(const std::string& path, const absl::Status& status) {
  if (status.ok() || path.empty()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(path, ": ", status.message()));
}

// An enum member: a name in any letter case (Go sends "Clustering") or an
// ordinal, as a number (C++) or a string of digits. Missing or null keeps
// `*out`.
template <typename E, size_t N>
absl::Status ReadEnum(const rapidjson::Value& object, const char* key,
                      const std::array<std::string_view, N>& names,
                      std::string_view type_name, E* out) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
  const rapidjson::Value& v = it->value;
  int64_t ordinal = -1;
  if (v.IsInt64()) {
    ordinal = v.GetInt64();
  } else if (v.IsString()) {
    const std::string_view text = View(v);
    for (size_t i = 0; i < N; ++i) {
      if (EqualsIgnoreCase(text, names[i])) {
        *out = static_cast<E>(i);
        return absl::OkStatus();
      }
    }
    int64_t parsed = 0;
    auto [ptr, ec] =
        std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec == std::errc() && ptr == text.data() + text.size()) ordinal = parsed;
    if (ordinal < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", key, "\" is \"", Sv(text), "\", not a ", Sv(type_name)));
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", key, "\" is neither a ", Sv(type_name), " name nor an ordinal"));
  }
  if (ordinal < 0 || ordinal >= static_cast<int64_t>(N)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", key, "\" is ", ordinal, ", not a ", Sv(type_name),
                     " ordinal (0..", N - 1, ")"));
  }
  *out = static_cast<E>(ordinal);
  return absl::OkStatus();
}

// `object[key]` as an array; nullptr when missing or null.
absl::StatusOr<const rapidjson::Value*> ArrayMember(
    const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) {
    return static_cast<const rapidjson::Value*>(nullptr);
  }
  if (!it->value.IsArray()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", key, "\" is not an array"));
  }
  return &it->value;
}

absl::Status RequireString(const rapidjson::Value& object, const char* key,
                           std::string* out) {
  if (absl::Status s = ReadJsonString(object, key, out); !s.ok()) return s;
  if (out->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", key, "\" is missing or empty"));
  }
  return absl::OkStatus();
}

// Java String.trim(): strips every character <= ' ' from both ends.
std::string_view JavaTrim(std::string_view s) {
  size_t begin = 0;
  size_t end = s.size();
  while (begin < end && static_cast<unsigned char>(s[begin]) <= ' ') ++begin;
  while (end > begin && static_cast<unsigned char>(s[end - 1]) <= ' ') --end;
  return s.substr(begin, end - begin);
}

absl::Status DecodeSubscription(const rapidjson::Value& v,
                                SubscriptionData* sub) {
  if (!v.IsObject()) return absl::InvalidArgumentError("not an object");
  RMQ_RETURN_IF_ERROR(RequireString(v, "topic", &sub->topic));
  RMQ_RETURN_IF_ERROR(ReadJsonString(v, "subString", &sub->sub_string));
  RMQ_RETURN_IF_ERROR(ReadJsonInt64(v, "subVersion", &sub->sub_version));
  RMQ_RETURN_IF_ERROR(
      ReadJsonString(v, "expressionType", &sub->expression_type));
  RMQ_RETURN_IF_ERROR(
      ReadJsonBool(v, "classFilterMode", &sub->class_filter_mode));

  RMQ_ASSIGN_OR_RETURN(const rapidjson::Value* tags, ArrayMember(v, "tagsSet"));
  if (tags != nullptr) {
    for (rapidjson::SizeType i = 0; i < tags->Size(); ++i) {
      const rapidjson::Value& tag = (*tags)[i];
      if (!tag.IsString()) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"tagsSet\"[", i, "] is not a string"));
      }
      sub->tags_set.emplace_back(View(tag));
    }
  }
  RMQ_ASSIGN_OR_RETURN(const rapidjson::Value* codes,
                       ArrayMember(v, "codeSet"));
  if (codes != nullptr) {
    for (rapidjson::SizeType i = 0; i < codes->Size(); ++i) {
      const rapidjson::Value& code = (*codes)[i];
      int64_t value = 0;
      bool ok = false;
      if (code.IsInt()) {
        value = code.GetInt();
        ok = true;
      } else if (code.IsString()) {
        const std::string_view text = View(code);
        auto [ptr, ec] =
            std::from_chars(text.data(), text.data() + text.size(), value);
        ok = ec == std::errc() && ptr == text.data() + text.size() &&
             value >= std::numeric_limits<int32_t>::min() &&
             value <= std::numeric_limits<int32_t>::max();
      }
      if (!ok) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"codeSet\"[", i, "] is not a 32-bit integer"));
      }
      sub->code_set.push_back(static_cast<int32_t>(value));
    }
  }

  // Go may send "" (= TAG); canonical spelling so later == checks hold.
  if (sub->expression_type.empty() ||
      EqualsIgnoreCase(sub->expression_type, kExpressionTypeTag)) {
    sub->expression_type = std::string(kExpressionTypeTag);
  } else if (EqualsIgnoreCase(sub->expression_type, kExpressionTypeSql92)) {
    sub->expression_type = std::string(kExpressionTypeSql92);
  }
  if (sub->expression_type != kExpressionTypeTag) return absl::OkStatus();

  if (sub->sub_string.empty()) sub->sub_string = std::string(kSubAll);
  if (sub->tags_set.empty() && sub->code_set.empty()) {
    DeriveTagsFromSubString(sub->sub_string, &sub->tags_set, &sub->code_set);
  } else if (sub->code_set.empty()) {
    for (const std::string& tag : sub->tags_set) {
      sub->code_set.push_back(JavaStringHash(tag));
    }
  }
  return absl::OkStatus();
}

absl::Status DecodeConsumer(const rapidjson::Value& v, ConsumerData* consumer,
                            const std::string& path) {
  if (!v.IsObject())
    return At(path, absl::InvalidArgumentError("not an object"));
  RMQ_RETURN_IF_ERROR(
      At(path, RequireString(v, "groupName", &consumer->group_name)));
  RMQ_RETURN_IF_ERROR(
      At(path, ReadEnum(v, "consumeType", kConsumeTypeNames, "ConsumeType",
                        &consumer->consume_type)));
  RMQ_RETURN_IF_ERROR(
      At(path, ReadEnum(v, "messageModel", kMessageModelNames, "MessageModel",
                        &consumer->message_model)));
  RMQ_RETURN_IF_ERROR(
      At(path, ReadEnum(v, "consumeFromWhere", kConsumeFromWhereNames,
                        "ConsumeFromWhere", &consumer->consume_from_where)));
  RMQ_RETURN_IF_ERROR(
      At(path, ReadJsonBool(v, "unitMode", &consumer->unit_mode)));
  absl::StatusOr<const rapidjson::Value*> subs =
      ArrayMember(v, "subscriptionDataSet");
  if (!subs.ok()) return At(path, subs.status());
  if (*subs == nullptr) return absl::OkStatus();
  for (rapidjson::SizeType i = 0; i < (*subs)->Size(); ++i) {
    SubscriptionData sub;
    RMQ_RETURN_IF_ERROR(At(absl::StrCat(path, ".subscriptionDataSet[", i, "]"),
                           DecodeSubscription((**subs)[i], &sub)));
    consumer->subscriptions.push_back(std::move(sub));
  }
  return absl::OkStatus();
}

absl::Status DecodeBody(const rapidjson::Value& root, HeartbeatData* data) {
  RMQ_RETURN_IF_ERROR(RequireString(root, "clientID", &data->client_id));
  RMQ_ASSIGN_OR_RETURN(const rapidjson::Value* producers,
                       ArrayMember(root, "producerDataSet"));
  if (producers != nullptr) {
    for (rapidjson::SizeType i = 0; i < producers->Size(); ++i) {
      const std::string path = absl::StrCat("producerDataSet[", i, "]");
      const rapidjson::Value& v = (*producers)[i];
      if (!v.IsObject()) {
        return At(path, absl::InvalidArgumentError("not an object"));
      }
      ProducerData producer;
      RMQ_RETURN_IF_ERROR(
          At(path, RequireString(v, "groupName", &producer.group_name)));
      data->producers.push_back(std::move(producer));
    }
  }
  RMQ_ASSIGN_OR_RETURN(const rapidjson::Value* consumers,
                       ArrayMember(root, "consumerDataSet"));
  if (consumers != nullptr) {
    for (rapidjson::SizeType i = 0; i < consumers->Size(); ++i) {
      ConsumerData consumer;
      RMQ_RETURN_IF_ERROR(
          DecodeConsumer((*consumers)[i], &consumer,
                         absl::StrCat("consumerDataSet[", i, "]")));
      data->consumers.push_back(std::move(consumer));
    }
  }
  return absl::OkStatus();
}

template <typename T, typename F>
void AppendArray(const std::vector<T>& items, F&& append_one,
                 std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out->push_back(',');
    append_one(items[i]);
  }
  out->push_back(']');
}

}  // namespace

std::string_view ConsumeTypeName(ConsumeType type) {
  return kConsumeTypeNames[static_cast<size_t>(type)];
}

std::string_view MessageModelName(MessageModel model) {
  return kMessageModelNames[static_cast<size_t>(model)];
}

std::string_view ConsumeFromWhereName(ConsumeFromWhere where) {
  return kConsumeFromWhereNames[static_cast<size_t>(where)];
}

void DeriveTagsFromSubString(std::string_view sub_string,
                             std::vector<std::string>* tags,
                             std::vector<int32_t>* codes) {
  tags->clear();
  codes->clear();
  if (sub_string.empty() || sub_string == kSubAll) return;
  size_t start = 0;
  while (start <= sub_string.size()) {
    size_t bar = sub_string.find("||", start);
    if (bar == std::string_view::npos) bar = sub_string.size();
    const std::string_view tag =
        JavaTrim(sub_string.substr(start, bar - start));
    // Java keeps them in HashSets: a repeated tag counts once.
    if (!tag.empty() &&
        std::find(tags->begin(), tags->end(), tag) == tags->end()) {
      tags->emplace_back(tag);
      codes->push_back(JavaStringHash(tag));
    }
    start = bar + 2;
  }
}

absl::StatusOr<HeartbeatData> DecodeHeartbeatData(std::string_view json) {
  auto invalid = [](const absl::Status& s) {
    return absl::Status(s.code(),
                        absl::StrCat("heartbeat body: ", s.message()));
  };
  if (json.empty()) {
    return invalid(absl::InvalidArgumentError("empty"));
  }
  rapidjson::Document doc;
  if (absl::Status s = ParseFastjson(json, &doc); !s.ok()) return invalid(s);
  HeartbeatData data;
  if (absl::Status s = DecodeBody(doc, &data); !s.ok()) return invalid(s);
  return data;
}

void AppendSubscriptionDataJson(const SubscriptionData& data,
                                std::string* out) {
  absl::StrAppend(out, R"({"classFilterMode":)",
                  data.class_filter_mode ? "true" : "false", R"(,"codeSet":)");
  AppendArray(
      data.code_set, [out](int32_t code) { absl::StrAppend(out, code); }, out);
  out->append(R"(,"expressionType":)");
  AppendJsonString(data.expression_type, out);
  out->append(R"(,"subString":)");
  AppendJsonString(data.sub_string, out);
  absl::StrAppend(out, R"(,"subVersion":)", data.sub_version, R"(,"tagsSet":)");
  AppendArray(
      data.tags_set,
      [out](const std::string& tag) { AppendJsonString(tag, out); }, out);
  out->append(R"(,"topic":)");
  AppendJsonString(data.topic, out);
  out->push_back('}');
}

std::string EncodeHeartbeatData(const HeartbeatData& data) {
  std::string out = R"({"clientID":)";
  AppendJsonString(data.client_id, &out);
  out.append(R"(,"consumerDataSet":)");
  AppendArray(
      data.consumers,
      [&out](const ConsumerData& c) {
        out.append(R"({"consumeFromWhere":)");
        AppendJsonString(ConsumeFromWhereName(c.consume_from_where), &out);
        out.append(R"(,"consumeType":)");
        AppendJsonString(ConsumeTypeName(c.consume_type), &out);
        out.append(R"(,"groupName":)");
        AppendJsonString(c.group_name, &out);
        out.append(R"(,"messageModel":)");
        AppendJsonString(MessageModelName(c.message_model), &out);
        out.append(R"(,"subscriptionDataSet":)");
        AppendArray(
            c.subscriptions,
            [&out](const SubscriptionData& s) {
              AppendSubscriptionDataJson(s, &out);
            },
            &out);
        absl::StrAppend(&out, R"(,"unitMode":)", c.unit_mode ? "true" : "false",
                        "}");
      },
      &out);
  out.append(R"(,"producerDataSet":)");
  AppendArray(
      data.producers,
      [&out](const ProducerData& p) {
        out.append(R"({"groupName":)");
        AppendJsonString(p.group_name, &out);
        out.push_back('}');
      },
      &out);
  out.push_back('}');
  return out;
}

}  // namespace rmq::broker
