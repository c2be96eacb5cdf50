#pragma once
// The broker's metadata files (config/topics.json, subscriptionGroup.json,
// ...): how they are read, written and parsed. store-format.md §17.
//
// RocketMQ's ConfigManager writes "<file>.tmp", copies the old content to
// "<file>.bak", deletes "<file>" and renames the tmp file over it, with no
// fsync anywhere, so a crash can leave "<file>" missing, empty or torn. We
// keep the same three names (a Java broker reading our directory finds what
// it expects) but write so that "<file>" is at every instant either the
// complete old version or the complete new one: see WriteConfigFile.
//
// The files are fastjson's pretty-printed output (tabs, no space after ':',
// no trailing newline). fastjson writes maps with integer keys with bare
// keys ({0:12}); ParseFastjson accepts them.

#include <rapidjson/document.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rmq::broker {

// Where LoadConfigFile found usable content.
enum class ConfigSource {
  kNone,    // neither <file> nor <file>.bak exists (or both are empty)
  kMain,    // <file>
  kBackup,  // <file>.bak, because <file> was missing, empty or undecodable
};

// Reads `path` like ConfigManager.load(): the content of `path` is handed to
// `decode`; when `path` is missing or empty, or `decode` rejects it,
// "<path>.bak" is tried instead. `decode` must leave its target untouched
// when it fails (decode into a temporary, then commit).
//
// Stricter than Java, which starts with an empty table when the file is
// corrupt and there is no backup: that is an error here, naming the file
// and what is wrong with it. An I/O error other than ENOENT is an error too
// (Java would silently fall back). When the backup is used and <path> exists
// (empty or corrupt), <path> is renamed to "<path>.corrupt" so the evidence
// is kept and the next write does not rotate it into <path>.bak.
absl::StatusOr<ConfigSource> LoadConfigFile(
    const std::filesystem::path& path,
    absl::FunctionRef<absl::Status(std::string_view text)> decode);

// Replaces `path` with `content`, crash-safely:
//   1. write "<path>.tmp" and fdatasync it;
//   2. hard-link the current <path> as "<path>.bak.tmp" and rename that over
//      "<path>.bak" (a copy when the file system has no hard links), so
//      .bak holds the previous version as in Java;
//   3. rename "<path>.tmp" over <path>;
//   4. fsync the directory, making both renames durable.
// A crash at any point leaves <path> complete (old or new). Creates the
// directory when missing. Errors name the path, the call and the errno text;
// ENOSPC/EDQUOT are ResourceExhausted.
absl::Status WriteConfigFile(const std::filesystem::path& path,
                             std::string_view content);

// Returns `json` with fastjson's bare numeric object keys quoted
// ({0:12,-1:3} -> {"0":12,"-1":3}). Only key positions outside strings are
// touched; string contents, values and arrays are copied as they are.
// Malformed input is copied through for the parser to report.
std::string QuoteBareKeys(std::string_view json);

// QuoteBareKeys, then a strict parse. InvalidArgument with the byte offset
// and RapidJSON's reason when it does not parse, or when the top level is
// not an object.
absl::Status ParseFastjson(std::string_view text, rapidjson::Document* doc);

// Re-indents compact JSON (no whitespace outside strings, as our encoders
// write it) into fastjson's pretty form: one member per line, tab indents,
// "key":value, empty objects and arrays as {} and [].
std::string FastjsonPretty(std::string_view compact_json);

// Appends `"key":` to a JSON object being written, with the comma when
// `out` does not end in '{'.
void AppendJsonKey(const char* key, std::string* out);

// Field readers for fastjson beans. A missing or null member leaves `*out`
// unchanged (the Java bean's default); a member of another type is
// InvalidArgument naming it. Numbers may also be given as strings of
// digits, and booleans as "true"/"false", which fastjson accepts too.
absl::Status ReadJsonInt(const rapidjson::Value& object, const char* name,
                         int64_t min, int64_t max, int64_t* out);
absl::Status ReadJsonInt32(const rapidjson::Value& object, const char* name,
                           int32_t* out);
absl::Status ReadJsonInt64(const rapidjson::Value& object, const char* name,
                           int64_t* out);
absl::Status ReadJsonBool(const rapidjson::Value& object, const char* name,
                          bool* out);
absl::Status ReadJsonString(const rapidjson::Value& object, const char* name,
                            std::string* out);

// `object[name]` when it is a JSON object; nullptr when missing or null;
// InvalidArgument when it is something else.
absl::StatusOr<const rapidjson::Value*> JsonObjectMember(
    const rapidjson::Value& object, const char* name);

}  // namespace rmq::broker
