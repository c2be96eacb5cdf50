#include "message_json.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/crc32.h"
#include "base/strings.h"

namespace rmq::tool {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(Writer& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}
void Str(Writer& w, std::string_view value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void Field(Writer& w, std::string_view key, std::string_view value) {
  Key(w, key);
  Str(w, value);
}
void Field(Writer& w, std::string_view key, int64_t value) {
  Key(w, key);
  w.Int64(value);
}

// Property values that are not valid UTF-8 are hex-escaped so the line stays
// valid JSON.
std::string Printable(std::string_view text) {
  return IsValidUtf8(text) ? std::string(text)
                           : absl::StrCat("hex:", HexUpper(AsBytes(text)));
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int n = 0;
    uint8_t lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (int k = 1; k <= n; ++k) {
      const auto b = static_cast<uint8_t>(s[i + k]);
      if (b < lo || b > hi) return false;
      lo = 0x80;
      hi = 0xBF;
    }
    i += n + 1;
  }
  return true;
}

std::string JsonString(std::string_view text) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  Str(w, text);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string RecordToJson(const RecordView& r) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  const MessageProperties properties = MessageProperties::Parse(r.properties);
  auto property = [&](std::string_view name) -> std::string {
    const std::string* v = properties.Find(name);
    return v == nullptr ? std::string() : *v;
  };
  w.StartObject();
  Field(w, "topic", r.topic);
  Field(w, "queueId", r.queue_id);
  Field(w, "queueOffset", r.queue_offset);
  Field(w, "commitLogOffset", r.physical_offset);
  Field(w, "storeSize", r.total_size);
  Field(w, "msgId", OffsetMessageId(r.store_host, r.physical_offset));
  Field(w, "uniqKey", Printable(property(kPropertyUniqKey)));
  Field(w, "tags", Printable(property(kPropertyTags)));
  Field(w, "keys", Printable(property(kPropertyKeys)));
  if (IsValidUtf8(r.body)) {
    Field(w, "body", r.body);
  } else {
    Field(w, "bodyBase64", AsStd(absl::Base64Escape(AsAbsl(r.body))));
  }
  Field(w, "bodyLength", static_cast<int64_t>(r.body.size()));
  Field(w, "bodyCrc32", static_cast<int64_t>(Crc32(AsBytes(r.body))));
  Field(w, "storedBodyCrc", r.body_crc);
  Key(w, "properties");
  w.StartObject();
  for (const auto& [name, value] : properties.entries()) {
    Field(w, Printable(name), Printable(value));
  }
  w.EndObject();
  Field(w, "storeTimestamp", r.store_timestamp);
  Field(w, "bornTimestamp", r.born_timestamp);
  Field(w, "bornHost", r.born_host.ToString());
  Field(w, "storeHost", r.store_host.ToString());
  Field(w, "sysFlag", r.sys_flag);
  Field(w, "flag", r.flag);
  Field(w, "reconsumeTimes", r.reconsume_times);
  Field(w, "preparedTransactionOffset", r.prepared_transaction_offset);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

namespace {

absl::Status TypeError(std::string_view field, std::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("field \"", AsAbsl(field), "\" must be ", AsAbsl(expected)));
}

absl::StatusOr<int64_t> Integer(const rapidjson::Value& v,
                                std::string_view field) {
  if (!v.IsInt64()) return TypeError(field, "an integer");
  return v.GetInt64();
}

absl::StatusOr<int32_t> Int32(const rapidjson::Value& v,
                              std::string_view field) {
  if (!v.IsInt()) return TypeError(field, "a 32-bit integer");
  return v.GetInt();
}

absl::StatusOr<std::string> String(const rapidjson::Value& v,
                                   std::string_view field) {
  if (!v.IsString()) return TypeError(field, "a string");
  return std::string(v.GetString(), v.GetStringLength());
}

}  // namespace

absl::StatusOr<MessageToStore> MessageFromJson(std::string_view line) {
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON at column ", doc.GetErrorOffset() + 1,
                     ": ", rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) {
    return absl::InvalidArgumentError("expected a JSON object");
  }
  MessageToStore m;
  bool has_topic = false, has_body = false;
  for (const auto& member : doc.GetObject()) {
    const std::string_view name(member.name.GetString(),
                                member.name.GetStringLength());
    const rapidjson::Value& v = member.value;
    absl::Status s;
    if (name == "topic") {
      auto t = String(v, name);
      if (!t.ok()) return t.status();
      m.topic = *t;
      has_topic = true;
    } else if (name == "body" || name == "bodyBase64") {
      auto b = String(v, name);
      if (!b.ok()) return b.status();
      if (name == "body") {
        m.body = *b;
      } else if (!absl::Base64Unescape(*b, &m.body)) {
        return absl::InvalidArgumentError("bodyBase64 is not valid base64");
      }
      has_body = true;
    } else if (name == "queueId") {
      auto q = Int32(v, name);
      if (!q.ok()) return q.status();
      m.queue_id = *q;
    } else if (name == "flag") {
      auto f = Int32(v, name);
      if (!f.ok()) return f.status();
      m.flag = *f;
    } else if (name == "sysFlag") {
      auto f = Int32(v, name);
      if (!f.ok()) return f.status();
      m.sys_flag = *f;
    } else if (name == "reconsumeTimes") {
      auto r = Int32(v, name);
      if (!r.ok()) return r.status();
      m.reconsume_times = *r;
    } else if (name == "bornTimestamp") {
      auto t = Integer(v, name);
      if (!t.ok()) return t.status();
      m.born_timestamp_ms = *t;
    } else if (name == "bornHost") {
      auto h = String(v, name);
      if (!h.ok()) return h.status();
      auto host = HostAddress::Parse(*h);
      if (!host.ok()) return host.status();
      m.born_host = *host;
    } else if (name == "tags") {
      auto t = String(v, name);
      if (!t.ok()) return t.status();
      m.properties.Set(kPropertyTags, *t);
    } else if (name == "keys") {
      std::string keys;
      if (v.IsArray()) {
        for (const auto& k : v.GetArray()) {
          auto key = String(k, "keys[]");
          if (!key.ok()) return key.status();
          absl::StrAppend(&keys, keys.empty() ? "" : " ", *key);
        }
      } else {
        auto k = String(v, name);
        if (!k.ok()) return TypeError(name, "a string or an array of strings");
        keys = *k;
      }
      m.properties.Set(kPropertyKeys, keys);
    } else if (name == "properties") {
      if (!v.IsObject()) return TypeError(name, "an object of strings");
      for (const auto& p : v.GetObject()) {
        auto value = String(p.value, "properties.*");
        if (!value.ok()) return value.status();
        m.properties.Set(
            std::string_view(p.name.GetString(), p.name.GetStringLength()),
            *value);
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown field \"", AsAbsl(name), "\""));
    }
  }
  if (!has_topic) return absl::InvalidArgumentError("missing \"topic\"");
  if (!has_body) return absl::InvalidArgumentError("missing \"body\"");
  return m;
}

}  // namespace rmq::tool
