#include "broker/config_file.h"

#include <fcntl.h>
#include <rapidjson/error/en.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <limits>
#include <optional>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace rmq::broker {
namespace {

namespace fs = std::filesystem;

absl::Status ErrnoStatus(const fs::path& path, const char* call, int err) {
  std::string message =
      absl::StrCat(path.string(), ": ", call, ": ",
                   std::error_code(err, std::generic_category()).message());
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

// Closes the descriptor on every path out; Close() reports the error that
// matters for a file just written (NFS and some FUSE file systems report
// write errors only at close).
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;

  int get() const { return fd_; }
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

fs::path WithSuffix(const fs::path& path, const char* suffix) {
  fs::path result = path;
  result += suffix;
  return result;
}

// nullopt when the file does not exist.
absl::StatusOr<std::optional<std::string>> ReadWholeFile(const fs::path& path) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return ErrnoStatus(path, "open", errno);
  }
  std::string data;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path, "read", errno);
    }
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  return std::optional<std::string>(std::move(data));
}

// Creates or truncates `path`, writes `content` and fdatasyncs it.
absl::Status WriteSyncedFile(const fs::path& path, std::string_view content) {
  ScopedFd fd(
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return ErrnoStatus(path, "open", errno);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n =
        ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path, "write", errno);
    }
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(fd.get()) != 0) return ErrnoStatus(path, "fdatasync", errno);
  if (fd.Close() != 0) return ErrnoStatus(path, "close", errno);
  return absl::OkStatus();
}

absl::Status SyncDirectory(const fs::path& dir) {
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus(dir, "open", errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus(dir, "fsync", errno);
  return absl::OkStatus();
}

absl::Status Rename(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return ErrnoStatus(from, absl::StrCat("rename to ", to.string()).c_str(),
                       errno);
  }
  return absl::OkStatus();
}

// Makes <path>.bak the current content of <path> without a window in which
// <path>.bak is missing or partial. A hard link costs no data write and no
// second fdatasync: the old inode simply lives on as the backup once <path>
// is replaced.
absl::Status RotateBackup(const fs::path& path) {
  const fs::path backup = WithSuffix(path, ".bak");
  const fs::path backup_tmp = WithSuffix(path, ".bak.tmp");
  if (::unlink(backup_tmp.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(backup_tmp, "unlink", errno);
  }
  if (::link(path.c_str(), backup_tmp.c_str()) != 0) {
    const int err = errno;
    if (err == ENOENT) return absl::OkStatus();  // first write: no backup
    const bool no_hard_links = err == EPERM || err == EXDEV || err == ENOTSUP ||
                               err == EOPNOTSUPP || err == EMLINK ||
                               err == ENOSYS;
    if (!no_hard_links) return ErrnoStatus(path, "link", err);
    absl::StatusOr<std::optional<std::string>> current = ReadWholeFile(path);
    if (!current.ok()) return current.status();
    if (!current->has_value()) return absl::OkStatus();
    if (absl::Status s = WriteSyncedFile(backup_tmp, **current); !s.ok()) {
      return s;
    }
  }
  return Rename(backup_tmp, backup);
}

bool IsNumberChar(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' ||
         c == '.' || c == 'e' || c == 'E';
}

}  // namespace

absl::StatusOr<ConfigSource> LoadConfigFile(
    const fs::path& path,
    absl::FunctionRef<absl::Status(std::string_view text)> decode) {
  absl::StatusOr<std::optional<std::string>> main = ReadWholeFile(path);
  if (!main.ok()) return main.status();
  const bool main_exists = main->has_value();
  std::string main_problem = main_exists ? "is empty" : "does not exist";
  if (main_exists && !(*main)->empty()) {
    absl::Status s = decode(**main);
    if (s.ok()) return ConfigSource::kMain;
    main_problem = std::string(s.message());
  }

  const fs::path backup_path = WithSuffix(path, ".bak");
  absl::StatusOr<std::optional<std::string>> backup =
      ReadWholeFile(backup_path);
  if (!backup.ok()) return backup.status();
  if (backup->has_value() && !(*backup)->empty()) {
    if (absl::Status s = decode(**backup); !s.ok()) {
      return absl::DataLossError(
          absl::StrCat(path.string(), ": ", main_problem, "; and the backup ",
                       backup_path.string(), ": ", s.message()));
    }
    if (main_exists) {
      // Keep the bad file for the operator, and out of the way of the next
      // write, which would otherwise rotate it into .bak over the good copy.
      // Failing to move it costs only that, so loading still succeeds.
      Rename(path, WithSuffix(path, ".corrupt")).IgnoreError();
    }
    return ConfigSource::kBackup;
  }
  if (main_exists && !(*main)->empty()) {
    return absl::DataLossError(absl::StrCat(path.string(), ": ", main_problem,
                                            "; and there is no backup ",
                                            backup_path.string()));
  }
  // Missing or empty with no backup: start from the defaults, as Java does.
  return ConfigSource::kNone;
}

absl::Status WriteConfigFile(const fs::path& path, std::string_view content) {
  fs::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  const bool created = fs::create_directories(dir, ec);
  if (ec) return ErrnoStatus(dir, "create_directories", ec.value());
  if (created && dir.has_parent_path()) {
    if (absl::Status s = SyncDirectory(dir.parent_path()); !s.ok()) return s;
  }

  const fs::path tmp = WithSuffix(path, ".tmp");
  if (absl::Status s = WriteSyncedFile(tmp, content); !s.ok()) {
    ::unlink(tmp.c_str());  // best effort; a stale .tmp is never read
    return s;
  }
  if (absl::Status s = RotateBackup(path); !s.ok()) return s;
  if (absl::Status s = Rename(tmp, path); !s.ok()) return s;
  // Java never syncs: after a power cut its renames may be lost or the new
  // file may be empty. One directory fsync makes both of ours durable.
  return SyncDirectory(dir);
}

std::string QuoteBareKeys(std::string_view json) {
  std::string out;
  out.reserve(json.size() + 16);
  std::vector<char> containers;  // '{' or '[' for each open container
  bool in_string = false;
  bool escaped = false;
  bool expect_key = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out.push_back(c);
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (expect_key && !std::isspace(static_cast<unsigned char>(c))) {
      expect_key = false;
      if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
        size_t end = i;
        while (end < json.size() && IsNumberChar(json[end])) ++end;
        out.push_back('"');
        out.append(json.substr(i, end - i));
        out.push_back('"');
        i = end - 1;
        continue;
      }
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
        containers.push_back('{');
        expect_key = true;
        break;
      case '[':
        containers.push_back('[');
        break;
      case '}':
      case ']':
        if (!containers.empty()) containers.pop_back();
        break;
      case ',':
        expect_key = !containers.empty() && containers.back() == '{';
        break;
      default:
        break;
    }
    out.push_back(c);
  }
  return out;
}

absl::Status ParseFastjson(std::string_view text, rapidjson::Document* doc) {
  const std::string quoted = QuoteBareKeys(text);
  doc->Parse(quoted.data(), quoted.size());
  if (doc->HasParseError()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "JSON does not parse at byte %d%s: %s", doc->GetErrorOffset(),
        quoted.size() == text.size() ? "" : " (after quoting bare keys)",
        rapidjson::GetParseError_En(doc->GetParseError())));
  }
  if (!doc->IsObject()) {
    return absl::InvalidArgumentError("JSON top level is not an object");
  }
  return absl::OkStatus();
}

std::string FastjsonPretty(std::string_view json) {
  std::string out;
  out.reserve(json.size() * 5 / 4 + 16);
  int depth = 0;
  auto new_line = [&] {
    out.push_back('\n');
    out.append(static_cast<size_t>(depth), '\t');
  };
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out.push_back(c);
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        out.push_back(c);
        break;
      case '{':
      case '[': {
        const char close = c == '{' ? '}' : ']';
        out.push_back(c);
        if (i + 1 < json.size() && json[i + 1] == close) {
          out.push_back(close);
          ++i;
        } else {
          ++depth;
          new_line();
        }
        break;
      }
      case '}':
      case ']':
        if (depth > 0) --depth;
        new_line();
        out.push_back(c);
        break;
      case ',':
        out.push_back(c);
        new_line();
        break;
      default:
        out.push_back(c);
        break;
    }
  }
  return out;
}

void AppendJsonKey(const char* key, std::string* out) {
  if (!out->empty() && out->back() != '{') out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

absl::Status ReadJsonInt(const rapidjson::Value& object, const char* name,
                         int64_t min, int64_t max, int64_t* out) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
  const rapidjson::Value& v = it->value;
  int64_t value = 0;
  bool ok = false;
  if (v.IsInt64()) {
    value = v.GetInt64();
    ok = true;
  } else if (v.IsString()) {
    const char* begin = v.GetString();
    const char* end = begin + v.GetStringLength();
    auto [ptr, ec] = std::from_chars(begin, end, value);
    ok = ec == std::errc() && ptr == end;
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is not an integer"));
  }
  if (value < min || value > max) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", name, "\" is ", value, ", outside [", min, ", ", max, "]"));
  }
  *out = value;
  return absl::OkStatus();
}

absl::Status ReadJsonInt32(const rapidjson::Value& object, const char* name,
                           int32_t* out) {
  int64_t value = *out;
  absl::Status s =
      ReadJsonInt(object, name, std::numeric_limits<int32_t>::min(),
                  std::numeric_limits<int32_t>::max(), &value);
  if (s.ok()) *out = static_cast<int32_t>(value);
  return s;
}

absl::Status ReadJsonInt64(const rapidjson::Value& object, const char* name,
                           int64_t* out) {
  return ReadJsonInt(object, name, std::numeric_limits<int64_t>::min(),
                     std::numeric_limits<int64_t>::max(), out);
}

absl::Status ReadJsonBool(const rapidjson::Value& object, const char* name,
                          bool* out) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
  const rapidjson::Value& v = it->value;
  if (v.IsBool()) {
    *out = v.GetBool();
    return absl::OkStatus();
  }
  if (v.IsString()) {
    const std::string_view text(v.GetString(), v.GetStringLength());
    if (text == "true" || text == "false") {
      *out = text == "true";
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", name, "\" is not a boolean"));
}

absl::Status ReadJsonString(const rapidjson::Value& object, const char* name,
                            std::string* out) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return absl::OkStatus();
  if (!it->value.IsString()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is not a string"));
  }
  out->assign(it->value.GetString(), it->value.GetStringLength());
  return absl::OkStatus();
}

absl::StatusOr<const rapidjson::Value*> JsonObjectMember(
    const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) {
    return static_cast<const rapidjson::Value*>(nullptr);
  }
  if (!it->value.IsObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is not an object"));
  }
  return &it->value;
}

}  // namespace rmq::broker
