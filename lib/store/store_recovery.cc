#include "store/store_recovery.h"

#include <chrono>
#include <functional>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "store/clean_shutdown.h"

namespace rmq {
namespace {

// Calls `fn` for every valid record from `files[start]` on; returns the
// physical offset where valid data ends and, in `why`, what stopped the scan.
using RecordFn = std::function<absl::Status(const RecordView&, int64_t)>;

absl::StatusOr<int64_t> ScanSegments(
    const std::vector<std::shared_ptr<MappedFile>>& files, size_t start,
    bool check_crc, const RecordFn& fn, std::string* why,
    int64_t* last_store_timestamp = nullptr) {
  size_t i = start;
  int64_t pos = 0;
  while (i < files.size()) {
    const MappedFile& file = *files[i];
    absl::StatusOr<RecordView> record =
        DecodeRecord(file.View(pos, file.size() - pos),
                     DecodeOptions{.check_crc = check_crc});
    if (!record.ok()) {
      *why = absl::StrCat(file.path().string(), " @ ", pos, ": ",
                          record.status().message());
      return file.from() + pos;
    }
    if (record->is_blank()) {
      if (i + 1 == files.size()) {
        *why = "blank marker in the last segment";
        return file.end();
      }
      ++i;
      pos = 0;
      continue;
    }
    if (record->physical_offset != file.from() + pos) {
      *why = absl::StrCat(file.path().string(), " @ ", pos,
                          ": record claims physical offset ",
                          record->physical_offset);
      return file.from() + pos;
    }
    if (fn) RMQ_RETURN_IF_ERROR(fn(*record, file.from() + pos));
    if (last_store_timestamp != nullptr) {
      *last_store_timestamp = record->store_timestamp;
    }
    pos += record->total_size;
  }
  *why = "end of the last segment";
  return files.empty() ? 0 : files.back()->end();
}

// The clean-shutdown record is believed only if the log could really end
// there: inside the last segment, with nothing written after it (another
// writer, say RocketMQ itself, may have appended since).
bool CleanEndIsConsistent(const std::vector<std::shared_ptr<MappedFile>>& files,
                          int64_t end, uint64_t tail_hash) {
  if (files.empty()) return end == 0;
  const MappedFile& last = *files.back();
  if (end < last.from() || end > last.end()) return false;
  const int64_t pos = end - last.from();
  const int64_t probe = std::min<int64_t>(8, last.size() - pos);
  return CountNonZero(last.View(pos, probe)) == 0 &&
         CleanTailHash(last.View(0, last.size()), last.from(), end) ==
             tail_hash;
}

// Abnormal recovery's start (§8.3): the newest segment whose first record is
// a message stored no later than the checkpoint's safe time.
size_t AbnormalStartFile(const std::vector<std::shared_ptr<MappedFile>>& files,
                         int64_t safe_timestamp) {
  for (size_t i = files.size(); i-- > 0;) {
    absl::StatusOr<RecordView> first =
        DecodeRecord(files[i]->View(0, files[i]->size()));
    if (first.ok() && !first->is_blank() && first->store_timestamp != 0 &&
        first->store_timestamp <= safe_timestamp) {
      return i;
    }
  }
  return 0;
}

}  // namespace

absl::Status DispatchToConsumeQueue(const RecordView& record,
                                    ConsumeQueueTable& queues,
                                    std::span<const int64_t> delay_levels_ms) {
  const int32_t tx = record.transaction_type();
  if (tx != kTransactionNotType && tx != kTransactionCommitType) {
    return absl::OkStatus();
  }
  RMQ_ASSIGN_OR_RETURN(ConsumeQueue * queue,
                       queues.FindOrCreate(record.topic, record.queue_id));
  const CqUnit unit{record.physical_offset, record.total_size,
                    ComputeTagsCode(record.topic, record.properties,
                                    record.store_timestamp, delay_levels_ms)};
  RMQ_RETURN_IF_ERROR(queue->PutUnit(record.queue_offset, unit));
  queues.MarkDirty(*queue);
  return absl::OkStatus();
}

namespace {

// After a crash, consume-queue units written since the last sync cannot be
// trusted (garbage after a power loss). Keep each queue's prefix that points
// below the scan start and matches its records; the scan re-dispatches the
// rest.
absl::Status DropUntrustedUnits(const RecoveryContext& context,
                                int64_t scan_from, int64_t log_end) {
  auto matches = [&](const ConsumeQueue& queue, const CqUnit& unit,
                     int64_t queue_offset) {
    absl::StatusOr<LogSlice> slice =
        context.log.Read(unit.phy_offset, unit.size, log_end);
    if (!slice.ok()) return false;
    absl::StatusOr<RecordView> record = DecodeRecord(slice->bytes);
    return record.ok() && !record->is_blank() &&
           record->total_size == unit.size && record->topic == queue.topic() &&
           record->queue_id == queue.queue_id() &&
           record->queue_offset == queue_offset;
  };
  absl::Status status;
  context.queues.ForEach([&](ConsumeQueue& queue) {
    if (!status.ok()) return;
    status = queue.TruncateUntrusted(
        scan_from, [&](const CqUnit& unit, int64_t queue_offset) {
          return matches(queue, unit, queue_offset);
        });
  });
  return status;
}

}  // namespace

absl::StatusOr<RecoveryReport> RecoverStore(const RecoveryContext& context) {
  const auto started = std::chrono::steady_clock::now();
  RecoveryReport report;
  const std::vector<std::shared_ptr<MappedFile>> files =
      context.log.segments().Files();
  const bool abnormal = !context.last_exit_ok && !context.read_only;
  report.mode = context.read_only ? RecoveryReport::Mode::kReadOnly
                : files.empty()   ? RecoveryReport::Mode::kEmpty
                : abnormal        ? RecoveryReport::Mode::kAbnormal
                                  : RecoveryReport::Mode::kNormal;
  size_t start = files.size() >= 3 ? files.size() - 3 : 0;
  if (abnormal && !files.empty()) {
    const int64_t safe =
        context.config.message_index_enable && context.config.message_index_safe
            ? context.checkpoint.MinTimestampIndex()
            : context.checkpoint.MinTimestamp();
    start = AbnormalStartFile(files, safe);
  }
  report.scan_from = files.empty() ? 0 : files[start]->from();

  if (!abnormal && !context.read_only && context.clean_log_end.has_value() &&
      CleanEndIsConsistent(files, *context.clean_log_end,
                           context.clean_tail_hash)) {
    // A clean shutdown said where the log ends: no scan (RocketMQ would
    // CRC-scan the last three segments).
    report.log_end = *context.clean_log_end;
    report.scan_from = report.log_end;
    report.last_store_timestamp = context.clean_last_store_timestamp;
    report.stopped_because = "clean shutdown record";
  } else {
    RMQ_ASSIGN_OR_RETURN(
        report.log_end,
        ScanSegments(files, start, context.config.check_crc_on_recover, nullptr,
                     &report.stopped_because, &report.last_store_timestamp));
  }

  RMQ_ASSIGN_OR_RETURN(MappedFileQueue::TruncateResult cut,
                       context.log.segments().Truncate(report.log_end));
  report.bytes_dropped = cut.bytes_dropped;
  report.files_removed = cut.files_removed;

  if (abnormal) {
    RMQ_RETURN_IF_ERROR(
        DropUntrustedUnits(context, report.scan_from, report.log_end));
  }
  // Units pointing past the end describe messages that are gone.
  absl::Status truncated;
  context.queues.ForEach([&](ConsumeQueue& queue) {
    if (!truncated.ok() || queue.max_phy_offset() < report.log_end) return;
    absl::StatusOr<bool> changed = queue.TruncateFrom(report.log_end);
    if (!changed.ok()) {
      truncated = changed.status();
    } else if (*changed) {
      ++report.consume_queues_truncated;
    }
  });
  RMQ_RETURN_IF_ERROR(truncated);

  // Dispatch what the queues do not have: everything from the scan start
  // after a crash, else from the queues' max physical offset (RocketMQ's
  // reput at start-up).
  if (!context.read_only && !files.empty()) {
    const int64_t from = abnormal ? report.scan_from
                                  : std::max(context.log.MinOffset(),
                                             context.queues.max_phy_offset());
    const auto remaining = context.log.segments().Files();
    for (size_t i = 0; i < remaining.size(); ++i) {
      if (remaining[i]->end() <= from) continue;
      std::string ignored;
      RMQ_ASSIGN_OR_RETURN(
          int64_t ignored_end,
          ScanSegments(
              remaining, i, /*check_crc=*/false,
              [&](const RecordView& record, int64_t offset) -> absl::Status {
                if (offset < from) return absl::OkStatus();
                ++report.records_redispatched;
                return DispatchToConsumeQueue(record, context.queues,
                                              context.delay_levels_ms);
              },
              &ignored));
      (void)ignored_end;
      break;
    }
  }

  const int64_t min_offset = context.log.MinOffset();
  absl::Status corrected;
  context.queues.ForEach([&](ConsumeQueue& queue) {
    queue.set_next_offset(queue.MaxOffset());
    absl::Status s = queue.CorrectMinOffset(min_offset);
    if (corrected.ok()) corrected = s;
  });
  RMQ_RETURN_IF_ERROR(corrected);

  report.duration_ms = std::chrono::duration<double, std::milli>(
                           std::chrono::steady_clock::now() - started)
                           .count();
  return report;
}

}  // namespace rmq
