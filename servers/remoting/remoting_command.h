#pragma once
// One RocketMQ remoting command: the logical header every frame carries
// (remoting-protocol.md §3) and its body. The same type is a request or a
// response (flag bit 0), and either header serialization (§5) carries it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rmq::remoting {

enum class SerializeType : uint8_t { kJson = 0, kRocketMq = 1 };

// §5.1. Unknown values decode as kOther.
enum class LanguageCode : uint8_t {
  kJava = 0,
  kCpp = 1,
  kDotnet = 2,
  kPython = 3,
  kDelphi = 4,
  kErlang = 5,
  kRuby = 6,
  kOther = 7,
  kHttp = 8,
  kGo = 9,
  kPhp = 10,
  kOms = 11,
  kRust = 12,
};
std::string_view LanguageName(LanguageCode code);
LanguageCode LanguageFromName(std::string_view name);
LanguageCode LanguageFromByte(uint8_t byte);

inline constexpr int32_t kFlagResponse = 1;  // RPC_TYPE
inline constexpr int32_t kFlagOneway = 2;    // RPC_ONEWAY
// What we put in `version`: V4_9_8, so Java clients enable every 4.x feature.
inline constexpr int32_t kOurVersion = 409;

// The custom header (§4): named string values, kept in insertion order (the
// order they go on the wire in; it carries no meaning). Names are unique.
class ExtFields {
 public:
  using Entry = std::pair<std::string, std::string>;

  // Replaces an existing value, else appends.
  void Set(std::string_view name, std::string_view value);
  // nullptr when absent.
  const std::string* Find(std::string_view name) const;
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  const std::vector<Entry>& entries() const { return entries_; }

  friend bool operator==(const ExtFields&, const ExtFields&) = default;

 private:
  std::vector<Entry> entries_;
};

struct RemotingCommand {
  int32_t code = 0;
  LanguageCode language = LanguageCode::kJava;
  int32_t version = kOurVersion;
  int32_t opaque = 0;
  int32_t flag = 0;
  std::optional<std::string> remark;
  ExtFields ext_fields;
  std::string body;
  // How it travelled (decoded) or will travel (encoded).
  SerializeType serialize_type = SerializeType::kJson;

  bool is_response() const { return (flag & kFlagResponse) != 0; }
  bool is_oneway() const { return (flag & kFlagOneway) != 0; }

  // A request with our language and version.
  static RemotingCommand Request(int32_t code);
  // The response to `request` (§3.1): same opaque and serialization, the
  // response bit set, nothing else copied.
  static RemotingCommand ResponseTo(const RemotingCommand& request,
                                    int32_t code,
                                    std::optional<std::string> remark = {});

  friend bool operator==(const RemotingCommand&,
                         const RemotingCommand&) = default;
};

}  // namespace rmq::remoting
