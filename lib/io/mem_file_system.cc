#include "rmq/io/mem_file_system.h"

#include <errno.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "io/errno_status.h"
#include "io/mem_file_system_impl.h"
#include "io/posix_io.h"

namespace rmq {
namespace {

// What Usage() reports as the total when no capacity was set.
constexpr uint64_t kUnlimitedTotalBytes = uint64_t{1} << 50;

std::shared_ptr<MemNode> NewDir() {
  auto dir = std::make_shared<MemNode>(/*dir=*/true);
  dir->mtime_ms = MemNowMs();
  return dir;
}

// True when `target` is `dir` or lies below it in the live tree.
bool Contains(const MemNode& dir, const MemNode* target) {
  if (&dir == target) return true;
  for (const auto& [name, child] : dir.entries) {
    if (child->is_dir && Contains(*child, target)) return true;
  }
  return false;
}

}  // namespace

int64_t MemNowMs() { return absl::ToUnixMillis(absl::Now()); }

std::shared_ptr<MemFileSystem> NewMemFileSystem() {
  return std::make_shared<MemFs>();
}

MemFs::MemFs() : abs_root_(NewDir()), rel_root_(NewDir()) {}

absl::StatusOr<MemFs::Location> MemFs::Locate(const std::filesystem::path& path,
                                              std::string_view op) {
  const std::filesystem::path normal = path.lexically_normal();
  std::vector<std::string> parts;
  for (const std::filesystem::path& part : normal.relative_path()) {
    if (!part.empty() && part != ".") parts.push_back(part.string());
  }
  std::shared_ptr<MemNode> dir = normal.is_absolute() ? abs_root_ : rel_root_;
  if (parts.empty()) return Location{dir, "", dir};
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    auto it = dir->entries.find(parts[i]);
    if (it == dir->entries.end()) return ErrnoToStatus(ENOENT, path, op);
    if (!it->second->is_dir) return ErrnoToStatus(ENOTDIR, path, op);
    dir = it->second;
  }
  Location location{std::move(dir), parts.back(), nullptr};
  auto it = location.dir->entries.find(location.name);
  if (it != location.dir->entries.end()) location.node = it->second;
  return location;
}

absl::StatusOr<std::shared_ptr<MemNode>> MemFs::Find(
    const std::filesystem::path& path, std::string_view op) {
  RMQ_ASSIGN_OR_RETURN(Location location, Locate(path, op));
  if (location.node == nullptr) return ErrnoToStatus(ENOENT, path, op);
  return std::move(location.node);
}

absl::Status MemFs::Reserve(const std::filesystem::path& path,
                            std::string_view op, uint64_t bytes) {
  if (bytes > capacity_ - std::min(capacity_, allocated_)) {
    return ErrnoToStatus(ENOSPC, path, op);
  }
  allocated_ += bytes;
  return absl::OkStatus();
}

void MemFs::Link(MemNode& dir, const std::string& name,
                 std::shared_ptr<MemNode> node) {
  ++node->links;
  dir.entries[name] = std::move(node);
}

void MemFs::Unlink(MemNode& dir, const std::string& name) {
  auto it = dir.entries.find(name);
  if (it == dir.entries.end()) return;
  MemNode& node = *it->second;
  if (--node.links == 0 && !node.is_dir) allocated_ -= node.allocated.total();
  dir.entries.erase(it);
}

std::shared_ptr<MemNode> MemFs::NewFile(uint64_t size) const {
  auto file = std::make_shared<MemNode>(/*dir=*/false);
  file->live = ZeroedBuffer(size);
  file->durable = ZeroedBuffer(size);  // a new file's durable image is zeros
  file->mtime_ms = MemNowMs();
  return file;
}

void MemFs::ReplaceContent(MemNode& file, std::string_view data) {
  if (file.live.size() != data.size()) file.live = ZeroedBuffer(data.size());
  if (!data.empty())
    std::memcpy(file.live.bytes().data(), data.data(), data.size());
  file.durable.CopyFrom(file.live);  // WriteFile fdatasyncs
  file.allocated = ByteRanges();
  file.allocated.Add(0, data.size());
  file.mtime_ms = MemNowMs();
}

absl::StatusOr<std::unique_ptr<MappedRegion>> MemFs::Map(
    const std::filesystem::path& path, const MapOptions& options) {
  if (options.size == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.native(), ": map: size must be positive"));
  }
  absl::MutexLock lock(&mu_);
  RMQ_ASSIGN_OR_RETURN(Location location, Locate(path, "open"));
  std::shared_ptr<MemNode> file = location.node;
  if (file == nullptr) {
    if (!options.create) return ErrnoToStatus(ENOENT, path, "open");
    const uint64_t allocate = std::min(options.allocate_bytes, options.size);
    RMQ_RETURN_IF_ERROR(Reserve(path, "posix_fallocate", allocate));
    file = NewFile(options.size);
    file->allocated.Add(0, allocate);
    Link(*location.dir, location.name, file);
    // PosixFileSystem fsyncs the directory of a file Map created.
    if (options.sync_dir) location.dir->durable_entries = location.dir->entries;
  } else if (file->is_dir) {
    return ErrnoToStatus(EISDIR, path, "open");
  } else if (file->live.size() != options.size) {
    return absl::FailedPreconditionError(
        absl::StrCat(path.native(), ": map: has ", file->live.size(),
                     " bytes, expected ", options.size));
  }
  ++file->mappings;
  ++live_mappings_;
  return NewMemRegion(shared_from_this(), std::move(file), path,
                      options.writable);
}

absl::StatusOr<std::unique_ptr<WritableFile>> MemFs::OpenWritable(
    const std::filesystem::path& path, WriteBackend /*backend*/) {
  absl::MutexLock lock(&mu_);
  RMQ_ASSIGN_OR_RETURN(std::shared_ptr<MemNode> file, Find(path, "open"));
  if (file->is_dir) return ErrnoToStatus(EISDIR, path, "open");
  ++live_writables_;
  return NewMemWritableFile(shared_from_this(), std::move(file), path);
}

absl::StatusOr<std::string> MemFs::ReadFile(const std::filesystem::path& path) {
  absl::MutexLock lock(&mu_);
  RMQ_ASSIGN_OR_RETURN(std::shared_ptr<MemNode> file, Find(path, "open"));
  if (file->is_dir) return ErrnoToStatus(EISDIR, path, "read");
  return std::string(AsChars(file->live.bytes()));
}

absl::Status MemFs::WriteFile(const std::filesystem::path& path,
                              std::string_view data) {
  absl::MutexLock lock(&mu_);
  RMQ_ASSIGN_OR_RETURN(Location location, Locate(path, "open"));
  std::shared_ptr<MemNode> file = location.node;
  if (file == nullptr) {
    RMQ_RETURN_IF_ERROR(Reserve(path, "write", data.size()));
    file = NewFile(0);
    ReplaceContent(*file, data);
    Link(*location.dir, location.name, std::move(file));
    return absl::OkStatus();
  }
  if (file->is_dir) return ErrnoToStatus(EISDIR, path, "open");
  if (file->mappings > 0 && file->live.size() != data.size()) {
    // A real file would SIGBUS its mappings; MemFileSystem refuses instead.
    return absl::FailedPreconditionError(absl::StrCat(
        path.native(), ": write: cannot resize a file that is mapped"));
  }
  const uint64_t old_bytes = file->allocated.total();
  if (data.size() > old_bytes) {
    RMQ_RETURN_IF_ERROR(Reserve(path, "write", data.size() - old_bytes));
  } else {
    allocated_ -= old_bytes - data.size();
  }
  ReplaceContent(*file, data);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> MemFs::List(
    const std::filesystem::path& dir) {
  absl::MutexLock lock(&mu_);
  RMQ_ASSIGN_OR_RETURN(std::shared_ptr<MemNode> node, Find(dir, "opendir"));
  if (!node->is_dir) return ErrnoToStatus(ENOTDIR, dir, "opendir");
  std::vector<std::string> names;
  names.reserve(node->entries.size());
  for (const auto& [name, child] : node->entries) names.push_back(name);
  return names;
}

absl::StatusOr<uint64_t> MemFs::FileSize(const std::filesystem::path& path) {
  absl::MutexLock lock(&mu_);
  RMQ_ASSIGN_OR_RETURN(std::shared_ptr<MemNode> node, Find(path, "stat"));
  return node->is_dir ? 0 : node->live.size();
}

absl::StatusOr<int64_t> MemFs::ModifiedTimeMs(
    const std::filesystem::path& path) {
  absl::MutexLock lock(&mu_);
  RMQ_ASSIGN_OR_RETURN(std::shared_ptr<MemNode> node, Find(path, "stat"));
  return node->mtime_ms;
}

bool MemFs::Exists(const std::filesystem::path& path) {
  absl::MutexLock lock(&mu_);
  return Find(path, "stat").ok();
}

bool MemFs::IsDirectory(const std::filesystem::path& path) {
  absl::MutexLock lock(&mu_);
  auto node = Find(path, "stat");
  return node.ok() && (*node)->is_dir;
}

absl::Status MemFs::CreateDirs(const std::filesystem::path& dir) {
  return MakeDirs(dir, /*sync_parents=*/true);
}

absl::Status MemFs::CreateDirsNoSync(const std::filesystem::path& dir) {
  return MakeDirs(dir, /*sync_parents=*/false);
}

absl::Status MemFs::MakeDirs(const std::filesystem::path& dir,
                             bool sync_parents) {
  absl::MutexLock lock(&mu_);
  const std::filesystem::path normal = dir.lexically_normal();
  std::shared_ptr<MemNode> node = normal.is_absolute() ? abs_root_ : rel_root_;
  std::filesystem::path prefix = normal.root_path();
  for (const std::filesystem::path& part : normal.relative_path()) {
    if (part.empty() || part == ".") continue;
    prefix /= part;
    auto it = node->entries.find(part.string());
    if (it == node->entries.end()) {
      std::shared_ptr<MemNode> child = NewDir();
      Link(*node, part.string(), child);
      // PosixFileSystem fsyncs the parent of every directory it creates.
      if (sync_parents) node->durable_entries = node->entries;
      node = std::move(child);
      continue;
    }
    if (!it->second->is_dir) return ErrnoToStatus(ENOTDIR, prefix, "mkdir");
    node = it->second;
  }
  return absl::OkStatus();
}

absl::Status MemFs::MoveEntry(const Location& from, const Location& to,
                              const std::filesystem::path& from_path,
                              const std::filesystem::path& to_path) {
  const std::string op = absl::StrCat("rename to ", to_path.native());
  if (from.node == to.node) return absl::OkStatus();
  if (from.name.empty() || to.name.empty()) {
    return ErrnoToStatus(EBUSY, from_path, op);  // a root
  }
  if (to.node != nullptr) {
    if (from.node->is_dir && !to.node->is_dir) {
      return ErrnoToStatus(ENOTDIR, from_path, op);
    }
    if (!from.node->is_dir && to.node->is_dir) {
      return ErrnoToStatus(EISDIR, from_path, op);
    }
    if (to.node->is_dir && !to.node->entries.empty()) {
      return ErrnoToStatus(ENOTEMPTY, from_path, op);
    }
  }
  if (from.node->is_dir && Contains(*from.node, to.dir.get())) {
    return ErrnoToStatus(EINVAL, from_path, op);  // into its own subtree
  }
  std::shared_ptr<MemNode> moving = from.node;
  Unlink(*to.dir, to.name);
  Link(*to.dir, to.name, moving);
  Unlink(*from.dir, from.name);
  return absl::OkStatus();
}

absl::Status MemFs::Rename(const std::filesystem::path& from,
                           const std::filesystem::path& to) {
  absl::MutexLock lock(&mu_);
  const std::string op = absl::StrCat("rename to ", to.native());
  RMQ_ASSIGN_OR_RETURN(Location source, Locate(from, op));
  if (source.node == nullptr) return ErrnoToStatus(ENOENT, from, op);
  RMQ_ASSIGN_OR_RETURN(Location target, Locate(to, op));
  return MoveEntry(source, target, from, to);
}

absl::Status MemFs::Remove(const std::filesystem::path& path) {
  absl::MutexLock lock(&mu_);
  RMQ_ASSIGN_OR_RETURN(Location location, Locate(path, "unlink"));
  if (location.node == nullptr) return ErrnoToStatus(ENOENT, path, "unlink");
  if (location.name.empty()) return ErrnoToStatus(EBUSY, path, "rmdir");
  if (location.node->is_dir && !location.node->entries.empty()) {
    return ErrnoToStatus(ENOTEMPTY, path, "rmdir");
  }
  Unlink(*location.dir, location.name);
  return absl::OkStatus();
}

absl::Status MemFs::SyncDir(const std::filesystem::path& dir) {
  absl::MutexLock lock(&mu_);
  RMQ_ASSIGN_OR_RETURN(std::shared_ptr<MemNode> node, Find(dir, "open"));
  if (!node->is_dir) return ErrnoToStatus(ENOTDIR, dir, "open");
  node->durable_entries = node->entries;
  return absl::OkStatus();
}

absl::Status MemFs::SyncFileSystem(const std::filesystem::path& path) {
  absl::MutexLock lock(&mu_);
  RMQ_ASSIGN_OR_RETURN(std::shared_ptr<MemNode> node, Find(path, "open"));
  (void)node;  // one file system: syncfs makes all of it durable
  SyncTree(*abs_root_);
  SyncTree(*rel_root_);
  return absl::OkStatus();
}

void MemFs::SyncTree(MemNode& node) {
  if (!node.is_dir) {
    MakeDurable(node, 0, node.live.size());
    return;
  }
  node.durable_entries = node.entries;
  for (auto& [name, child] : node.entries) SyncTree(*child);
}

absl::StatusOr<DiskUsage> MemFs::Usage(const std::filesystem::path& path) {
  absl::MutexLock lock(&mu_);
  RMQ_RETURN_IF_ERROR(Find(path, "statvfs").status());
  DiskUsage usage;
  usage.total_bytes =
      capacity_ == UINT64_MAX ? kUnlimitedTotalBytes : capacity_;
  usage.free_bytes =
      usage.total_bytes - std::min(usage.total_bytes, allocated_);
  return usage;
}

absl::StatusOr<std::unique_ptr<FileLock>> MemFs::Lock(
    const std::filesystem::path& path) {
  absl::MutexLock lock(&mu_);
  std::string key = path.lexically_normal().string();
  if (locks_.contains(key)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path.native(), ": lock: store ", ParentDir(path).native(),
                     " is locked by another FileLock of this MemFileSystem"));
  }
  RMQ_ASSIGN_OR_RETURN(Location location, Locate(path, "open"));
  constexpr std::string_view kContent = "lock";
  if (location.node == nullptr) {
    RMQ_RETURN_IF_ERROR(Reserve(path, "write", kContent.size()));
    std::shared_ptr<MemNode> file = NewFile(0);
    ReplaceContent(*file, kContent);
    Link(*location.dir, location.name, std::move(file));
  } else if (location.node->is_dir) {
    return ErrnoToStatus(EISDIR, path, "open");
  } else {
    // Like pwrite("lock", 0) + fdatasync on the existing file.
    RMQ_RETURN_IF_ERROR(
        WriteAtLocked(*location.node, path, 0, AsBytes(kContent)));
    MakeDurable(*location.node, 0, kContent.size());
  }
  locks_.insert(key);
  return NewMemFileLock(shared_from_this(), std::move(key));
}

void MemFs::SetCapacityBytes(uint64_t bytes) {
  absl::MutexLock lock(&mu_);
  capacity_ = bytes;
}

uint64_t MemFs::AllocatedBytes() const {
  absl::MutexLock lock(&mu_);
  return allocated_;
}

int64_t MemFs::LiveMappings() const {
  absl::MutexLock lock(&mu_);
  return live_mappings_;
}

}  // namespace rmq
