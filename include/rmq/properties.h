#pragma once
// A Java .properties file, the way RocketMQ operators write them: key=value or
// key: value (or key value), # and ! comments, \ line continuation, \uXXXX
// escapes. Every entry remembers its line so errors can name it.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace rmq {

struct PropertyEntry {
  std::string key;
  std::string value;  // leading whitespace dropped, trailing kept (as Java)
  int line = 0;       // 1-based line where the entry starts
};

class PropertiesFile {
 public:
  // `source` names the file in error messages.
  static absl::StatusOr<PropertiesFile> Parse(std::string_view text,
                                              std::string source = "<string>");
  static absl::StatusOr<PropertiesFile> Load(const std::filesystem::path& path);

  const std::string& source() const { return source_; }
  // In file order; a key given twice appears twice (the last one wins).
  const std::vector<PropertyEntry>& entries() const { return entries_; }
  // The last entry with this key, or nullptr.
  const PropertyEntry* Find(std::string_view key) const;

 private:
  std::string source_;
  std::vector<PropertyEntry> entries_;
};

// "broker-a.properties:12: flushDiskType: ..." — the prefix every config error
// message starts with.
std::string PropertyErrorPrefix(const PropertiesFile& file,
                                const PropertyEntry& entry);

// Property values, converted as RocketMQ's config objects convert them (but
// refused instead of ignored when malformed). Messages quote the value:
// "'48h' is not an integer".
//
// Java Long.parseLong / Integer.parseInt: optional sign, ASCII digits only;
// out of [min, max] is an error ("is out of range (min..max)"), not wrapped.
absl::StatusOr<int64_t> ParseJavaInteger(std::string_view text, int64_t min,
                                         int64_t max);
// "true" or "false" in any case ("is not true or false" otherwise).
absl::StatusOr<bool> ParsePropertyBool(std::string_view text);
// `text` without surrounding whitespace (Java's trim()).
std::string_view TrimPropertyValue(std::string_view text);
// 'text', as error messages quote values.
std::string QuotePropertyValue(std::string_view text);

}  // namespace rmq
