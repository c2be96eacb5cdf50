// Java .properties parsing, following java.util.Properties.load: LineReader
// joins natural lines into logical lines, load0 splits key from value, and
// loadConvert resolves escapes.
//
// One deliberate difference: Java reads the file as ISO-8859-1, so a UTF-8
// "é" becomes two characters. We pass every byte through unchanged (for ASCII
// files, which is what operators write, the result is identical) and encode
// \uXXXX escapes as UTF-8.

#include "rmq/properties.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace rmq {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\f'; }
bool IsEol(char c) { return c == '\n' || c == '\r'; }

// One logical line: continuation backslashes removed, escapes still raw.
struct LogicalLine {
  std::string text;
  int line = 0;
};

// Reads natural lines the way Properties.LineReader does. Tracks the 1-based
// line number of every line terminator ("\n", "\r" or "\r\n") it consumes.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  // The next non-blank, non-comment logical line; false at the end.
  bool Next(LogicalLine* out) {
    while (pos_ < text_.size()) {
      SkipBlanks();
      if (pos_ >= text_.size()) return false;
      const char c = text_[pos_];
      if (IsEol(c)) {
        ConsumeEol();
        continue;
      }
      if (c == '#' || c == '!') {  // comments never continue
        ReadSegment();
        ConsumeEol();
        continue;
      }
      out->line = line_;
      out->text.clear();
      ReadLogicalLine(&out->text);
      // A lone "\" followed by a blank line leaves nothing: Java skips it.
      if (!out->text.empty()) return true;
    }
    return false;
  }

 private:
  void SkipBlanks() {
    while (pos_ < text_.size() && IsBlank(text_[pos_])) ++pos_;
  }

  // The rest of the current natural line, without its terminator.
  std::string_view ReadSegment() {
    const size_t start = pos_;
    while (pos_ < text_.size() && !IsEol(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  void ConsumeEol() {
    if (pos_ >= text_.size()) return;
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() &&
        text_[pos_ + 1] == '\n') {
      ++pos_;
    }
    ++pos_;
    ++line_;
  }

  void ReadLogicalLine(std::string* out) {
    while (true) {
      const std::string_view segment = ReadSegment();
      size_t backslashes = 0;
      while (backslashes < segment.size() &&
             segment[segment.size() - 1 - backslashes] == '\\') {
        ++backslashes;
      }
      out->append(segment);
      if (backslashes % 2 == 0) {
        ConsumeEol();
        return;
      }
      out->pop_back();                   // the continuation backslash
      if (pos_ >= text_.size()) return;  // "\" at end of input: dropped
      ConsumeEol();
      SkipBlanks();  // leading whitespace of a continuation line is dropped
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
};

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses the four hex digits of a \u escape starting at s[i]; -1 if malformed.
int32_t ParseU16(std::string_view s, size_t i) {
  if (i + 4 > s.size()) return -1;
  int32_t v = 0;
  for (size_t k = i; k < i + 4; ++k) {
    const int d = HexDigit(s[k]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

bool IsHighSurrogate(int32_t u) { return u >= 0xD800 && u <= 0xDBFF; }
bool IsLowSurrogate(int32_t u) { return u >= 0xDC00 && u <= 0xDFFF; }

// Properties.loadConvert. \uXXXX escapes are UTF-16 code units: a high
// surrogate immediately followed by an escaped low surrogate is one code
// point; a lone surrogate (which UTF-8 cannot hold) becomes U+FFFD, as Java's
// String.getBytes(UTF_8) would substitute it.
absl::StatusOr<std::string> Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i >= s.size()) break;  // cannot happen: load0 keeps pairs
    const char e = s[i];
    switch (e) {
      case 't':
        out.push_back('\t');
        continue;
      case 'n':
        out.push_back('\n');
        continue;
      case 'r':
        out.push_back('\r');
        continue;
      case 'f':
        out.push_back('\f');
        continue;
      case 'u':
        break;
      default:
        out.push_back(e);
        continue;
    }
    const int32_t unit = ParseU16(s, i + 1);
    if (unit < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "malformed \\uxxxx escape '\\",
          AsAbsl(s.substr(i, std::min<size_t>(5, s.size() - i))), "'"));
    }
    i += 4;
    uint32_t cp = static_cast<uint32_t>(unit);
    if (IsHighSurrogate(unit) && i + 2 < s.size() && s[i + 1] == '\\' &&
        s[i + 2] == 'u') {
      const int32_t low = ParseU16(s, i + 3);
      if (IsLowSurrogate(low)) {
        cp = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        i += 6;
      }
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
    AppendUtf8(cp, &out);
  }
  return out;
}

// Properties.load0: the key ends at the first unescaped '=', ':' or blank;
// blanks and at most one '='/':' separate it from the value.
absl::StatusOr<PropertyEntry> SplitEntry(const LogicalLine& line) {
  const std::string& s = line.text;
  size_t key_len = 0;
  size_t value_start = s.size();
  bool has_separator = false;
  bool escaped = false;
  for (; key_len < s.size(); ++key_len) {
    const char c = s[key_len];
    if (!escaped && (c == '=' || c == ':')) {
      value_start = key_len + 1;
      has_separator = true;
      break;
    }
    if (!escaped && IsBlank(c)) {
      value_start = key_len + 1;
      break;
    }
    escaped = c == '\\' ? !escaped : false;
  }
  for (; value_start < s.size(); ++value_start) {
    const char c = s[value_start];
    if (IsBlank(c)) continue;
    if (!has_separator && (c == '=' || c == ':')) {
      has_separator = true;
      continue;
    }
    break;
  }
  PropertyEntry entry;
  entry.line = line.line;
  RMQ_ASSIGN_OR_RETURN(entry.key,
                       Unescape(std::string_view(s).substr(0, key_len)));
  RMQ_ASSIGN_OR_RETURN(entry.value,
                       Unescape(std::string_view(s).substr(value_start)));
  return entry;
}

}  // namespace

absl::StatusOr<PropertiesFile> PropertiesFile::Parse(std::string_view text,
                                                     std::string source) {
  PropertiesFile file;
  file.source_ = std::move(source);
  LineReader reader(text);
  LogicalLine line;
  while (reader.Next(&line)) {
    absl::StatusOr<PropertyEntry> entry = SplitEntry(line);
    if (!entry.ok()) {
      return Annotate(entry.status(),
                      absl::StrCat(file.source_, ":", line.line));
    }
    file.entries_.push_back(*std::move(entry));
  }
  return file;
}

absl::StatusOr<PropertiesFile> PropertiesFile::Load(
    const std::filesystem::path& path) {
  const std::string name = path.string();
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat(name, ": open"));
  }
  absl::Cleanup close_fd = [fd] { ::close(fd); };
  std::string text;
  char buf[8192];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, absl::StrCat(name, ": read"));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return Parse(text, name);
}

const PropertyEntry* PropertiesFile::Find(std::string_view key) const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->key == key) return &*it;
  }
  return nullptr;
}

std::string PropertyErrorPrefix(const PropertiesFile& file,
                                const PropertyEntry& entry) {
  return absl::StrCat(file.source(), ":", entry.line, ": ", entry.key, ": ");
}

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\n' ||
         c == '\v';
}

}  // namespace

std::string_view TrimPropertyValue(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}

std::string QuotePropertyValue(std::string_view value) {
  return absl::StrCat("'", AsAbsl(value), "'");
}

// Java Long.parseLong/Integer.parseInt: optional sign, then ASCII decimal
// digits only; out-of-range values are errors, not wrapped.
absl::StatusOr<int64_t> ParseJavaInteger(std::string_view text, int64_t min,
                                         int64_t max) {
  std::string_view digits = text;
  const bool negative = !digits.empty() && digits.front() == '-';
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) {
    digits.remove_prefix(1);
  }
  if (digits.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(QuotePropertyValue(text), " is not an integer"));
  }
  // Accumulate negatively so INT64_MIN is representable.
  int64_t value = 0;
  bool overflow = false;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return absl::InvalidArgumentError(
          absl::StrCat(QuotePropertyValue(text), " is not an integer"));
    }
    const int d = c - '0';
    if (value < (std::numeric_limits<int64_t>::min() + d) / 10) {
      overflow = true;
    } else {
      value = value * 10 - d;
    }
  }
  if (!negative) {
    if (value == std::numeric_limits<int64_t>::min()) overflow = true;
    value = -value;
  }
  if (overflow || value < min || value > max) {
    return absl::InvalidArgumentError(absl::StrCat(
        QuotePropertyValue(text), " is out of range (", min, "..", max, ")"));
  }
  return value;
}

absl::StatusOr<bool> ParsePropertyBool(std::string_view text) {
  if (absl::EqualsIgnoreCase(AsAbsl(text), "true")) return true;
  if (absl::EqualsIgnoreCase(AsAbsl(text), "false")) return false;
  return absl::InvalidArgumentError(
      absl::StrCat(QuotePropertyValue(text), " is not true or false"));
}

}  // namespace rmq
