// IndexService: store-format §6.4–6.6 and the index part of §12.3.
//
// Differences from RocketMQ, all on the safe side:
//  * A record whose physical offset equals the newest file's endPhyOffset,
//    when that file holds items, counts as already indexed. RocketMQ only
//    skips offsets strictly below endPhyOffset, so it indexes the last record
//    a second time when dispatch is replayed from it.
//  * Rolling to a new file is synchronous: the full file is synced before the
//    next one is created, then on_file_full advances the checkpoint.
//    RocketMQ flushes it from a short-lived thread and retries creation 3
//    times, 1 s apart; we return the error and let the store decide.
//  * New file names always sort after the existing ones, so a clock stepping
//    back cannot put the newest file first at the next load.

#include "index/index_service.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "io/incomplete_file.h"
#include "rmq/message.h"

namespace rmq {
namespace {

constexpr size_t kIndexFileNameLength = 17;
// Bound on the search for a free file name (each step is +1 ms).
constexpr int kMaxNameAttempts = 1000;

bool IsIndexFileName(std::string_view name) {
  return name.size() == kIndexFileNameLength &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

// The 17-digit name one greater: +1 ms in the millisecond field, carrying
// into the seconds digits. Only ordering and uniqueness matter (RocketMQ never
// parses index file names), so a carry into "60" seconds is harmless.
// `name` is a valid index file name (17 digits).
std::string NextIndexFileName(std::string_view name) {
  long long value = 0;
  for (char c : name) value = value * 10 + (c - '0');
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%017lld", value + 1);
  return buf;
}

}  // namespace

std::string IndexFileName(int64_t epoch_ms) {
  int64_t seconds = epoch_ms / 1000;
  int64_t millis = epoch_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  const time_t t = static_cast<time_t>(seconds);
  struct tm local {};
  localtime_r(&t, &local);
  char buf[64];  // room for any int fields, so no truncation is possible
  std::snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02d%03d",
                local.tm_year + 1900, local.tm_mon + 1, local.tm_mday,
                local.tm_hour, local.tm_min, local.tm_sec,
                static_cast<int>(millis));
  return buf;
}

IndexService::IndexService(IndexServiceOptions options, FileSystem& fs,
                           Clock& clock, Logger& logger)
    : options_(std::move(options)), fs_(fs), clock_(clock), logger_(logger) {}

IndexService::~IndexService() = default;

absl::StatusOr<int> IndexService::Load(bool last_exit_ok,
                                       int64_t index_checkpoint_timestamp) {
  FastWriterLock lock(&mu_);
  files_.clear();
  if (!fs_.Exists(options_.dir)) {
    if (options_.writable) RMQ_RETURN_IF_ERROR(fs_.CreateDirs(options_.dir));
    return 0;
  }
  RMQ_ASSIGN_OR_RETURN(std::vector<std::string> names, fs_.List(options_.dir));
  names.erase(
      std::remove_if(names.begin(), names.end(),
                     [](const std::string& n) { return !IsIndexFileName(n); }),
      names.end());
  std::sort(names.begin(), names.end());
  int deleted = 0;
  const bool after_crash = !last_exit_ok && options_.writable;
  bool drop_rest = false;
  for (const std::string& name : names) {
    const std::filesystem::path path = options_.dir / name;
    if (name == names.back() && options_.writable) {
      RMQ_ASSIGN_OR_RETURN(
          bool incomplete,
          IsIncompleteCreation(fs_, path, options_.geometry.FileSize()));
      if (incomplete) {  // a crash while it was being created
        RMQ_RETURN_IF_ERROR(fs_.Remove(path));
        ++deleted;
        continue;
      }
    }
    absl::StatusOr<std::unique_ptr<IndexFile>> file =
        IndexFile::Open(fs_, path, options_.geometry, options_.writable);
    if (!file.ok() &&
        (!after_crash ||
         file.status().code() == absl::StatusCode::kFailedPrecondition)) {
      return file.status();  // a size mismatch is a configuration error
    }
    // §6.6: after a crash, a file with entries newer than the checkpoint may
    // be incomplete (index files are only synced when full); it is rebuilt
    // from the commit log. Stricter than RocketMQ: a file that is not full
    // was never synced, so its header may be garbage after a power loss;
    // it goes too, and so does every newer file. A read-only viewer keeps
    // everything: it changes nothing.
    std::string why;
    if (!file.ok()) {
      why = std::string(file.status().message());
    } else if (drop_rest) {
      why = "a previous index file was dropped";
    } else if (after_crash &&
               (*file)->header().end_timestamp > index_checkpoint_timestamp) {
      why = absl::StrCat("endTimestamp ", (*file)->header().end_timestamp,
                         " > checkpoint indexMsgTimestamp ",
                         index_checkpoint_timestamp);
    } else if (after_crash && !(*file)->IsFull()) {
      why = "it was not full, so never synced";
    }
    if (why.empty()) {
      files_.push_back(*std::move(file));
      continue;
    }
    drop_rest = true;
    if (file.ok()) file->reset();
    RMQ_RETURN_IF_ERROR(fs_.Remove(path));
    logger_.Log(LogLevel::kWarn, absl::StrCat("index: deleted ", path.string(),
                                              " after an unclean exit: ", why));
    ++deleted;
  }
  // Otherwise a deleted file could reappear after a crash, once the
  // checkpoint has moved past its endTimestamp, and duplicate entries.
  if (deleted > 0) RMQ_RETURN_IF_ERROR(fs_.SyncDir(options_.dir));
  return deleted;
}

absl::StatusOr<IndexFile*> IndexService::WritableFile() {
  if (!files_.empty() && !files_.back()->IsFull()) return files_.back().get();

  int64_t prev_end_phy_offset = 0;
  int64_t prev_end_timestamp = 0;
  std::string name = IndexFileName(clock_.NowMs());
  if (!files_.empty()) {
    IndexFile& full = *files_.back();
    prev_end_phy_offset = full.header().end_phy_offset;
    prev_end_timestamp = full.header().end_timestamp;
    RMQ_RETURN_IF_ERROR(full.Flush());
    if (on_file_full_) on_file_full_(prev_end_timestamp);
    const std::string last = full.path().filename().string();
    if (name <= last) name = NextIndexFileName(last);
  }
  for (int attempt = 0; fs_.Exists(options_.dir / name); ++attempt) {
    if (attempt == kMaxNameAttempts) {
      return absl::AlreadyExistsError(absl::StrCat(
          options_.dir.string(), ": no free index file name near ", name));
    }
    name = NextIndexFileName(name);
  }
  RMQ_ASSIGN_OR_RETURN(
      std::unique_ptr<IndexFile> file,
      IndexFile::Create(fs_, options_.dir / name, options_.geometry,
                        prev_end_phy_offset, prev_end_timestamp));
  logger_.Log(LogLevel::kInfo,
              absl::StrCat("index: created ", file->path().string()));
  files_.push_back(std::move(file));
  return files_.back().get();
}

absl::Status IndexService::PutKey(std::string_view topic, std::string_view key,
                                  const RecordView& record) {
  const std::string index_key = absl::StrCat(AsAbsl(topic), "#", AsAbsl(key));
  // A fresh file always has room (geometry guarantees item 1 exists), so the
  // second attempt cannot find it full.
  for (int attempt = 0; attempt < 2; ++attempt) {
    RMQ_ASSIGN_OR_RETURN(IndexFile * file, WritableFile());
    if (file->PutKey(index_key, record.physical_offset,
                     record.store_timestamp)) {
      return absl::OkStatus();
    }
  }
  return absl::InternalError(
      absl::StrCat(options_.dir.string(), ": a new index file is full"));
}

absl::Status IndexService::BuildIndex(std::span<const RecordView> records) {
  FastWriterLock lock(&mu_);
  if (!options_.writable) {
    return absl::FailedPreconditionError(
        absl::StrCat(options_.dir.string(), ": index service is read-only"));
  }
  for (const RecordView& record : records) {
    RMQ_RETURN_IF_ERROR(BuildIndexLocked(record));
  }
  return absl::OkStatus();
}

absl::Status IndexService::BuildIndexLocked(const RecordView& record) {
  RMQ_ASSIGN_OR_RETURN(const IndexFile* newest, WritableFile());
  const IndexHeader& header = newest->header();
  if (record.physical_offset < header.end_phy_offset) return absl::OkStatus();
  if (record.physical_offset == header.end_phy_offset &&
      header.index_count > 1) {
    return absl::OkStatus();  // stricter than RocketMQ: see the file comment
  }
  if (record.transaction_type() == kTransactionRollbackType) {
    return absl::OkStatus();
  }
  std::string_view uniq_key;
  if (FindProperty(record.properties, kPropertyUniqKey, &uniq_key)) {
    RMQ_RETURN_IF_ERROR(PutKey(record.topic, uniq_key, record));
  }
  std::string_view keys;
  if (!FindProperty(record.properties, kPropertyKeys, &keys)) {
    return absl::OkStatus();
  }
  // KEYS is split on single blanks; empty tokens are skipped, duplicates are
  // indexed twice (as RocketMQ does).
  while (!keys.empty()) {
    const size_t blank = keys.find(' ');
    const std::string_view token = keys.substr(0, blank);
    if (!token.empty())
      RMQ_RETURN_IF_ERROR(PutKey(record.topic, token, record));
    if (blank == std::string_view::npos) break;
    keys.remove_prefix(blank + 1);
  }
  return absl::OkStatus();
}

IndexQueryResult IndexService::QueryOffsets(std::string_view topic,
                                            std::string_view key, int32_t max,
                                            int64_t begin, int64_t end) const {
  IndexQueryResult result;
  const std::string index_key = absl::StrCat(AsAbsl(topic), "#", AsAbsl(key));
  FastReaderLock lock(&mu_);
  if (files_.empty()) return result;
  result.last_update_timestamp = files_.back()->header().end_timestamp;
  result.last_update_phy_offset = files_.back()->header().end_phy_offset;
  for (auto it = files_.rbegin(); it != files_.rend(); ++it) {
    const IndexFile& file = **it;
    if (file.IsTimeMatched(begin, end)) {
      file.SelectPhyOffsets(index_key, max, begin, end, &result.phy_offsets);
    }
    if (file.header().begin_timestamp < begin) break;
    if (static_cast<int64_t>(result.phy_offsets.size()) >= max) break;
  }
  return result;
}

int64_t IndexService::LastIndexedPhyOffset() const {
  FastReaderLock lock(&mu_);
  if (files_.empty()) return -1;
  const IndexHeader& newest = files_.back()->header();
  if (newest.index_count > 1) return newest.end_phy_offset;
  // An empty newest file carries the previous file's end values (§6.4);
  // only the very first file starts from nothing.
  if (files_.size() > 1 || newest.end_timestamp > 0) {
    return newest.end_phy_offset;
  }
  return -1;
}

absl::Status IndexService::Flush() {
  FastWriterLock lock(&mu_);
  for (const std::unique_ptr<IndexFile>& file : files_) {
    RMQ_RETURN_IF_ERROR(file->Flush());
  }
  return absl::OkStatus();
}

absl::Status IndexService::DeleteFilesBelow(int64_t min_phy_offset) {
  FastWriterLock lock(&mu_);
  // Oldest first, never the newest, stopping at the first file to keep.
  while (files_.size() > 1 &&
         files_.front()->header().end_phy_offset < min_phy_offset) {
    const std::filesystem::path path = files_.front()->path();
    const int64_t end_phy_offset = files_.front()->header().end_phy_offset;
    files_.erase(files_.begin());  // unmap before removing
    RMQ_RETURN_IF_ERROR(fs_.Remove(path));
    logger_.Log(LogLevel::kInfo,
                absl::StrCat("index: deleted ", path.string(),
                             ": endPhyOffset ", end_phy_offset,
                             " < commit-log min offset ", min_phy_offset));
  }
  return absl::OkStatus();
}

void IndexService::set_on_file_full(
    std::function<void(int64_t end_timestamp)> callback) {
  FastWriterLock lock(&mu_);
  on_file_full_ = std::move(callback);
}

int IndexService::FileCount() const {
  FastReaderLock lock(&mu_);
  return static_cast<int>(files_.size());
}

}  // namespace rmq
