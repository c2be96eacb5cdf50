// MessageStore::Impl: the put path. Records are encoded outside the append
// lock; under it only the queue offset, physical offset and store time are
// patched in, room made for the consume-queue units, the bytes copied into
// the segment and the units handed to the dispatcher. Reads catch the
// dispatcher up first, so a message is readable the moment Put returns.

#include <charconv>

#include "absl/strings/str_cat.h"
#include "base/java_hash.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "store/message_store_impl.h"

namespace rmq {

struct MessageStore::Impl::Encoded {
  size_t offset = 0;  // the record in the batch's buffer
  size_t size = 0;
  std::string_view topic;  // the message's, or kScheduleTopic
  int32_t queue_id = 0;
  ConsumeQueue* queue = nullptr;  // null: PREPARED/ROLLBACK, no queue offset
  int64_t tags_code = 0;
  bool scheduled = false;      // tag code is a delivery time, known under lock
  size_t properties_size = 0;  // the record's last bytes
  bool wait = true;            // WAIT property: wait for the flush
  bool keyed = false;          // KEYS or UNIQ_KEY: the index wants it
};

absl::Status MessageStore::Impl::WhyNotWritable() const {
  if (shut_down_) return absl::FailedPreconditionError("store is shut down");
  if (config_.read_only) {
    return absl::FailedPreconditionError("store was opened read-only");
  }
  if (config_.broker_role == BrokerRole::kSlave) {
    return absl::FailedPreconditionError("a slave store does not take puts");
  }
  if (tracker_.read_only()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store is read-only: ", tracker_.read_only_reason().message()));
  }
  return absl::OkStatus();
}

absl::Status MessageStore::Impl::Encode(const MessageToStore& message,
                                        std::string* buffer, size_t offset,
                                        Encoded& e) const {
  e.topic = message.topic;
  e.queue_id = message.queue_id;
  // RocketMQ counts UTF-16 units; a string never has more of them than UTF-8
  // bytes, so 127 bytes is within its limit too.
  if (e.topic.empty() || e.topic.size() > kMaxTopicLengthV1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "topic '", AsAbsl(e.topic), "' must be 1 to 127 bytes long"));
  }
  if (e.queue_id < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("queue id ", e.queue_id, " is negative"));
  }
  if (static_cast<int64_t>(message.body.size()) > config_.max_message_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "message body of ", message.body.size(),
        " bytes exceeds maxMessageSize ", config_.max_message_size));
  }
  const int32_t tx = message.sys_flag & kSysFlagTransactionMask;
  // The queue's lookup starts now and ends after the encoding, whose work
  // hides its cache misses (at 10,000 queues, every put's queue is cold).
  QueueDirectory::Probe probe = queues_->StartFind(e.topic, e.queue_id);
  // Reused per thread: serializing allocates nothing in steady state.
  thread_local std::string serialized;
  message.properties.SerializeTo(&serialized);
  // The properties the put needs, read in one pass from the serialized
  // form, as RocketMQ's broker reads them (and as recovery will).
  static constexpr std::string_view kNames[] = {
      kPropertyWait, kPropertyDelayLevel, kPropertyTags, kPropertyKeys,
      kPropertyUniqKey};
  std::string_view values[std::size(kNames)];
  const uint32_t found = FindProperties(serialized, kNames, values);
  e.wait = message.wait_for_flush && !((found & 1) && values[0] == "false");
  e.keyed = (found & (8 | 16)) != 0;
  int32_t level = 0;
  if (found & 2) {
    auto [ptr, ec] = std::from_chars(
        values[1].data(), values[1].data() + values[1].size(), level);
    if (ec != std::errc()) level = 0;
  }
  if (level > 0 &&
      (tx == kTransactionNotType || tx == kTransactionCommitType)) {
    level =
        std::min<int32_t>(level, static_cast<int32_t>(delay_levels_ms_.size()));
    MessageProperties properties = message.properties;
    properties.Set(kPropertyRealTopic, e.topic);
    properties.Set(kPropertyRealQueueId, std::to_string(e.queue_id));
    properties.SerializeTo(&serialized);  // values[] are stale from here
    e.topic = kScheduleTopic;
    e.queue_id = level - 1;
    e.scheduled = true;
    probe = queues_->StartFind(e.topic, e.queue_id);
  }
  RecordFields fields;
  fields.queue_id = e.queue_id;
  fields.flag = message.flag;
  fields.sys_flag = message.sys_flag;
  fields.born_timestamp = message.born_timestamp_ms;
  fields.born_host = message.born_host;
  fields.store_host = config_.store_host;
  fields.reconsume_times = message.reconsume_times;
  fields.prepared_transaction_offset = message.prepared_transaction_offset;
  fields.body = message.body;
  fields.topic = e.topic;
  fields.properties = serialized;
  RMQ_ASSIGN_OR_RETURN(const int64_t size, CheckedRecordSize(fields));
  e.offset = offset;
  e.size = static_cast<size_t>(size);
  if (buffer->size() < offset + e.size) buffer->resize(offset + e.size);
  EncodeRecordTo(fields, size,
                 reinterpret_cast<std::byte*>(buffer->data() + offset));
  if (e.scheduled) {
    e.properties_size = serialized.size();
  } else if (e.topic != kScheduleTopic) {
    // ComputeTagsCode's rule for every other topic, from the value found.
    e.tags_code = (found & 4) && !values[2].empty()
                      ? static_cast<int64_t>(JavaStringHash(values[2]))
                      : 0;
  } else {
    e.tags_code = ComputeTagsCode(e.topic, serialized, 0, delay_levels_ms_);
  }
  if (tx == kTransactionNotType || tx == kTransactionCommitType) {
    RMQ_ASSIGN_OR_RETURN(e.queue, queues_->FindOrCreate(probe));
    e.queue->PrepareAhead();
  }
  return absl::OkStatus();
}

absl::Status MessageStore::Impl::AppendLocked(Batch& batch, std::string& buffer,
                                              std::span<PutResult> out) {
  RMQ_RETURN_IF_ERROR(CheckWritable());
  int64_t total = 0;
  int64_t units = 0;
  for (Encoded& e : batch) {
    total += static_cast<int64_t>(e.size);
    if (e.queue != nullptr) ++units;
  }
  // A batch targets one queue: make room for all its units up front.
  auto queued = std::find_if(batch.begin(), batch.end(),
                             [](const Encoded& e) { return e.queue; });
  ConsumeQueue* const queue = queued != batch.end() ? queued->queue : nullptr;
  if (queue != nullptr) {
    // A full disk fails the put here, before the log, never the dispatcher.
    RMQ_RETURN_IF_ERROR(queue->PrepareUnits(queue->next_offset(), units));
  }
  const int64_t timestamp = config_.clock->NowMs();
  RMQ_ASSIGN_OR_RETURN(int64_t phys, log_->PrepareAppend(total));
  size_t index = 0;
  int64_t keyed_end = -1;
  for (Encoded& e : batch) {
    const int64_t queue_offset =
        e.queue != nullptr ? e.queue->next_offset() : 0;
    auto bytes =
        std::as_writable_bytes(std::span(buffer.data() + e.offset, e.size));
    PatchRecordPosition(bytes, queue_offset, phys, timestamp);
    log_->Write(bytes);
    const int32_t size = static_cast<int32_t>(bytes.size());
    if (e.queue != nullptr) {
      if (e.scheduled) {
        const std::string_view properties(
            buffer.data() + e.offset + e.size - e.properties_size,
            e.properties_size);
        e.tags_code =
            ComputeTagsCode(e.topic, properties, timestamp, delay_levels_ms_);
      }
      dispatcher_->Push(
          {e.queue, queue_offset, CqUnit{phys, size, e.tags_code}, timestamp});
      e.queue->set_next_offset(queue_offset + 1);
    }
    PutResult& r = out[index++];
    r.physical_offset = PhysicalOffset(phys);
    r.bytes = size;
    r.queue_offset = QueueOffset(queue_offset);
    r.store_timestamp_ms = timestamp;
    r.store_host = config_.store_host;
    phys += size;
    if (e.keyed) keyed_end = phys;
  }
  if (keyed_end >= 0 && index_builder_ != nullptr) {
    index_builder_->KeyedAppended(keyed_end);  // before it is committed
  }
  tracker_.Appended(phys, timestamp, /*also_committed=*/committer_ == nullptr);
  // After Appended: a reader that catches up finds the records readable.
  dispatcher_->Publish();
  put_messages_.fetch_add(static_cast<int64_t>(batch.size()),
                          std::memory_order_relaxed);
  put_bytes_.fetch_add(total, std::memory_order_relaxed);
  return absl::OkStatus();
}

void MessageStore::Impl::WaitDurable(int64_t end, bool* timed_out) {
  *timed_out = tracker_.WaitFlushed(
      end, absl::Now() + absl::Milliseconds(config_.sync_flush_timeout));
}

absl::Status MessageStore::Impl::Append(
    std::span<const MessageToStore> messages, bool wait_for_flush,
    std::span<PutResult> out) {
  if (messages.empty()) return absl::OkStatus();
  absl::Status status = CheckWritable();
  if (!status.ok()) {
    put_failures_.fetch_add(1, std::memory_order_relaxed);
    return status;
  }
  Batch batch;
  thread_local std::string buffer;  // the batch's encoded records, reused
  size_t used = 0;
  bool wait = false;
  for (const MessageToStore& message : messages) {
    Encoded& e = batch.emplace_back();
    status = Encode(message, &buffer, used, e);
    used += e.size;
    if (!status.ok()) {
      put_failures_.fetch_add(1, std::memory_order_relaxed);
      return status;
    }
    if (&e != &batch[0] &&
        (e.topic != batch[0].topic || e.queue_id != batch[0].queue_id)) {
      return absl::InvalidArgumentError(
          "a batch must target one topic and queue");
    }
    wait = wait || e.wait;
  }
  {
    FastMutexLock lock(&append_mu_);
    status = AppendLocked(batch, buffer, out);
  }
  if (!status.ok()) {
    put_failures_.fetch_add(1, std::memory_order_relaxed);
    return status;
  }
  const int64_t end = out.back().physical_offset.value() + out.back().bytes;
  if (committer_ != nullptr && !committer_->WaitCommitted(end)) {
    // Readable (and, under SYNC_FLUSH, durable) only once committed.
    put_failures_.fetch_add(1, std::memory_order_relaxed);
    return absl::UnavailableError(
        absl::StrCat("the commit-log write failed: ",
                     tracker_.read_only_reason().message()));
  }
  if (config_.on_message_arrived) {
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].queue == nullptr) continue;
      config_.on_message_arrived(batch[i].topic, batch[i].queue_id,
                                 out[i].queue_offset.value() + 1,
                                 batch[i].tags_code);
    }
  }
  if (wait_for_flush && wait &&
      config_.flush_disk_type == FlushDiskType::kSyncFlush) {
    bool timed_out = false;
    WaitDurable(end, &timed_out);
    if (timed_out) {
      flush_timeouts_.fetch_add(1, std::memory_order_relaxed);
      for (PutResult& r : out) r.flush_timed_out = true;
    }
  }
  return absl::OkStatus();
}

void MessageStore::Impl::AppendAsync(
    const MessageToStore& message,
    absl::AnyInvocable<void(absl::StatusOr<PutResult>) &&> done) {
  PutResult result;
  absl::Status appended =
      Append(std::span(&message, 1),
             /*wait_for_flush=*/false, std::span(&result, 1));
  if (!appended.ok()) {
    std::move(done)(appended);
    return;
  }
  const bool sync = config_.flush_disk_type == FlushDiskType::kSyncFlush;
  const std::string* wait = message.properties.Find(kPropertyWait);
  if (!sync || !message.wait_for_flush ||
      (wait != nullptr && *wait == "false")) {
    std::move(done)(std::move(result));
    return;
  }
  const int64_t end = result.physical_offset.value() + result.bytes;
  tracker_.AddWaiter(
      end, absl::Now() + absl::Milliseconds(config_.sync_flush_timeout),
      [this, result = std::move(result),
       done = std::move(done)](bool timed_out) mutable {
        if (timed_out) {
          flush_timeouts_.fetch_add(1, std::memory_order_relaxed);
          result.flush_timed_out = true;
        }
        std::move(done)(std::move(result));
      });
}

}  // namespace rmq
