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

}  // namespace rmq
