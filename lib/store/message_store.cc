// The public facade: forwards to MessageStore::Impl.

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/java_hash.h"
#include "base/strings.h"
#include "rmq/store.h"
#include "store/message_store_impl.h"

namespace rmq {

absl::StatusOr<TagFilter> TagFilter::FromExpression(
    std::string_view expression) {
  TagFilter filter;
  const absl::string_view trimmed =
      absl::StripAsciiWhitespace(AsAbsl(expression));
  if (trimmed.empty() || trimmed == "*") return filter;
  filter.all_ = false;
  for (absl::string_view tag : absl::StrSplit(trimmed, "||")) {
    tag = absl::StripAsciiWhitespace(tag);
    if (tag.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "subscription expression '", trimmed, "' has an empty tag"));
    }
    filter.codes_.push_back(JavaStringHash(AsStd(tag)));
  }
  return filter;
}

TagFilter TagFilter::FromHashCodes(std::vector<int32_t> codes) {
  TagFilter filter;
  filter.all_ = false;
  filter.codes_ = std::move(codes);
  return filter;
}

bool TagFilter::Matches(int64_t tags_code) const {
  if (all_) return true;
  const auto code = static_cast<int32_t>(tags_code);
  for (int32_t c : codes_) {
    if (c == code) return true;
  }
  return false;
}

std::string_view GetStatusName(GetStatus status) {
  switch (status) {
    case GetStatus::kFound:
      return "FOUND";
    case GetStatus::kNoMatchedMessage:
      return "NO_MATCHED_MESSAGE";
    case GetStatus::kMessageWasRemoving:
      return "MESSAGE_WAS_REMOVING";
    case GetStatus::kOffsetFoundNull:
      return "OFFSET_FOUND_NULL";
    case GetStatus::kOffsetOverflowBadly:
      return "OFFSET_OVERFLOW_BADLY";
    case GetStatus::kOffsetOverflowOne:
      return "OFFSET_OVERFLOW_ONE";
    case GetStatus::kOffsetTooSmall:
      return "OFFSET_TOO_SMALL";
    case GetStatus::kNoMatchedLogicQueue:
      return "NO_MATCHED_LOGIC_QUEUE";
    case GetStatus::kNoMessageInQueue:
      return "NO_MESSAGE_IN_QUEUE";
  }
  return "UNKNOWN";
}

std::string RecoveryReport::ToString() const {
  const char* name = mode == Mode::kEmpty      ? "empty"
                     : mode == Mode::kNormal   ? "normal"
                     : mode == Mode::kAbnormal ? "abnormal"
                                               : "read-only";
  return absl::StrCat(
      "recovery=", name, " scan_from=", scan_from, " log_end=", log_end,
      " bytes_dropped=", bytes_dropped, " files_removed=", files_removed,
      " redispatched=", records_redispatched,
      " cq_truncated=", consume_queues_truncated,
      " index_files_removed=", index_files_removed, " stopped_because=\"",
      stopped_because, "\" ms=", duration_ms);
}

MessageStore::MessageStore(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
MessageStore::~MessageStore() = default;

absl::StatusOr<std::unique_ptr<MessageStore>> MessageStore::Open(
    StoreConfig config) {
  absl::StatusOr<std::unique_ptr<Impl>> impl = Impl::Open(std::move(config));
  if (!impl.ok()) return impl.status();
  return std::unique_ptr<MessageStore>(new MessageStore(*std::move(impl)));
}

absl::StatusOr<PutResult> MessageStore::Put(const MessageToStore& message) {
  PutResult result;
  absl::Status status =
      impl_->Append(std::span(&message, 1), true, std::span(&result, 1));
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<std::vector<PutResult>> MessageStore::PutBatch(
    std::span<const MessageToStore> messages) {
  std::vector<PutResult> results(messages.size());
  absl::Status status = impl_->Append(messages, true, results);
  if (!status.ok()) return status;
  return results;
}

void MessageStore::PutAsync(
    const MessageToStore& message,
    absl::AnyInvocable<void(absl::StatusOr<PutResult>) &&> done) {
  impl_->AppendAsync(message, std::move(done));
}

absl::StatusOr<GetResult> MessageStore::Get(const GetRequest& request) const {
  return impl_->Get(request);
}

absl::StatusOr<GetResult> MessageStore::LookByOffset(
    PhysicalOffset offset) const {
  return impl_->LookByOffset(offset.value());
}

absl::StatusOr<QueryResult> MessageStore::QueryByKey(std::string_view topic,
                                                     std::string_view key,
                                                     int32_t max,
                                                     int64_t begin_ms,
                                                     int64_t end_ms) const {
  return impl_->QueryByKey(topic, key, max, begin_ms, end_ms);
}

QueueOffset MessageStore::MinOffsetInQueue(std::string_view topic,
                                           QueueId queue) const {
  return QueueOffset(impl_->MinOffsetInQueue(topic, queue.value()));
}

QueueOffset MessageStore::MaxOffsetInQueue(std::string_view topic,
                                           QueueId queue) const {
  return QueueOffset(impl_->MaxOffsetInQueue(topic, queue.value()));
}

QueueOffset MessageStore::OffsetByTime(std::string_view topic, QueueId queue,
                                       int64_t timestamp_ms) const {
  return QueueOffset(impl_->OffsetByTime(topic, queue.value(), timestamp_ms));
}

absl::StatusOr<int64_t> MessageStore::MessageStoreTime(
    std::string_view topic, QueueId queue, QueueOffset offset) const {
  return impl_->MessageStoreTime(topic, queue.value(), offset.value());
}

absl::StatusOr<int64_t> MessageStore::EarliestMessageTime(
    std::string_view topic, QueueId queue) const {
  return impl_->MessageStoreTime(topic, queue.value(),
                                 impl_->MinOffsetInQueue(topic, queue.value()));
}

absl::StatusOr<int64_t> MessageStore::EarliestMessageTime() const {
  return impl_->EarliestMessageTime();
}

PhysicalOffset MessageStore::MinPhysicalOffset() const {
  return PhysicalOffset(impl_->MinPhysicalOffset());
}

PhysicalOffset MessageStore::MaxPhysicalOffset() const {
  return PhysicalOffset(impl_->MaxPhysicalOffset());
}

std::vector<std::pair<std::string, int32_t>> MessageStore::ListQueues() const {
  return impl_->ListQueues();
}

absl::Status MessageStore::ScanCommitLog(
    PhysicalOffset from,
    const std::function<bool(PhysicalOffset, std::span<const std::byte>)>& fn)
    const {
  return impl_->ScanCommitLog(from.value(), fn);
}

absl::Status MessageStore::Flush() { return impl_->Flush(); }
StoreStats MessageStore::Stats() const { return impl_->Stats(); }
const StoreConfig& MessageStore::config() const { return impl_->config(); }
absl::Status MessageStore::Shutdown() { return impl_->Shutdown(); }
void MessageStore::CrashForTesting() { impl_->CrashForTesting(); }

}  // namespace rmq
