#include "consumequeue/consume_queue_table.h"

#include <charconv>
#include <optional>

#include "absl/strings/str_cat.h"
#include "base/file_names.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace rmq {
namespace {

std::optional<int32_t> ParseQueueId(std::string_view name) {
  int32_t id = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (ec != std::errc() || ptr != name.data() + name.size() || id < 0) {
    return std::nullopt;
  }
  return id;
}

}  // namespace

int64_t ConsumeQueueTable::DetectFileSize(FileSystem& fs,
                                          const std::filesystem::path& dir) {
  auto topics = fs.List(dir);
  if (!topics.ok()) return 0;
  for (const std::string& topic : *topics) {
    auto queues = fs.List(dir / topic);
    if (!queues.ok()) continue;
    for (const std::string& queue : *queues) {
      auto files = fs.List(dir / topic / queue);
      if (!files.ok()) continue;
      for (const std::string& file : *files) {
        if (!FileNameToOffset(file).has_value()) continue;
        auto size = fs.FileSize(dir / topic / queue / file);
        if (size.ok()) return static_cast<int64_t>(*size);
      }
    }
  }
  return 0;
}

ConsumeQueueTable::ConsumeQueueTable(ConsumeQueueTableOptions options,
                                     FileSystem& fs, Logger& logger)
    : options_(std::move(options)),
      fs_(fs),
      logger_(logger),
      cache_(options_.max_mapped_files),
      ahead_creator_(options_.writable ? std::make_unique<AheadCreator>()
                                       : nullptr) {}

std::unique_ptr<ConsumeQueue> ConsumeQueueTable::MakeQueue(
    const std::string& topic, int32_t queue_id) const {
  ConsumeQueueOptions options{
      .dir = options_.dir / topic / std::to_string(queue_id),
      .file_size = options_.file_size,
      .allocate_ahead = options_.allocate_ahead,
      .writable = options_.writable,
      .ahead_creator = ahead_creator_.get()};
  return std::make_unique<ConsumeQueue>(topic, queue_id, std::move(options),
                                        fs_, const_cast<MappingCache&>(cache_),
                                        logger_);
}

absl::Status ConsumeQueueTable::LoadAndRecover() {
  if (!fs_.Exists(options_.dir)) {
    if (!options_.writable) return absl::OkStatus();
    return fs_.CreateDirs(options_.dir);
  }
  RMQ_ASSIGN_OR_RETURN(std::vector<std::string> topics, fs_.List(options_.dir));
  for (const std::string& topic : topics) {
    const std::filesystem::path topic_dir = options_.dir / topic;
    if (!fs_.IsDirectory(topic_dir)) continue;
    RMQ_ASSIGN_OR_RETURN(std::vector<std::string> ids, fs_.List(topic_dir));
    for (const std::string& id_name : ids) {
      const std::optional<int32_t> id = ParseQueueId(id_name);
      if (!id.has_value() || !fs_.IsDirectory(topic_dir / id_name)) continue;
      std::unique_ptr<ConsumeQueue> queue = MakeQueue(topic, *id);
      const std::string what = absl::StrCat("consume queue ", topic, "/", *id);
      RMQ_RETURN_IF_ERROR(Annotate(queue->Load(), what));
      RMQ_RETURN_IF_ERROR(Annotate(queue->Recover(), what));
      FastWriterLock lock(&mu_);
      std::unique_ptr<ConsumeQueue>& slot = queues_[topic][*id];
      if (slot != nullptr) {  // "1" and "01": the first one listed wins
        logger_.Log(LogLevel::kWarn,
                    absl::StrCat("ignoring ", (topic_dir / id_name).string(),
                                 ": queue ", *id, " is already loaded from ",
                                 slot->dir().string()));
        continue;
      }
      slot = std::move(queue);
      directory_.Insert(slot.get());
    }
  }
  return absl::OkStatus();
}

ConsumeQueue* ConsumeQueueTable::Find(std::string_view topic,
                                      int32_t queue_id) const {
  if (ConsumeQueue* found = directory_.Find(topic, queue_id)) return found;
  FastReaderLock lock(&mu_);
  auto t = queues_.find(AsAbsl(topic));
  if (t == queues_.end()) return nullptr;
  auto q = t->second.find(queue_id);
  return q == t->second.end() ? nullptr : q->second.get();
}

absl::StatusOr<ConsumeQueue*> ConsumeQueueTable::FindOrCreate(
    std::string_view topic, int32_t queue_id) {
  if (ConsumeQueue* found = directory_.Find(topic, queue_id)) return found;
  if (ConsumeQueue* found = Find(topic, queue_id)) return found;
  FastWriterLock lock(&mu_);
  std::unique_ptr<ConsumeQueue>& slot = queues_[AsAbsl(topic)][queue_id];
  if (slot == nullptr) {
    std::unique_ptr<ConsumeQueue> queue =
        MakeQueue(std::string(topic), queue_id);
    if (options_.writable) {
      // Creating the directory and first file here, under the table lock
      // rather than the append lock, keeps file creation off the put path.
      absl::Status prepared = queue->Prepare();
      if (!prepared.ok()) {
        queues_[AsAbsl(topic)].erase(queue_id);
        return Annotate(prepared, absl::StrCat("creating consume queue ",
                                               AsAbsl(topic), "/", queue_id));
      }
    }
    slot = std::move(queue);
    directory_.Insert(slot.get());
  }
  return slot.get();
}

void ConsumeQueueTable::ForEach(
    const std::function<void(ConsumeQueue&)>& fn) const {
  std::vector<ConsumeQueue*> all;
  {
    FastReaderLock lock(&mu_);
    for (const auto& [topic, queues] : queues_) {
      for (const auto& [id, queue] : queues) all.push_back(queue.get());
    }
  }
  for (ConsumeQueue* queue : all) fn(*queue);
}

int64_t ConsumeQueueTable::size() const {
  FastReaderLock lock(&mu_);
  int64_t n = 0;
  for (const auto& [topic, queues] : queues_) n += queues.size();
  return n;
}

int64_t ConsumeQueueTable::max_phy_offset() const {
  int64_t max = -1;
  ForEach([&max](ConsumeQueue& q) { max = std::max(max, q.max_phy_offset()); });
  return max;
}

void ConsumeQueueTable::MarkDirty(ConsumeQueue& queue) {
  if (queue.in_dirty_list().exchange(true)) return;
  FastMutexLock lock(&dirty_mu_);
  dirty_.push_back(&queue);
}

std::vector<ConsumeQueue*> ConsumeQueueTable::TakeDirty() {
  std::vector<ConsumeQueue*> taken;
  {
    FastMutexLock lock(&dirty_mu_);
    taken.swap(dirty_);
  }
  for (ConsumeQueue* queue : taken) queue->in_dirty_list().store(false);
  return taken;
}

}  // namespace rmq
