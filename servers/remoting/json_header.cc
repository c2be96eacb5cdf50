#include "remoting/json_header.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <charconv>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace rmq::remoting {
namespace {

using Value = rapidjson::Value;

std::string_view View(const Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

// The text of a scalar as Java's decoder would see it: strings as they are,
// numbers as their literal digits (parsed with kParseNumbersAsStringsFlag,
// so they arrive as strings too), booleans as true/false.
std::optional<std::string_view> ScalarText(const Value& v) {
  if (v.IsString()) return View(v);
  if (v.IsTrue()) return "true";
  if (v.IsFalse()) return "false";
  return std::nullopt;
}

absl::Status IntField(const Value& object, const char* name, int32_t* out) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
  std::optional<std::string_view> text = ScalarText(it->value);
  int64_t value = 0;
  if (text.has_value()) {
    auto [ptr, ec] =
        std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec == std::errc() && ptr == text->data() + text->size() &&
        value >= INT32_MIN && value <= INT32_MAX) {
      *out = static_cast<int32_t>(value);
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("JSON header: \"", name, "\" is not a 32-bit integer"));
}

absl::Status DecodeExtFields(const Value& object, ExtFields* fields) {
  auto it = object.FindMember("extFields");
  if (it == object.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
  if (!it->value.IsObject()) {
    return absl::InvalidArgumentError(
        "JSON header: \"extFields\" is not an object");
  }
  for (const auto& member : it->value.GetObject()) {
    if (member.value.IsNull()) continue;  // null = absent
    std::optional<std::string_view> text = ScalarText(member.value);
    if (!text.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "JSON header: extFields \"", std::string(View(member.name)),
          "\" is an object or array, not a value"));
    }
    fields->Set(View(member.name), *text);
  }
  return absl::OkStatus();
}

void AppendKey(std::string_view key, std::string* out) {
  if (out->back() != '{') out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->push_back('"');
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out->append("\\\"");
        continue;
      case '\\':
        out->append("\\\\");
        continue;
      case '\b':
        out->append("\\b");
        continue;
      case '\f':
        out->append("\\f");
        continue;
      case '\n':
        out->append("\\n");
        continue;
      case '\r':
        out->append("\\r");
        continue;
      case '\t':
        out->append("\\t");
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xF]);
    } else if (c == 0xE2 && i + 2 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(text[i + 2]) == 0xA8 ||
                static_cast<unsigned char>(text[i + 2]) == 0xA9)) {
      // U+2028 / U+2029: valid JSON, but not JavaScript; fastjson escapes them.
      out->append(static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028"
                                                                  : "\\u2029");
      i += 2;
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

void EncodeJsonHeader(const RemotingCommand& command, std::string* out) {
  // fastjson's order: keys sorted, nulls omitted.
  out->push_back('{');
  AppendKey("code", out);
  absl::StrAppend(out, command.code);
  if (!command.ext_fields.empty()) {
    AppendKey("extFields", out);
    out->push_back('{');
    for (const auto& [key, value] : command.ext_fields.entries()) {
      if (out->back() != '{') out->push_back(',');
      AppendJsonString(key, out);
      out->push_back(':');
      AppendJsonString(value, out);
    }
    out->push_back('}');
  }
  AppendKey("flag", out);
  absl::StrAppend(out, command.flag);
  AppendKey("language", out);
  AppendJsonString(LanguageName(command.language), out);
  AppendKey("opaque", out);
  absl::StrAppend(out, command.opaque);
  if (command.remark.has_value()) {
    AppendKey("remark", out);
    AppendJsonString(*command.remark, out);
  }
  AppendKey("serializeTypeCurrentRPC", out);
  out->append("\"JSON\"");
  AppendKey("version", out);
  absl::StrAppend(out, command.version);
  out->push_back('}');
}

absl::Status DecodeJsonHeader(std::string_view json, RemotingCommand* out) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(json.data(), json.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "JSON header does not parse at byte %d: %s", doc.GetErrorOffset(),
        rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) {
    return absl::InvalidArgumentError("JSON header is not an object");
  }
  // Defaults for missing keys (§5.3): flag 0, version 0, language JAVA.
  RemotingCommand decoded;
  decoded.version = 0;
  if (absl::Status s = IntField(doc, "code", &decoded.code); !s.ok()) return s;
  if (absl::Status s = IntField(doc, "version", &decoded.version); !s.ok()) {
    return s;
  }
  if (absl::Status s = IntField(doc, "opaque", &decoded.opaque); !s.ok()) {
    return s;
  }
  if (absl::Status s = IntField(doc, "flag", &decoded.flag); !s.ok()) return s;
  if (auto it = doc.FindMember("language");
      it != doc.MemberEnd() && it->value.IsString()) {
    decoded.language = LanguageFromName(View(it->value));
  }
  if (auto it = doc.FindMember("remark");
      it != doc.MemberEnd() && !it->value.IsNull()) {
    std::optional<std::string_view> text = ScalarText(it->value);
    if (!text.has_value()) {
      return absl::InvalidArgumentError(
          "JSON header: \"remark\" is not a string");
    }
    decoded.remark = std::string(*text);
  }
  if (absl::Status s = DecodeExtFields(doc, &decoded.ext_fields); !s.ok()) {
    return s;
  }
  decoded.serialize_type = SerializeType::kJson;
  decoded.body = std::move(out->body);
  *out = std::move(decoded);
  return absl::OkStatus();
}

}  // namespace rmq::remoting
