#include "broker/schedule_message_service.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/thread_name.h"
#include "broker/config_file.h"
#include "broker/topic_config.h"
#include "rmq/commitlog/record.h"

namespace rmq::broker {
namespace {

std::shared_ptr<Clock> PickClock(const ScheduleMessageServiceOptions& options,
                                 const MessageStore& store) {
  if (options.clock != nullptr) return options.clock;
  if (store.config().clock != nullptr) return store.config().clock;
  return SystemClock();
}

bool ParseInt(std::string_view text, int32_t* out) {
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

// The message as it goes back to its real topic and queue, or nullopt (with
// `why`) when the scheduled record cannot be delivered and is skipped.
std::optional<MessageToStore> Unscheduled(const RecordView& v,
                                          std::string* why) {
  MessageProperties properties = MessageProperties::Parse(v.properties);
  const std::string* topic = properties.Find(kPropertyRealTopic);
  const std::string* qid = properties.Find(kPropertyRealQueueId);
  int32_t queue_id = 0;
  if (topic == nullptr || topic->empty() || qid == nullptr ||
      !ParseInt(*qid, &queue_id) || queue_id < 0) {
    *why = "it has no valid REAL_TOPIC/REAL_QID";
    return std::nullopt;
  }
  if (*topic == kTransHalfTopic) {
    // Java drops these too: a half message never goes through a delay.
    *why = "its real topic is the transaction half topic";
    return std::nullopt;
  }
  MessageToStore m;
  m.topic = *topic;
  m.queue_id = queue_id;
  m.flag = v.flag;
  m.body = std::string(v.body);
  m.sys_flag = v.sys_flag;
  m.born_timestamp_ms = v.born_timestamp;
  m.born_host = v.born_host;
  m.reconsume_times = v.reconsume_times;
  // Java puts with waitStoreMsgOK = false: nobody waits for this flush.
  m.wait_for_flush = false;
  // Without DELAY the store would schedule the message again. Java 4.9.8
  // removes it from the map too, but serializes the text before that, so
  // its delivered record still shows DELAY; ours does not (clients ignore
  // it). REAL_TOPIC and REAL_QID stay, as in Java.
  properties.Erase(kPropertyDelayLevel);
  m.properties = std::move(properties);
  return m;
}

}  // namespace

ScheduleMessageService::ScheduleMessageService(
    MessageStore& store, Logger& logger, ScheduleMessageServiceOptions options)
    : store_(store),
      logger_(logger),
      options_(std::move(options)),
      file_path_(options_.config_dir / kDelayOffsetFileName),
      clock_(PickClock(options_, store)) {}

ScheduleMessageService::~ScheduleMessageService() { Stop(); }

absl::Status ScheduleMessageService::Decode(
    std::string_view text, std::map<int32_t, int64_t>* table) const {
  rapidjson::Document doc;
  if (absl::Status s = ParseFastjson(text, &doc); !s.ok()) return s;
  absl::StatusOr<const rapidjson::Value*> offsets =
      JsonObjectMember(doc, "offsetTable");
  if (!offsets.ok()) return offsets.status();
  std::map<int32_t, int64_t> decoded;
  if (*offsets != nullptr) {
    for (const auto& member : (*offsets)->GetObject()) {
      const char* name = member.name.GetString();
      int32_t level = 0;
      if (!ParseInt(std::string_view(name, member.name.GetStringLength()),
                    &level) ||
          level <= 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("offsetTable key \"", name, "\" is not a level"));
      }
      int64_t offset = 0;
      if (absl::Status s = ReadJsonInt(**offsets, name, 0, INT64_MAX, &offset);
          !s.ok()) {
        return s;
      }
      decoded[level] = offset;
    }
  }
  *table = std::move(decoded);
  return absl::OkStatus();
}

absl::Status ScheduleMessageService::Load() {
  absl::StatusOr<std::vector<int64_t>> levels = store_.config().DelayLevelsMs();
  if (!levels.ok()) return levels.status();
  delay_levels_ms_ = *std::move(levels);
  std::map<int32_t, int64_t> table;
  absl::StatusOr<ConfigSource> source = LoadConfigFile(
      file_path_, [&](std::string_view text) { return Decode(text, &table); });
  if (!source.ok()) return source.status();
  if (*source == ConfigSource::kBackup) {
    logger_.Log(LogLevel::kWarn,
                absl::StrCat(file_path_.string(), " was unusable; loaded ",
                             file_path_.string(), ".bak"));
  }
  for (int32_t level = 1; level <= max_level(); ++level) {
    const QueueId queue(level - 1);
    const int64_t min = store_.MinOffsetInQueue(kScheduleTopic, queue).value();
    const int64_t max = store_.MaxOffsetInQueue(kScheduleTopic, queue).value();
    int64_t& offset = table[level];  // a level new to the file starts at 0
    const int64_t clamped = std::clamp(offset, min, std::max(min, max));
    if (clamped != offset) {
      logger_.Log(LogLevel::kWarn,
                  absl::StrCat("delay level ", level, " offset ", offset,
                               " outside its queue's [", min, ", ", max,
                               "]; using ", clamped));
      offset = clamped;
    }
  }
  absl::MutexLock lock(&mu_);
  offsets_ = std::move(table);
  dirty_ = false;
  return absl::OkStatus();
}

void ScheduleMessageService::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void ScheduleMessageService::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void ScheduleMessageService::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  if (delay_levels_ms_.empty()) return;  // never loaded: nothing to keep
  if (absl::Status s = Persist(); !s.ok()) {
    logger_.Log(LogLevel::kError,
                absl::StrCat("delay offsets not saved at stop: ", s.message()));
  }
}

void ScheduleMessageService::Run() {
  NameThisThread("ScheduleMessage");
  absl::Time next_persist = absl::Now() + options_.persist_interval;
  std::string last_error;  // logged once per distinct failure, not per tick
  while (true) {
    absl::StatusOr<int64_t> delivered =
        DeliverDue(absl::FromUnixMillis(clock_->NowMs()));
    if (!delivered.ok() && delivered.status().message() != last_error) {
      last_error = std::string(delivered.status().message());
      logger_.Log(LogLevel::kWarn,
                  absl::StrCat("delayed delivery: ", last_error,
                               " (retrying every tick)"));
    } else if (delivered.ok()) {
      last_error.clear();
    }
    if (absl::Now() >= next_persist) {
      next_persist = absl::Now() + options_.persist_interval;
      bool dirty = false;
      {
        absl::MutexLock lock(&mu_);
        dirty = dirty_;
      }
      if (dirty) {
        if (absl::Status s = Persist(); !s.ok()) {
          logger_.Log(LogLevel::kError,
                      absl::StrCat("delay offsets not saved: ", s.message()));
        }
      }
    }
    absl::MutexLock lock(&mu_);
    const auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || woken_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&woken), options_.tick);
    if (stopping_) return;
    woken_ = false;
  }
}

absl::StatusOr<int64_t> ScheduleMessageService::DeliverDue(absl::Time now) {
  absl::MutexLock lock(&deliver_mu_);
  const int64_t now_ms = absl::ToUnixMillis(now);
  int64_t delivered = 0;
  absl::Status first_error;
  // Levels are independent: one whose head is not due, or whose put
  // fails, does not hold the others back.
  for (int32_t level = 1; level <= max_level(); ++level) {
    absl::Status s = DeliverLevel(level, now_ms, &delivered);
    if (!s.ok() && first_error.ok()) {
      first_error = absl::Status(
          s.code(), absl::StrCat("delay level ", level, ": ", s.message()));
    }
  }
  if (!first_error.ok()) return first_error;
  return delivered;
}

absl::Status ScheduleMessageService::DeliverLevel(int32_t level, int64_t now_ms,
                                                  int64_t* delivered) {
  const int32_t queue = level - 1;
  const int64_t delay_ms = delay_levels_ms_[static_cast<size_t>(queue)];
  int64_t offset = Offset(level);
  while (true) {
    absl::StatusOr<GetResult> got =
        store_.Get(GetRequest{.topic = kScheduleTopic,
                              .queue_id = QueueId(queue),
                              .offset = QueueOffset(offset),
                              .max_messages = 32});
    if (!got.ok()) return got.status();
    const int64_t next = got->next_begin_offset.value();
    switch (got->status) {
      case GetStatus::kFound:
        break;
      case GetStatus::kOffsetOverflowOne:
      case GetStatus::kNoMessageInQueue:
      case GetStatus::kNoMatchedLogicQueue:
        return absl::OkStatus();  // caught up
      default:
        // Entries cleaned up under the cursor, or a queue truncated below
        // it: carry on where the queue says reading resumes.
        if (next == offset) return absl::OkStatus();
        SetOffset(level, next);
        offset = next;
        continue;
    }
    for (const StoredRecord& r : got->records) {
      absl::StatusOr<RecordView> v = DecodeRecord(r.bytes);
      if (!v.ok()) return v.status();
      // The due time is the consume-queue tag code, which GetResult does not
      // carry; ComputeTagsCode recomputes it from the record exactly as the
      // store did when it wrote the unit (store time + the level's delay).
      int64_t due = ComputeTagsCode(v->topic, v->properties, v->store_timestamp,
                                    delay_levels_ms_);
      // Java's guard against a clock that went backwards: nothing waits
      // longer than its level's delay from now.
      if (due > now_ms + delay_ms) due = now_ms;
      if (due > now_ms) return absl::OkStatus();
      std::string why;
      if (std::optional<MessageToStore> m = Unscheduled(*v, &why)) {
        absl::StatusOr<PutResult> put = store_.Put(*m);
        if (!put.ok()) return put.status();
        ++*delivered;
      } else {
        logger_.Log(LogLevel::kWarn,
                    absl::StrCat("dropping delayed message at commit-log "
                                 "offset ",
                                 r.physical_offset.value(), ": ", why));
      }
      SetOffset(level, v->queue_offset + 1);
    }
    // Units skipped inside the batch (records already removed) are past.
    if (next <= offset) return absl::OkStatus();
    SetOffset(level, next);
    offset = next;
  }
}

void ScheduleMessageService::SetOffset(int32_t level, int64_t offset) {
  absl::MutexLock lock(&mu_);
  int64_t& current = offsets_[level];
  if (current != offset) {
    current = offset;
    dirty_ = true;
  }
}

int64_t ScheduleMessageService::Offset(int32_t level) const {
  absl::MutexLock lock(&mu_);
  auto it = offsets_.find(level);
  return it == offsets_.end() ? 0 : it->second;
}

std::string ScheduleMessageService::Encode() const {
  // fastjson's pretty form keeps a map with integer keys on one line.
  std::string out = "{\n\t\"offsetTable\":{";
  absl::MutexLock lock(&mu_);
  bool first = true;
  for (const auto& [level, offset] : offsets_) {
    absl::StrAppend(&out, first ? "" : ",", level, ":", offset);
    first = false;
  }
  out += "}\n}";
  return out;
}

absl::Status ScheduleMessageService::Persist() {
  absl::MutexLock write(&persist_mu_);
  {
    absl::MutexLock lock(&mu_);
    dirty_ = false;  // a change from now on is written by the next persist
  }
  absl::Status s = WriteConfigFile(file_path_, Encode());
  if (!s.ok()) {
    absl::MutexLock lock(&mu_);
    dirty_ = true;
  }
  return s;
}

}  // namespace rmq::broker
