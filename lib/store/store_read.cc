// MessageStore::Impl: the read paths (store-format §13, §4.6, §6.5). Records
// are returned as views into the mapped segments, pinned by the result.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/endian.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "store/message_store_impl.h"

namespace rmq {
namespace {

struct BatchLimits {
  int32_t max_messages;
  int64_t max_bytes;
  int64_t disk_bytes, disk_count, memory_bytes, memory_count;
};

// RocketMQ's isTheBatchFull, plus the caller's own byte limit.
bool BatchFull(const BatchLimits& l, int64_t size, int64_t bytes, int64_t count,
               bool in_disk) {
  if (bytes == 0 || count == 0) return false;
  if (count >= l.max_messages) return true;
  if (bytes + size > l.max_bytes) return true;
  if (in_disk) return bytes + size > l.disk_bytes || count >= l.disk_count;
  return bytes + size > l.memory_bytes || count >= l.memory_count;
}

void AddPin(SegmentPins& pins, std::shared_ptr<const void> pin) {
  if (pins.empty() || pins.back() != pin) pins.push_back(std::move(pin));
}

}  // namespace

absl::StatusOr<GetResult> MessageStore::Impl::Get(
    const GetRequest& request) const {
  if (shut_down_) return absl::FailedPreconditionError("store is shut down");
  GetResult result;
  const int64_t offset = request.offset.value();
  const bool correct = config_.broker_role != BrokerRole::kSlave;
  auto next = [&](int64_t corrected) {
    return QueueOffset(correct ? corrected : offset);
  };
  const ConsumeQueue* queue =
      FindForRead(request.topic, request.queue_id.value());
  if (queue == nullptr) {
    result.status = GetStatus::kNoMessageInQueue;
    result.next_begin_offset = next(0);
    return result;
  }
  const int64_t min = queue->MinOffset();
  const int64_t max = queue->MaxOffset();
  result.min_offset = QueueOffset(min);
  result.max_offset = QueueOffset(max);
  if (max == 0) {
    result.status = GetStatus::kNoMessageInQueue;
    result.next_begin_offset = next(0);
    return result;
  }
  if (offset < min) {
    result.status = GetStatus::kOffsetTooSmall;
    result.next_begin_offset = next(min);
    return result;
  }
  if (offset == max) {
    result.status = GetStatus::kOffsetOverflowOne;
    result.next_begin_offset = QueueOffset(offset);
    return result;
  }
  if (offset > max) {
    result.status = GetStatus::kOffsetOverflowBadly;
    result.next_begin_offset = next(max);
    return result;
  }
  absl::StatusOr<CqSlice> units = queue->ReadFrom(offset);
  if (!units.ok()) {
    const int64_t per_file =
        config_.mapped_file_size_consume_queue / CqUnit::kSize;
    result.status = GetStatus::kOffsetFoundNull;
    result.next_begin_offset = next((offset / per_file + 1) * per_file);
    return result;
  }
  const int64_t readable = ReadableEnd();
  const int64_t memory_window = memory_window_;
  const BatchLimits limits{request.max_messages,
                           request.max_bytes,
                           config_.max_transfer_bytes_on_message_in_disk,
                           config_.max_transfer_count_on_message_in_disk,
                           config_.max_transfer_bytes_on_message_in_memory,
                           config_.max_transfer_count_on_message_in_memory};
  const int64_t scan_units = std::min<int64_t>(
      units->units,
      std::max<int64_t>(16000, int64_t{request.max_messages} * 20) /
          CqUnit::kSize);
  result.status = GetStatus::kNoMatchedMessage;
  int64_t skip_below = -1;
  int64_t last_phy = -1;
  int64_t i = 0;
  for (; i < scan_units; ++i) {
    const CqUnit unit = units->at(i);
    if (!unit.valid() || unit.phy_offset + unit.size > readable) break;
    last_phy = unit.phy_offset;
    if (unit.phy_offset < skip_below) continue;
    const bool in_disk = readable - unit.phy_offset > memory_window;
    if (BatchFull(limits, unit.size, result.total_bytes,
                  static_cast<int64_t>(result.records.size()), in_disk)) {
      break;
    }
    if (request.filter != nullptr && !request.filter->Matches(unit.tags_code)) {
      continue;
    }
    absl::StatusOr<LogSlice> record =
        log_->Read(unit.phy_offset, unit.size, readable);
    if (!record.ok()) {
      if (result.records.empty()) {
        result.status = GetStatus::kMessageWasRemoving;
      }
      const int64_t size = log_->file_size();
      skip_below = unit.phy_offset - unit.phy_offset % size + size;
      continue;
    }
    result.records.push_back(
        StoredRecord{PhysicalOffset(unit.phy_offset), record->bytes});
    result.total_bytes += unit.size;
    AddPin(result.pins, std::move(record->pin));
    result.status = GetStatus::kFound;
    skip_below = -1;
  }
  result.next_begin_offset = QueueOffset(offset + i);
  result.suggest_pulling_from_slave =
      last_phy >= 0 && readable - last_phy > memory_window;
  get_messages_.fetch_add(static_cast<int64_t>(result.records.size()),
                          std::memory_order_relaxed);
  return result;
}

absl::StatusOr<GetResult> MessageStore::Impl::LookByOffset(
    int64_t offset) const {
  if (shut_down_) return absl::FailedPreconditionError("store is shut down");
  RMQ_ASSIGN_OR_RETURN(LogSlice record,
                       log_->ReadRecord(offset, ReadableEnd()));
  GetResult result;
  result.status = GetStatus::kFound;
  result.records.push_back(StoredRecord{PhysicalOffset(offset), record.bytes});
  result.total_bytes = static_cast<int64_t>(record.bytes.size());
  result.pins.push_back(std::move(record.pin));
  return result;
}

bool MessageStore::Impl::RecordHasKey(const RecordView& record,
                                      std::string_view topic,
                                      std::string_view key) const {
  if (record.topic != topic) return false;
  std::string_view value;
  if (FindProperty(record.properties, kPropertyUniqKey, &value) &&
      value == key) {
    return true;
  }
  if (!FindProperty(record.properties, kPropertyKeys, &value)) return false;
  for (absl::string_view token : absl::StrSplit(AsAbsl(value), ' ')) {
    if (AsStd(token) == key) return true;
  }
  return false;
}

absl::StatusOr<QueryResult> MessageStore::Impl::QueryByKey(
    std::string_view topic, std::string_view key, int32_t max, int64_t begin_ms,
    int64_t end_ms) const {
  if (shut_down_) return absl::FailedPreconditionError("store is shut down");
  if (index_ == nullptr) {
    return absl::FailedPreconditionError(
        "the message index is disabled (messageIndexEnable=false)");
  }
  if (index_builder_ != nullptr) index_builder_->CatchUp();
  IndexQueryResult hits =
      index_->QueryOffsets(topic, key, INT32_MAX, begin_ms, end_ms);
  std::sort(hits.phy_offsets.begin(), hits.phy_offsets.end(), std::greater<>());
  hits.phy_offsets.erase(
      std::unique(hits.phy_offsets.begin(), hits.phy_offsets.end()),
      hits.phy_offsets.end());
  QueryResult result;
  result.index_last_update_timestamp = hits.last_update_timestamp;
  result.index_last_update_phy_offset =
      PhysicalOffset(hits.last_update_phy_offset);
  const int64_t readable = ReadableEnd();
  for (int64_t offset : hits.phy_offsets) {
    if (static_cast<int32_t>(result.records.size()) >= max) break;
    absl::StatusOr<LogSlice> slice = log_->ReadRecord(offset, readable);
    if (!slice.ok()) continue;  // deleted by cleanup meanwhile
    absl::StatusOr<RecordView> record = DecodeRecord(slice->bytes);
    // Only hashes are stored in the index: confirm the key on the record.
    if (!record.ok() || !RecordHasKey(*record, topic, key)) continue;
    result.records.push_back(
        StoredRecord{PhysicalOffset(offset), slice->bytes});
    AddPin(result.pins, std::move(slice->pin));
  }
  std::reverse(result.records.begin(), result.records.end());
  return result;
}

int64_t MessageStore::Impl::MinOffsetInQueue(std::string_view topic,
                                             int32_t queue) const {
  const ConsumeQueue* q = FindForRead(topic, queue);
  return q == nullptr ? 0 : q->MinOffset();
}

int64_t MessageStore::Impl::MaxOffsetInQueue(std::string_view topic,
                                             int32_t queue) const {
  const ConsumeQueue* q = FindForRead(topic, queue);
  return q == nullptr ? 0 : q->MaxOffset();
}

absl::StatusOr<int64_t> MessageStore::Impl::StoreTimeAt(
    const ConsumeQueue& queue, int64_t offset) const {
  RMQ_ASSIGN_OR_RETURN(CqUnit unit, queue.UnitAt(offset));
  RMQ_ASSIGN_OR_RETURN(LogSlice record,
                       log_->Read(unit.phy_offset, unit.size, ReadableEnd()));
  const int32_t sys_flag = LoadBE32(record.bytes.data() + kPosSysFlag);
  const size_t pos = StoreTimestampPosition(sys_flag);
  if (record.bytes.size() < pos + 8) {
    return absl::DataLossError(
        absl::StrCat("record at ", unit.phy_offset, " is too short"));
  }
  return LoadBE64(record.bytes.data() + pos);
}

int64_t MessageStore::Impl::OffsetByTime(std::string_view topic, int32_t queue,
                                         int64_t timestamp_ms) const {
  const ConsumeQueue* q = FindForRead(topic, queue);
  if (q == nullptr) return 0;
  int64_t low = q->MinOffset();
  const int64_t max = q->MaxOffset();
  if (low >= max) return low;
  // Lower bound: the first offset stored at or after the timestamp.
  int64_t high = max;
  while (low < high) {
    const int64_t mid = low + (high - low) / 2;
    absl::StatusOr<int64_t> t = StoreTimeAt(*q, mid);
    if (t.ok() && *t < timestamp_ms) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  if (low == max) return max - 1;  // everything is older: the last one
  absl::StatusOr<int64_t> right = StoreTimeAt(*q, low);
  if (!right.ok() || *right == timestamp_ms || low == q->MinOffset()) {
    return low;
  }
  absl::StatusOr<int64_t> left = StoreTimeAt(*q, low - 1);
  if (!left.ok()) return low;
  // RocketMQ picks the closer neighbour, the left one on a tie.
  return timestamp_ms - *left > *right - timestamp_ms ? low : low - 1;
}

absl::StatusOr<int64_t> MessageStore::Impl::MessageStoreTime(
    std::string_view topic, int32_t queue, int64_t offset) const {
  const ConsumeQueue* q = FindForRead(topic, queue);
  if (q == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("no queue ", AsAbsl(topic), "/", queue));
  }
  return StoreTimeAt(*q, offset);
}

absl::StatusOr<int64_t> MessageStore::Impl::EarliestMessageTime() const {
  const int64_t min = log_->MinOffset();
  RMQ_ASSIGN_OR_RETURN(LogSlice record, log_->ReadRecord(min, ReadableEnd()));
  RMQ_ASSIGN_OR_RETURN(RecordView view, DecodeRecord(record.bytes));
  return view.store_timestamp;
}

int64_t MessageStore::Impl::MinPhysicalOffset() const {
  return log_->MinOffset();
}

int64_t MessageStore::Impl::MaxPhysicalOffset() const { return ReadableEnd(); }

std::vector<std::pair<std::string, int32_t>> MessageStore::Impl::ListQueues()
    const {
  std::vector<std::pair<std::string, int32_t>> all;
  queues_->ForEach(
      [&all](ConsumeQueue& q) { all.emplace_back(q.topic(), q.queue_id()); });
  std::sort(all.begin(), all.end());
  return all;
}

absl::Status MessageStore::Impl::ScanCommitLog(
    int64_t from,
    const std::function<bool(PhysicalOffset, std::span<const std::byte>)>& fn)
    const {
  const int64_t end = ReadableEnd();
  int64_t offset = std::max(from, log_->MinOffset());
  const int64_t size = log_->file_size();
  while (offset < end) {
    RMQ_ASSIGN_OR_RETURN(LogSlice slice, log_->ReadToSegmentEnd(offset, end));
    if (slice.bytes.empty()) break;
    absl::StatusOr<RecordView> record = DecodeRecord(slice.bytes);
    if (!record.ok()) {
      return Annotate(record.status(),
                      absl::StrCat("commit log offset ", offset));
    }
    if (record->is_blank()) {
      offset = offset - offset % size + size;
      continue;
    }
    if (!fn(PhysicalOffset(offset),
            slice.bytes.first(static_cast<size_t>(record->total_size)))) {
      break;
    }
    offset += record->total_size;
  }
  return absl::OkStatus();
}

}  // namespace rmq
