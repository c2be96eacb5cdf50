// rmq::VerifyStore: a read-only consistency check of a store directory.

#include "rmq/verify.h"

#include <map>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/file_names.h"
#include "base/java_hash.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "commitlog/mapped_file_queue.h"
#include "consumequeue/consume_queue_table.h"
#include "index/index_file.h"
#include "rmq/commitlog/record.h"
#include "store/checkpoint.h"

namespace rmq {
namespace {

// What verify remembers of each record.
struct RecordInfo {
  int32_t size = 0;
  int32_t queue_index = -1;  // into Verifier::queue_names_, -1: not queued
  int64_t queue_offset = 0;
  int64_t tags_code = 0;
};

class Verifier {
 public:
  Verifier(const StoreConfig& config, FileSystem& fs,
           std::vector<int64_t> delay_levels)
      : config_(config), fs_(fs), delay_levels_(std::move(delay_levels)) {}

  absl::StatusOr<VerifyReport> Run() {
    RMQ_RETURN_IF_ERROR(VerifyLog());
    RMQ_RETURN_IF_ERROR(VerifyQueues());
    RMQ_RETURN_IF_ERROR(VerifyIndex());
    RMQ_RETURN_IF_ERROR(VerifyCheckpoint());
    return std::move(report_);
  }

 private:
  void Problem(std::string text) {
    report_.problems.push_back(std::move(text));
  }

  int32_t QueueIndex(std::string_view topic, int32_t queue) {
    auto key = std::make_pair(std::string(topic), queue);
    auto [it, inserted] =
        queue_ids_.try_emplace(key, static_cast<int32_t>(queue_names_.size()));
    if (inserted) {
      queue_names_.push_back(key);
      last_queue_offset_.push_back(-1);
    }
    return it->second;
  }

  void NoteRecord(const RecordView& r, int64_t phys) {
    RecordInfo info;
    info.size = r.total_size;
    max_store_timestamp_ = std::max(max_store_timestamp_, r.store_timestamp);
    const int32_t tx = r.transaction_type();
    if (tx == kTransactionNotType || tx == kTransactionCommitType) {
      info.queue_index = QueueIndex(r.topic, r.queue_id);
      info.queue_offset = r.queue_offset;
      info.tags_code = ComputeTagsCode(r.topic, r.properties, r.store_timestamp,
                                       delay_levels_);
      int64_t& last = last_queue_offset_[info.queue_index];
      if (last >= 0 && r.queue_offset != last + 1) {
        Problem(absl::StrCat("record at ", phys, " (", AsAbsl(r.topic), "/",
                             r.queue_id, ") has queue offset ", r.queue_offset,
                             " after ", last, ": queue offsets are not dense"));
      }
      last = r.queue_offset;
    }
    records_[phys] = info;
    ++report_.records;
  }

  absl::Status VerifyLog() {
    log_ = std::make_unique<MappedFileQueue>(
        MappedFileQueueOptions{
            .dir = config_.CommitLogDir(), .file_size = 0, .writable = false},
        fs_);
    RMQ_RETURN_IF_ERROR(log_->Load());
    const auto files = log_->Files();
    report_.segments = static_cast<int64_t>(files.size());
    if (files.empty()) return absl::OkStatus();
    report_.log_min = files.front()->from();
    for (size_t i = 0; i < files.size(); ++i) {
      const bool last = i + 1 == files.size();
      const MappedFile& file = *files[i];
      int64_t pos = 0;
      while (pos < file.size()) {
        auto r = DecodeRecord(file.View(pos, file.size() - pos),
                              DecodeOptions{.check_crc = true});
        if (!r.ok()) {
          // A record that is whole but whose body CRC fails: report it and
          // go on, so one bad byte does not hide the rest of the segment.
          auto whole = DecodeRecord(file.View(pos, file.size() - pos));
          if (whole.ok() && !whole->is_blank()) {
            Problem(absl::StrCat(file.path().string(), " @ ", pos, ": ",
                                 r.status().message()));
            NoteRecord(*whole, file.from() + pos);
            pos += whole->total_size;
            report_.log_end = file.from() + pos;
            continue;
          }
          const int64_t rest = CountNonZero(file.View(pos, file.size() - pos));
          if (!last) {
            Problem(absl::StrCat(file.path().string(), " @ ", pos, ": ",
                                 r.status().message(),
                                 " (in the middle of the log)"));
          } else if (rest > 0) {
            Problem(absl::StrCat(file.path().string(), " @ ", pos, ": ",
                                 r.status().message(), "; ", rest,
                                 " non-zero bytes follow the end of the log"));
          }
          report_.log_end = file.from() + pos;
          break;
        }
        if (r->is_blank()) {
          ++report_.blanks;
          if (r->total_size != file.size() - pos) {
            Problem(absl::StrCat(file.path().string(), " @ ", pos,
                                 ": blank marker length ", r->total_size,
                                 " != bytes left ", file.size() - pos));
          }
          pos = file.size();
          report_.log_end = file.end();
          break;
        }
        if (r->physical_offset != file.from() + pos) {
          Problem(absl::StrCat(file.path().string(), " @ ", pos,
                               ": PHYSICALOFFSET field says ",
                               r->physical_offset));
        }
        NoteRecord(*r, file.from() + pos);
        pos += r->total_size;
        report_.log_end = file.from() + pos;
      }
    }
    return absl::OkStatus();
  }

  absl::Status VerifyQueues() {
    ConsumeQueueTable table(
        ConsumeQueueTableOptions{.dir = config_.ConsumeQueueDir(),
                                 .file_size = DetectCqFileSize(),
                                 .writable = false},
        fs_, *null_logger_);
    RMQ_RETURN_IF_ERROR(table.LoadAndRecover());
    report_.consume_queues = table.size();
    std::vector<bool> seen(queue_names_.size(), false);
    table.ForEach([&](ConsumeQueue& q) {
      const int32_t index = QueueIndex(q.topic(), q.queue_id());
      if (static_cast<size_t>(index) >= seen.size()) seen.resize(index + 1);
      seen[index] = true;
      VerifyQueue(q, index);
    });
    for (size_t i = 0; i < seen.size() && i < queue_names_.size(); ++i) {
      if (!seen[i] && last_queue_offset_[i] >= 0) {
        Problem(absl::StrCat("the log has messages for ", queue_names_[i].first,
                             "/", queue_names_[i].second,
                             " but there is no consume queue"));
      }
    }
    return absl::OkStatus();
  }

  void VerifyQueue(ConsumeQueue& q, int32_t index) {
    const std::string name = absl::StrCat(q.topic(), "/", q.queue_id());
    const int64_t min = q.MinOffset();
    const int64_t max = q.MaxOffset();
    for (int64_t off = min; off < max; ++off) {
      auto unit = q.UnitAt(off);
      if (!unit.ok()) {
        Problem(
            absl::StrCat(name, " unit ", off, ": ", unit.status().message()));
        return;
      }
      ++report_.units;
      if (unit->phy_offset < report_.log_min) continue;  // cleaned up
      auto it = records_.find(unit->phy_offset);
      if (it == records_.end()) {
        Problem(absl::StrCat(name, " unit ", off, " points at ",
                             unit->phy_offset, " where no record starts"));
        continue;
      }
      const RecordInfo& r = it->second;
      if (r.queue_index != index || r.queue_offset != off ||
          r.size != unit->size || r.tags_code != unit->tags_code) {
        Problem(absl::StrCat(
            name, " unit ", off, " (", unit->phy_offset, ", ", unit->size,
            ", tags ", unit->tags_code, ") disagrees with its record (",
            r.queue_index >= 0 ? queue_names_[r.queue_index].first : "-", "/",
            r.queue_index >= 0 ? queue_names_[r.queue_index].second : -1,
            " offset ", r.queue_offset, ", size ", r.size, ", tags ",
            r.tags_code, ")"));
      }
    }
    if (static_cast<size_t>(index) < last_queue_offset_.size()) {
      const int64_t log_last = last_queue_offset_[index];
      if (log_last >= 0 && log_last + 1 != max) {
        Problem(absl::StrCat("the log's last message of ", name,
                             " has queue offset ", log_last,
                             " but the consume queue ends at ", max));
      }
    }
  }

  int64_t DetectCqFileSize() {
    const int64_t found =
        ConsumeQueueTable::DetectFileSize(fs_, config_.ConsumeQueueDir());
    return found > 0 ? found : config_.mapped_file_size_consume_queue;
  }

  // True if one of the record's index keys hashes to `hash`.
  bool RecordHasKeyHash(int64_t phys, int32_t hash) {
    auto file = log_->FindByOffset(phys);
    if (file == nullptr) return false;
    const int64_t pos = phys - file->from();
    auto r = DecodeRecord(file->View(pos, file->size() - pos));
    if (!r.ok()) return false;
    auto matches = [&](std::string_view key) {
      return IndexKeyHash(absl::StrCat(AsAbsl(r->topic), "#", AsAbsl(key))) ==
             hash;
    };
    std::string_view value;
    if (FindProperty(r->properties, kPropertyUniqKey, &value) &&
        matches(value)) {
      return true;
    }
    if (FindProperty(r->properties, kPropertyKeys, &value)) {
      for (absl::string_view k : absl::StrSplit(AsAbsl(value), ' ')) {
        if (!k.empty() && matches(AsStd(k))) return true;
      }
    }
    return false;
  }

  absl::Status VerifyIndex() {
    const std::filesystem::path dir = config_.IndexDir();
    if (!fs_.Exists(dir)) return absl::OkStatus();
    RMQ_ASSIGN_OR_RETURN(auto names, fs_.List(dir));
    std::sort(names.begin(), names.end());
    const IndexGeometry geometry{.slots = config_.max_hash_slot_num,
                                 .max_items = config_.max_index_num};
    for (const std::string& name : names) {
      if (name.size() != 17) continue;
      auto file = IndexFile::Open(fs_, dir / name, geometry, false);
      if (!file.ok()) {
        Problem(absl::StrCat("index/", name, ": ", file.status().message(),
                             " (check maxHashSlotNum/maxIndexNum)"));
        continue;
      }
      ++report_.index_files;
      VerifyIndexFile(**file, name, geometry);
    }
    return absl::OkStatus();
  }

  void VerifyIndexFile(const IndexFile& file, const std::string& name,
                       const IndexGeometry& g) {
    const IndexHeader& h = file.header();
    if (h.index_count < 1 || h.index_count > g.max_items) {
      Problem(absl::StrCat("index/", name, ": indexCount ", h.index_count,
                           " out of range"));
      return;
    }
    int64_t reachable = 0;
    for (int32_t slot = 0; slot < g.slots; ++slot) {
      int32_t cur = file.SlotValue(slot);
      int32_t steps = 0;
      while (cur > 0) {
        if (cur >= h.index_count || ++steps > h.index_count) {
          Problem(absl::StrCat("index/", name, ": slot ", slot,
                               " chain reaches item ", cur,
                               " beyond indexCount ", h.index_count));
          break;
        }
        const IndexItem item = file.ItemAt(cur);
        ++reachable;
        if (item.key_hash < 0 || item.key_hash % g.slots != slot) {
          Problem(absl::StrCat("index/", name, ": item ", cur, " hash ",
                               item.key_hash, " is in slot ", slot));
        }
        if (item.phy_offset >= report_.log_min &&
            item.phy_offset < report_.log_end &&
            (!records_.contains(item.phy_offset) ||
             !RecordHasKeyHash(item.phy_offset, item.key_hash))) {
          Problem(absl::StrCat("index/", name, ": item ", cur, " points at ",
                               item.phy_offset,
                               " which is not a record with that key"));
        }
        if (item.prev >= cur) {
          Problem(absl::StrCat("index/", name, ": item ", cur,
                               " links forward to ", item.prev));
          break;
        }
        cur = item.prev;
      }
    }
    report_.index_items += h.index_count - 1;
    if (reachable != h.index_count - 1) {
      Problem(absl::StrCat("index/", name, ": ", h.index_count - 1,
                           " items but ", reachable,
                           " reachable from the slots"));
    }
  }

  absl::Status VerifyCheckpoint() {
    Checkpoint checkpoint(config_.CheckpointPath(), fs_);
    absl::Status loaded = checkpoint.Load();
    if (!loaded.ok()) {
      Problem(absl::StrCat("checkpoint: ", loaded.message()));
      return absl::OkStatus();
    }
    if (report_.records == 0) return absl::OkStatus();
    auto check = [&](const char* what, int64_t ts) {
      if (ts > max_store_timestamp_) {
        Problem(absl::StrCat("checkpoint ", what, " ", ts,
                             " is newer than the newest message (",
                             max_store_timestamp_, ")"));
      }
    };
    check("physicMsgTimestamp", checkpoint.physic_msg_timestamp());
    check("logicsMsgTimestamp", checkpoint.logics_msg_timestamp());
    check("indexMsgTimestamp", checkpoint.index_msg_timestamp());
    return absl::OkStatus();
  }

  const StoreConfig& config_;
  FileSystem& fs_;
  const std::vector<int64_t> delay_levels_;
  std::shared_ptr<Logger> null_logger_ = NullLogger();
  VerifyReport report_;
  std::unique_ptr<MappedFileQueue> log_;
  absl::flat_hash_map<int64_t, RecordInfo> records_;
  std::map<std::pair<std::string, int32_t>, int32_t> queue_ids_;
  std::vector<std::pair<std::string, int32_t>> queue_names_;
  std::vector<int64_t> last_queue_offset_;
  int64_t max_store_timestamp_ = 0;
};

}  // namespace

absl::StatusOr<VerifyReport> VerifyStore(const StoreConfig& config) {
  std::shared_ptr<FileSystem> fs =
      config.fs != nullptr ? config.fs : PosixFileSystem();
  if (!fs->IsDirectory(config.store_path_root_dir)) {
    return absl::NotFoundError(absl::StrCat(
        "store directory ", config.store_path_root_dir, " does not exist"));
  }
  RMQ_ASSIGN_OR_RETURN(std::vector<int64_t> delays, config.DelayLevelsMs());
  Verifier verifier(config, *fs, std::move(delays));
  return verifier.Run();
}

}  // namespace rmq
