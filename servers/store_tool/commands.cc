#include "commands.h"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/strings.h"
#include "message_json.h"
#include "rmq/store.h"
#include "rmq/verify.h"

namespace rmq::tool {
namespace {

int Fail(std::string_view command, const absl::Status& status) {
  std::cerr << "rmq-store " << command << ": " << status.message() << "\n";
  return 1;
}

absl::StatusOr<std::unique_ptr<MessageStore>> OpenStore(const Options& o,
                                                        bool read_only) {
  absl::StatusOr<StoreConfig> config = MakeConfig(o, read_only);
  if (!config.ok()) return config.status();
  return MessageStore::Open(*std::move(config));
}

void PrintRecord(std::span<const std::byte> bytes, std::string* out) {
  absl::StatusOr<RecordView> record = DecodeRecord(bytes);
  if (!record.ok()) return;
  out->append(RecordToJson(*record));
  out->push_back('\n');
  if (out->size() > (1 << 20)) {
    std::cout << *out;
    out->clear();
  }
}

}  // namespace

absl::StatusOr<StoreConfig> MakeConfig(const Options& o, bool read_only) {
  StoreConfig config;
  if (!o.config_file.empty()) {
    absl::StatusOr<PropertiesFile> file = PropertiesFile::Load(o.config_file);
    if (!file.ok()) return file.status();
    std::vector<const PropertyEntry*> unknown;
    absl::Status applied = ApplyStoreProperties(*file, &config, &unknown);
    if (!applied.ok()) return applied;
    for (const PropertyEntry* entry : unknown) {
      std::cerr << "rmq-store: warning: " << PropertyErrorPrefix(*file, *entry)
                << "not a store setting, ignored\n";
    }
  }
  config.store_path_root_dir = o.store;
  config.read_only = read_only;
  config.logger = StderrLogger(LogLevel::kWarn);
  return config;
}

int Load(const Options& o, std::istream& in) {
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<MessageStore>> store = OpenStore(o, false);
  if (!store.ok()) return Fail("load", store.status());
  std::random_device seed;
  UniqueKeyGenerator keys(HostAddress::V4(127, 0, 0, 1, 0),
                          static_cast<int32_t>(getpid()),
                          static_cast<int32_t>(seed()));
  std::string line;
  int64_t line_number = 0, loaded = 0, timeouts = 0;
  int64_t first = -1, last = -1;
  int exit_code = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    absl::StatusOr<MessageToStore> message = MessageFromJson(line);
    absl::StatusOr<PutResult> put =
        message.ok() ? absl::StatusOr<PutResult>(absl::UnknownError(""))
                     : message.status();
    if (message.ok()) {
      const int64_t now =
          std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
      if (message->properties.Find(kPropertyUniqKey) == nullptr) {
        message->properties.Set(kPropertyUniqKey, keys.Next(now));
      }
      if (message->born_timestamp_ms == 0) message->born_timestamp_ms = now;
      if (message->born_host.port == 0 && !message->born_host.v6 &&
          message->born_host.ip[0] == 0) {
        message->born_host = HostAddress::V4(127, 0, 0, 1, 0);
      }
      put = (*store)->Put(*message);
    }
    if (!put.ok()) {
      std::cerr << "rmq-store load: line " << line_number << ": "
                << put.status().message() << " (nothing after it loaded)\n";
      exit_code = 1;
      break;
    }
    if (put->flush_timed_out) ++timeouts;
    if (first < 0) first = put->physical_offset.value();
    last = put->physical_offset.value();
    ++loaded;
  }
  const absl::Status closed = (*store)->Shutdown();
  if (!closed.ok()) return Fail("load", closed);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  std::cout << absl::StrCat(
      "{\"loaded\":", loaded, ",\"lines\":", line_number,
      ",\"firstOffset\":", first, ",\"lastOffset\":", last,
      ",\"flushTimeouts\":", timeouts,
      ",\"elapsedMs\":", static_cast<int64_t>(seconds * 1000),
      ",\"ok\":", exit_code == 0 ? "true" : "false", "}\n");
  return exit_code;
}

int Dump(const Options& o) {
  absl::StatusOr<std::unique_ptr<MessageStore>> store = OpenStore(o, true);
  if (!store.ok()) return Fail("dump", store.status());
  std::string out;
  if (!o.topic.has_value()) {
    absl::Status scanned = (*store)->ScanCommitLog(
        PhysicalOffset(0),
        [&out](PhysicalOffset, std::span<const std::byte> b) {
          PrintRecord(b, &out);
          return true;
        });
    std::cout << out;
    return scanned.ok() ? 0 : Fail("dump", scanned);
  }
  for (const auto& [topic, queue] : (*store)->ListQueues()) {
    if (topic != *o.topic || (o.queue.has_value() && queue != *o.queue)) {
      continue;
    }
    QueueOffset offset = (*store)->MinOffsetInQueue(topic, QueueId(queue));
    const QueueOffset max = (*store)->MaxOffsetInQueue(topic, QueueId(queue));
    while (offset < max) {
      GetRequest request{.topic = topic,
                         .queue_id = QueueId(queue),
                         .offset = offset,
                         .max_messages = 1000};
      absl::StatusOr<GetResult> got = (*store)->Get(request);
      if (!got.ok()) return Fail("dump", got.status());
      for (const StoredRecord& r : got->records) PrintRecord(r.bytes, &out);
      if (got->next_begin_offset <= offset) break;
      offset = got->next_begin_offset;
    }
  }
  std::cout << out;
  return 0;
}

int Query(const Options& o) {
  absl::StatusOr<std::unique_ptr<MessageStore>> store = OpenStore(o, true);
  if (!store.ok()) return Fail("query", store.status());
  absl::StatusOr<QueryResult> result = (*store)->QueryByKey(
      *o.topic, o.key, o.max.value_or(INT32_MAX), o.begin_ms, o.end_ms);
  if (!result.ok()) return Fail("query", result.status());
  std::string out;
  for (const StoredRecord& r : result->records) PrintRecord(r.bytes, &out);
  std::cout << out;
  return 0;
}

int Verify(const Options& o) {
  absl::StatusOr<StoreConfig> config = MakeConfig(o, true);
  if (!config.ok()) return Fail("verify", config.status());
  absl::StatusOr<VerifyReport> report = VerifyStore(*config);
  if (!report.ok()) return Fail("verify", report.status());
  for (const std::string& problem : report->problems) {
    std::cout << "problem: " << problem << "\n";
  }
  std::cout << absl::StrCat(
      "{\"clean\":", report->clean() ? "true" : "false",
      ",\"problems\":", report->problems.size(),
      ",\"segments\":", report->segments, ",\"records\":", report->records,
      ",\"blanks\":", report->blanks, ",\"logMin\":", report->log_min,
      ",\"logEnd\":", report->log_end,
      ",\"consumeQueues\":", report->consume_queues,
      ",\"units\":", report->units, ",\"indexFiles\":", report->index_files,
      ",\"indexItems\":", report->index_items, "}\n");
  return report->clean() ? 0 : 1;
}

int Stat(const Options& o) {
  absl::StatusOr<std::unique_ptr<MessageStore>> store = OpenStore(o, true);
  if (!store.ok()) return Fail("stat", store.status());
  const StoreStats stats = (*store)->Stats();
  std::string topics;
  std::string current;
  int64_t messages = 0;
  for (const auto& [topic, queue] : (*store)->ListQueues()) {
    const int64_t min =
        (*store)->MinOffsetInQueue(topic, QueueId(queue)).value();
    const int64_t max =
        (*store)->MaxOffsetInQueue(topic, QueueId(queue)).value();
    messages += max - min;
    if (topic != current) {
      if (!current.empty()) topics += "},";
      absl::StrAppend(&topics, JsonString(topic), ":{");
      current = topic;
    } else {
      topics += ",";
    }
    absl::StrAppend(&topics, "\"", queue, "\":{\"min\":", min, ",\"max\":", max,
                    "}");
  }
  if (!current.empty()) topics += "}";
  std::cout << absl::StrCat(
      "{\"segments\":", stats.commit_log_files,
      ",\"minPhysicalOffset\":", stats.min_physical_offset,
      ",\"maxPhysicalOffset\":", stats.committed_offset,
      ",\"consumeQueues\":", stats.consume_queues,
      ",\"indexFiles\":", stats.index_files, ",\"messages\":", messages,
      ",\"recovery\":", JsonString(stats.recovery.ToString()), ",\"topics\":{",
      topics, "}}\n");
  return 0;
}

}  // namespace rmq::tool
