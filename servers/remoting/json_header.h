#pragma once
// The JSON header (serialize type 0, remoting-protocol.md §5.3).
//
// Encoding imitates what Java (fastjson) puts on the wire, byte for byte:
// top-level keys sorted, nulls omitted, no whitespace, every extFields value
// a string, control characters as \u00XX (upper-case hex), U+2028/U+2029
// escaped, other non-ASCII raw. Decoding is lenient as real clients need:
// any key order, unknown keys, missing keys (defaults), and extFields values
// that are JSON numbers or booleans (ali-ons, the C++ client) — kept as their
// literal text, so 64-bit timestamps keep every digit.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "remoting/remoting_command.h"

namespace rmq::remoting {

// Appends the header of `command` (not its body) to `out`.
void EncodeJsonHeader(const RemotingCommand& command, std::string* out);

// Fills the header fields of `out` (not its body). InvalidArgument, saying
// what is wrong, when `json` is not a usable header.
absl::Status DecodeJsonHeader(std::string_view json, RemotingCommand* out);

// Appends `text` as a JSON string literal, escaped as fastjson does.
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace rmq::remoting
