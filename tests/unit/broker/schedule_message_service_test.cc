#include "broker/schedule_message_service.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "broker/config_file.h"
#include "rmq/commitlog/record.h"
#include "rmq/io/mem_file_system.h"
#include "support/fake_clock.h"
#include "support/status_matchers.h"
#include "support/store_fixture.h"
#include "support/temp_dir.h"

namespace rmq::broker {
namespace {

constexpr int64_t kT0 = 1700000000000;

// A store whose time is a FakeClock (so due times are known) with three
// short levels: 1 s, 2 s, 3 s.
struct Fixture {
  Fixture() {
    config = testing::SmallStoreConfig(fs);
    config.clock = clock;
    config.message_delay_level = "1s 2s 3s";
    config.store_host = HostAddress::V4(127, 0, 0, 1, 10911);
    store = testing::MustOpen(config);
    service = NewService();
  }

  std::unique_ptr<ScheduleMessageService> NewService() {
    auto s = std::make_unique<ScheduleMessageService>(
        *store, *logger,
        ScheduleMessageServiceOptions{.config_dir = dir / "config"});
    REQUIRE_OK(s->Load());
    return s;
  }

  // Puts a message for `topic`/`queue` with DELAY=level at the clock's time.
  PutResult PutDelayed(const std::string& topic, int32_t queue,
                       const std::string& body, int32_t level) {
    MessageToStore m = testing::Message(topic, queue, body, "TagA");
    m.properties.Set(kPropertyUniqKey, "UNIQ-" + body);
    m.properties.Set(kPropertyDelayLevel, std::to_string(level));
    m.born_timestamp_ms = kT0 - 5;
    m.reconsume_times = 2;
    m.flag = 7;
    absl::StatusOr<PutResult> put = store->Put(m);
    REQUIRE_OK(put);
    return *put;
  }

  int64_t Deliver(int64_t at_ms) {
    absl::StatusOr<int64_t> n =
        service->DeliverDue(absl::FromUnixMillis(at_ms));
    REQUIRE_OK(n);
    return *n;
  }

  // Bodies readable in topic/queue, in queue order.
  std::vector<std::string> Bodies(const std::string& topic, int32_t queue) {
    absl::StatusOr<GetResult> got = store->Get(GetRequest{
        .topic = topic, .queue_id = QueueId(queue), .offset = QueueOffset(0)});
    REQUIRE_OK(got);
    std::vector<std::string> out;
    for (const StoredRecord& r : got->records) {
      out.emplace_back(testing::Decode(r.bytes).body);
    }
    return out;
  }

  testing::TempDir dir;
  std::shared_ptr<MemFileSystem> fs = NewMemFileSystem();
  std::shared_ptr<testing::FakeClock> clock =
      std::make_shared<testing::FakeClock>(kT0);
  std::shared_ptr<Logger> logger = NullLogger();
  StoreConfig config;
  std::unique_ptr<MessageStore> store;
  std::unique_ptr<ScheduleMessageService> service;
};

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_CASE("a DELAY=2 message appears in its real queue when due", "[delay]") {
  Fixture f;
  const PutResult scheduled = f.PutDelayed("Orders", 1, "hello", 2);
  CHECK(f.store->MaxOffsetInQueue(kScheduleTopic, QueueId(1)).value() == 1);
  CHECK(f.store->MaxOffsetInQueue("Orders", QueueId(1)).value() == 0);

  CHECK(f.Deliver(kT0 + 1999) == 0);
  CHECK(f.Bodies("Orders", 1).empty());
  CHECK(f.service->Offset(2) == 0);

  f.clock->Set(kT0 + 2000);
  CHECK(f.Deliver(kT0 + 2000) == 1);
  CHECK(f.service->Offset(2) == 1);
  REQUIRE(f.store->MaxOffsetInQueue("Orders", QueueId(1)).value() == 1);

  absl::StatusOr<GetResult> got = f.store->Get(GetRequest{
      .topic = "Orders", .queue_id = QueueId(1), .offset = QueueOffset(0)});
  REQUIRE_OK(got);
  REQUIRE(got->records.size() == 1);
  const RecordView v = testing::Decode(got->records[0].bytes);
  CHECK(v.topic == "Orders");
  CHECK(v.queue_id == 1);
  CHECK(v.queue_offset == 0);
  CHECK(v.physical_offset != scheduled.physical_offset.value());
  CHECK(v.body == "hello");
  CHECK(v.flag == 7);
  CHECK(v.reconsume_times == 2);
  CHECK(v.born_timestamp == kT0 - 5);
  CHECK(v.born_host == HostAddress::V4(10, 0, 0, 1, 5555));
  CHECK(v.store_timestamp == kT0 + 2000);
  const MessageProperties p = MessageProperties::Parse(v.properties);
  REQUIRE(p.Find(kPropertyUniqKey) != nullptr);
  CHECK(*p.Find(kPropertyUniqKey) == "UNIQ-hello");
  CHECK(*p.Find(kPropertyTags) == "TagA");
  CHECK(*p.Find(kPropertyRealTopic) == "Orders");
  CHECK(*p.Find(kPropertyRealQueueId) == "1");
  CHECK(p.Find(kPropertyDelayLevel) == nullptr);  // else it is re-scheduled

  // Delivered once: later passes find nothing new.
  CHECK(f.Deliver(kT0 + 60000) == 0);
  CHECK(f.Bodies("Orders", 1).size() == 1);
}

TEST_CASE("levels deliver independently, each in order", "[delay]") {
  Fixture f;
  f.PutDelayed("T", 0, "slow", 3);  // due T0 + 3000
  f.PutDelayed("T", 0, "a", 1);     // due T0 + 1000
  f.PutDelayed("T", 0, "b", 1);     // due T0 + 1000
  f.clock->Set(kT0 + 500);
  f.PutDelayed("T", 0, "c", 1);    // due T0 + 1500
  f.PutDelayed("T", 0, "mid", 2);  // due T0 + 2500

  // Level 3's head is not due; it does not hold level 1 back.
  CHECK(f.Deliver(kT0 + 1000) == 2);
  CHECK(f.Bodies("T", 0) == std::vector<std::string>{"a", "b"});
  CHECK(f.service->Offset(1) == 2);
  CHECK(f.service->Offset(3) == 0);

  CHECK(f.Deliver(kT0 + 1499) == 0);
  CHECK(f.Deliver(kT0 + 1500) == 1);
  CHECK(f.Deliver(kT0 + 2500) == 1);
  CHECK(f.Deliver(kT0 + 2999) == 0);
  CHECK(f.Deliver(kT0 + 3000) == 1);
  CHECK(f.Bodies("T", 0) ==
        std::vector<std::string>{"a", "b", "c", "mid", "slow"});
  CHECK(f.service->Offset(1) == 3);
  CHECK(f.service->Offset(2) == 1);
  CHECK(f.service->Offset(3) == 1);
}

TEST_CASE("a due time far in the future is treated as now", "[delay]") {
  Fixture f;
  f.clock->Set(kT0 + 3'600'000);  // stored an hour "ahead"
  f.PutDelayed("T", 0, "skewed", 1);
  // The clock went back: due T0 + 1h + 1s is more than one level-1 delay
  // past now, so Java's guard delivers it at once.
  CHECK(f.Deliver(kT0) == 1);
  CHECK(f.Bodies("T", 0) == std::vector<std::string>{"skewed"});
}

TEST_CASE("a delayed half message is dropped, the cursor moves on", "[delay]") {
  Fixture f;
  f.PutDelayed("RMQ_SYS_TRANS_HALF_TOPIC", 0, "half", 1);
  f.PutDelayed("T", 0, "a", 1);
  CHECK(f.Deliver(kT0 + 1000) == 1);
  CHECK(f.service->Offset(1) == 2);
  CHECK(f.Bodies("T", 0) == std::vector<std::string>{"a"});
  CHECK(f.store->MaxOffsetInQueue("RMQ_SYS_TRANS_HALF_TOPIC", QueueId(0))
            .value() == 0);
}

TEST_CASE("cursors persist in RocketMQ's delayOffset.json shape", "[delay]") {
  Fixture f;
  f.PutDelayed("T", 0, "a", 1);
  f.PutDelayed("T", 0, "b", 1);
  f.PutDelayed("T", 1, "c", 3);
  CHECK(f.Deliver(kT0 + 1000) == 2);
  REQUIRE_OK(f.service->Persist());

  // fastjson's pretty form, bare integer keys, no trailing newline.
  const std::string text = ReadFile(f.service->file_path());
  CHECK(text == "{\n\t\"offsetTable\":{1:2,2:0,3:0}\n}");
  CHECK(f.service->file_path() == f.dir / "config" / "delayOffset.json");
  rapidjson::Document doc;
  REQUIRE_OK(ParseFastjson(text, &doc));
  CHECK(doc["offsetTable"]["1"].GetInt64() == 2);

  // A restart resumes where delivery stopped: nothing is delivered twice.
  f.service->Stop();
  f.service = f.NewService();
  CHECK(f.service->Offset(1) == 2);
  CHECK(f.Deliver(kT0 + 1000) == 0);
  CHECK(f.Deliver(kT0 + 3000) == 1);
  CHECK(f.Bodies("T", 0) == std::vector<std::string>{"a", "b"});
  CHECK(f.Bodies("T", 1) == std::vector<std::string>{"c"});
  f.service->Stop();  // persists at stop
  CHECK(ReadFile(f.service->file_path()) ==
        "{\n\t\"offsetTable\":{1:2,2:0,3:1}\n}");
}

TEST_CASE("a RocketMQ-written delayOffset.json is read and clamped",
          "[delay]") {
  Fixture f;
  f.PutDelayed("T", 0, "a", 1);
  f.PutDelayed("T", 0, "b", 1);
  // As a Java broker writes it: only the levels it used, tab-indented; a
  // level offset past its queue's end (the CQ was rebuilt shorter) and a
  // level this broker does not configure (kept, not lost).
  f.service->Stop();  // its own persist must not overwrite the file below
  REQUIRE_OK(WriteConfigFile(f.dir / "config" / "delayOffset.json",
                             "{\n\t\"offsetTable\":{1:1,2:99,18:4}\n}"));
  f.service = f.NewService();
  CHECK(f.service->Offset(1) == 1);
  CHECK(f.service->Offset(2) == 0);  // clamped to its queue's max
  CHECK(f.service->Offset(18) == 4);
  CHECK(f.Deliver(kT0 + 1000) == 1);
  CHECK(f.Bodies("T", 0) == std::vector<std::string>{"b"});
  CHECK(f.service->Encode() == "{\n\t\"offsetTable\":{1:2,2:0,3:0,18:4}\n}");
}

TEST_CASE("a corrupt delayOffset.json without backup fails Load", "[delay]") {
  Fixture f;
  REQUIRE_OK(WriteConfigFile(f.dir / "config" / "delayOffset.json",
                             "{\"offsetTable\":{x:1}"));
  ScheduleMessageService s(
      *f.store, *f.logger,
      ScheduleMessageServiceOptions{.config_dir = f.dir / "config"});
  CHECK_FALSE(s.Load().ok());
}

TEST_CASE("the thread delivers and stops cleanly, persisting", "[delay]") {
  Fixture f;
  f.PutDelayed("T", 0, "a", 1);
  f.clock->Set(kT0 + 1000);
  f.service->Start();
  f.service->Wake();
  // The thread always makes one pass before it looks at the stop flag, so
  // the due message is delivered by the time Stop returns.
  f.service->Stop();
  f.service->Stop();  // idempotent
  CHECK(f.Bodies("T", 0) == std::vector<std::string>{"a"});
  CHECK(ReadFile(f.service->file_path()) ==
        "{\n\t\"offsetTable\":{1:1,2:0,3:0}\n}");
}

}  // namespace
}  // namespace rmq::broker
