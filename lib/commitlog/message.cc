#include "rmq/message.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <span>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/endian.h"
#include "base/strings.h"

namespace rmq {
namespace {

constexpr char kNameValueSeparator = '\x01';
constexpr char kPropertySeparator = '\x02';

absl::Status BadHost(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("bad host address '", AsAbsl(text), "': ", AsAbsl(why),
                   " (want \"1.2.3.4:10911\" or \"[2001:db8::1]:10911\")"));
}

// A decimal TCP port, 0..65535.
bool ParsePort(std::string_view text, int32_t* port) {
  if (text.empty() || text.size() > 5) return false;
  int32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value > 65535) return false;
  *port = value;
  return true;
}

// inet_pton needs a NUL-terminated string; addresses are short, so a stack
// buffer avoids an allocation.
bool ParseIp(int family, std::string_view text, uint8_t* out) {
  std::array<char, INET6_ADDRSTRLEN + 1> buf{};
  if (text.empty() || text.size() >= buf.size()) return false;
  std::memcpy(buf.data(), text.data(), text.size());
  return inet_pton(family, buf.data(), out) == 1;
}

// Calls `fn(name, value)` for every segment string2messageProperties accepts,
// in order. A segment counts when its first \x01 has at least one character
// on each side (which also makes it >= 3 characters long). Separators are
// ASCII and never occur inside a multi-byte UTF-8 sequence, so counting bytes
// accepts exactly what Java accepts counting UTF-16 units.
template <typename Fn>
void ForEachProperty(std::string_view text, Fn&& fn) {
  size_t index = 0;
  while (index < text.size()) {
    size_t end = text.find(kPropertySeparator, index);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view segment = text.substr(index, end - index);
    const size_t sep = segment.find(kNameValueSeparator);
    if (sep != std::string_view::npos && sep > 0 && sep + 1 < segment.size()) {
      fn(segment.substr(0, sep), segment.substr(sep + 1));
    }
    index = end + 1;
  }
}

}  // namespace

HostAddress HostAddress::V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d,
                            int32_t port) {
  HostAddress host;
  host.ip[0] = a;
  host.ip[1] = b;
  host.ip[2] = c;
  host.ip[3] = d;
  host.port = port;
  return host;
}

absl::StatusOr<HostAddress> HostAddress::Parse(std::string_view text) {
  HostAddress host;
  std::string_view ip;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return BadHost(text, "missing ']' after the IPv6 address");
    }
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return BadHost(text, "missing ':port' after ']'");
    }
    ip = text.substr(1, close - 1);
    port = text.substr(close + 2);
    host.v6 = true;
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return BadHost(text, "missing ':port'");
    }
    ip = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (ip.find(':') != std::string_view::npos) {
      return BadHost(text, "an IPv6 address must be written in brackets");
    }
  }
  if (!ParseIp(host.v6 ? AF_INET6 : AF_INET, ip, host.ip.data())) {
    return BadHost(text, absl::StrCat("'", AsAbsl(ip), "' is not an IPv",
                                      host.v6 ? "6" : "4", " address"));
  }
  if (!ParsePort(port, &host.port)) {
    return BadHost(text, absl::StrCat("port '", AsAbsl(port),
                                      "' is not a number in 0..65535"));
  }
  return host;
}

std::string HostAddress::ToString() const {
  if (!v6) {
    return absl::StrCat(ip[0], ".", ip[1], ".", ip[2], ".", ip[3], ":", port);
  }
  std::array<char, INET6_ADDRSTRLEN> buf{};
  if (inet_ntop(AF_INET6, ip.data(), buf.data(), buf.size()) == nullptr) {
    return absl::StrCat("[?]:", port);  // cannot happen: the buffer fits any
  }
  return absl::StrCat("[", buf.data(), "]:", port);
}

MessageProperties::MessageProperties(std::initializer_list<Entry> entries) {
  for (const Entry& entry : entries) Set(entry.first, entry.second);
}

void MessageProperties::Set(std::string_view name, std::string_view value) {
  for (Entry& entry : entries_) {
    if (entry.first == name) {
      entry.second.assign(value);
      return;
    }
  }
  entries_.emplace_back(std::string(name), std::string(value));
}

const std::string* MessageProperties::Find(std::string_view name) const {
  for (const Entry& entry : entries_) {
    if (entry.first == name) return &entry.second;
  }
  return nullptr;
}

bool MessageProperties::Erase(std::string_view name) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == name) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

std::string MessageProperties::Serialize() const {
  std::string out;
  SerializeTo(&out);
  return out;
}

void MessageProperties::SerializeTo(std::string* out) const {
  out->clear();
  size_t size = 0;
  for (const Entry& entry : entries_) {
    size += entry.first.size() + entry.second.size() + 2;
  }
  out->reserve(size);
  for (const Entry& entry : entries_) {
    if (!out->empty()) out->push_back(kPropertySeparator);
    out->append(entry.first);
    out->push_back(kNameValueSeparator);
    out->append(entry.second);
  }
}

MessageProperties MessageProperties::Parse(std::string_view text) {
  MessageProperties properties;
  ForEachProperty(text, [&](std::string_view name, std::string_view value) {
    properties.Set(name, value);
  });
  return properties;
}

bool FindProperty(std::string_view serialized, std::string_view name,
                  std::string_view* value) {
  return FindProperties(serialized, std::span(&name, 1), std::span(value, 1)) !=
         0;
}

uint32_t FindProperties(std::string_view serialized,
                        std::span<const std::string_view> names,
                        std::span<std::string_view> values) {
  uint32_t found = 0;
  ForEachProperty(serialized, [&](std::string_view n, std::string_view v) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (n == names[i]) {
        values[i] = v;
        found |= 1u << i;
      }
    }
  });
  return found;
}

std::string OffsetMessageId(const HostAddress& store_host,
                            int64_t physical_offset) {
  std::array<std::byte, 28> buf{};
  const size_t ip_length = store_host.v6 ? 16 : 4;
  std::memcpy(buf.data(), store_host.ip.data(), ip_length);
  StoreBE32(buf.data() + ip_length, store_host.port);
  StoreBE64(buf.data() + ip_length + 4, physical_offset);
  return HexUpper(std::span<const std::byte>(buf.data(), ip_length + 12));
}

absl::StatusOr<DecodedMessageId> DecodeOffsetMessageId(std::string_view id) {
  if (id.size() != 32 && id.size() != 56) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "message id '%s' has %d characters, want 32 (IPv4) or 56 (IPv6)",
        AsAbsl(id), id.size()));
  }
  std::string raw;
  if (!HexDecode(id, &raw)) {
    return absl::InvalidArgumentError(
        absl::StrCat("message id '", AsAbsl(id), "' is not hexadecimal"));
  }
  DecodedMessageId decoded;
  HostAddress& host = decoded.store_host;
  host.v6 = id.size() == 56;
  const size_t ip_length = host.v6 ? 16 : 4;
  std::memcpy(host.ip.data(), raw.data(), ip_length);
  const auto* rest = reinterpret_cast<const std::byte*>(raw.data()) + ip_length;
  host.port = LoadBE32(rest);
  decoded.physical_offset = LoadBE64(rest + 4);
  return decoded;
}

}  // namespace rmq
