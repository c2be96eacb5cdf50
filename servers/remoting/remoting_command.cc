#include "remoting/remoting_command.h"

#include <array>

namespace rmq::remoting {
namespace {

constexpr std::array<std::string_view, 13> kLanguageNames = {
    "JAVA",  "CPP",  "DOTNET", "PYTHON", "DELPHI", "ERLANG", "RUBY",
    "OTHER", "HTTP", "GO",     "PHP",    "OMS",    "RUST"};

}  // namespace

std::string_view LanguageName(LanguageCode code) {
  const auto index = static_cast<size_t>(code);
  return index < kLanguageNames.size() ? kLanguageNames[index] : "OTHER";
}

LanguageCode LanguageFromName(std::string_view name) {
  for (size_t i = 0; i < kLanguageNames.size(); ++i) {
    if (kLanguageNames[i] == name) return static_cast<LanguageCode>(i);
  }
  return LanguageCode::kOther;
}

LanguageCode LanguageFromByte(uint8_t byte) {
  return byte < kLanguageNames.size() ? static_cast<LanguageCode>(byte)
                                      : LanguageCode::kOther;
}

void ExtFields::Set(std::string_view name, std::string_view value) {
  for (Entry& entry : entries_) {
    if (entry.first == name) {
      entry.second = value;
      return;
    }
  }
  entries_.emplace_back(name, value);
}

const std::string* ExtFields::Find(std::string_view name) const {
  for (const Entry& entry : entries_) {
    if (entry.first == name) return &entry.second;
  }
  return nullptr;
}

RemotingCommand RemotingCommand::Request(int32_t code) {
  RemotingCommand command;
  command.code = code;
  return command;
}

RemotingCommand RemotingCommand::ResponseTo(const RemotingCommand& request,
                                            int32_t code,
                                            std::optional<std::string> remark) {
  RemotingCommand response;
  response.code = code;
  response.opaque = request.opaque;
  response.flag = kFlagResponse;
  response.remark = std::move(remark);
  response.serialize_type = request.serialize_type;
  return response;
}

}  // namespace rmq::remoting
