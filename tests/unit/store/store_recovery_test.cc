// MessageStore across restarts: clean reopen, crashes with power loss,
// corrupted files, and I/O faults.

#include <catch2/catch.hpp>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "base/endian.h"
#include "rmq/store.h"
#include "rmq/verify.h"
#include "support/fake_clock.h"
#include "support/fault_injection_file_system.h"
#include "support/status_matchers.h"
#include "support/store_fixture.h"

namespace rmq {
namespace {

using testing::Decode;
using testing::Message;
using testing::MustOpen;
using testing::SmallStoreConfig;

// Checks that the record acknowledged by `put` is intact, by offset and
// through its queue.
void CheckPresent(const MessageStore& store, const PutResult& put,
                  std::string_view topic, int32_t queue,
                  std::string_view body) {
  auto looked = store.LookByOffset(put.physical_offset);
  REQUIRE_OK(looked);
  RecordView r = Decode(looked->records[0].bytes);
  CHECK(r.body == body);
  CHECK(r.queue_offset == put.queue_offset.value());
  auto got = store.Get(GetRequest{.topic = topic,
                                  .queue_id = QueueId(queue),
                                  .offset = put.queue_offset,
                                  .max_messages = 1});
  REQUIRE_OK(got);
  REQUIRE(got->records.size() == 1);
  CHECK(got->records[0].physical_offset == put.physical_offset);
}

void CheckClean(const StoreConfig& config) {
  auto report = VerifyStore(config);
  REQUIRE_OK(report);
  for (const std::string& p : report->problems) UNSCOPED_INFO(p);
  CHECK(report->problems.empty());
}

std::string BodyFor(int i) {
  return absl::StrCat("message-", i, std::string(i % 97, 'x'));
}

TEST_CASE("a clean reopen keeps everything and continues the offsets",
          "[store][recovery]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  std::vector<PutResult> puts;
  {
    auto store = MustOpen(config);
    for (int i = 0; i < 500; ++i) {
      auto put = store->Put(
          Message("Re", i % 4, BodyFor(i), "", absl::StrCat("k", i)));
      REQUIRE_OK(put);
      puts.push_back(*put);
    }
    REQUIRE_OK(store->Shutdown());
  }
  CHECK_FALSE(fs->Exists("store/abort"));
  auto store = MustOpen(config);
  const StoreStats stats = store->Stats();
  CHECK(stats.recovery.mode == RecoveryReport::Mode::kNormal);
  CHECK(stats.recovery.bytes_dropped == 0);
  for (int i = 0; i < 500; ++i)
    CheckPresent(*store, puts[i], "Re", i % 4, BodyFor(i));
  auto next = store->Put(Message("Re", 0, "after"));
  REQUIRE_OK(next);
  CHECK(next->queue_offset.value() == 125);
  CHECK(next->physical_offset.value() ==
        puts.back().physical_offset.value() + puts.back().bytes);
  auto query = store->QueryByKey("Re", "k321", 32, 0, INT64_MAX);
  REQUIRE_OK(query);
  CHECK(query->records.size() == 1);
  REQUIRE_OK(store->Shutdown());
  CheckClean(config);
}

TEST_CASE("every acknowledged SYNC_FLUSH message survives a power loss",
          "[store][recovery][powerloss]") {
  const auto mode = GENERATE(PowerLossMode::kRevert, PowerLossMode::kGarbage);
  const uint64_t seed = GENERATE(1, 2, 3);
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  config.flush_disk_type = FlushDiskType::kSyncFlush;
  config.mapped_file_size_commit_log = 8192;  // rolls during the run
  constexpr int kThreads = 3, kPuts = 120;
  std::vector<std::vector<std::pair<int, PutResult>>> acked(kThreads);
  {
    auto store = MustOpen(config);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = t; i < kPuts * kThreads; i += kThreads) {
          auto put = store->Put(Message("Sync", i % 4, BodyFor(i)));
          if (put.ok() && !put->flush_timed_out) acked[t].emplace_back(i, *put);
        }
      });
    }
    for (auto& th : threads) th.join();
    store->CrashForTesting();
  }
  fs->SimulatePowerLoss(mode, seed);
  auto store = MustOpen(config);
  CHECK(store->Stats().recovery.mode == RecoveryReport::Mode::kAbnormal);
  int checked = 0;
  for (const auto& per_thread : acked) {
    for (const auto& [i, put] : per_thread) {
      CheckPresent(*store, put, "Sync", i % 4, BodyFor(i));
      ++checked;
    }
  }
  CHECK(checked == kThreads * kPuts);
  REQUIRE_OK(store->Put(Message("Sync", 0, "after the crash")));
  REQUIRE_OK(store->Shutdown());
  CheckClean(config);
}

TEST_CASE("after an ASYNC_FLUSH power loss only unflushed messages are gone",
          "[store][recovery][powerloss]") {
  const uint64_t seed = GENERATE(7, 8);
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  config.mapped_file_size_commit_log = 8192;
  std::vector<PutResult> flushed, unflushed;
  {
    auto store = MustOpen(config);
    for (int i = 0; i < 200; ++i) {
      auto put = store->Put(Message("Async", i % 3, BodyFor(i)));
      REQUIRE_OK(put);
      flushed.push_back(*put);
    }
    REQUIRE_OK(store->Flush());
    for (int i = 200; i < 400; ++i) {
      auto put = store->Put(Message("Async", i % 3, BodyFor(i)));
      REQUIRE_OK(put);
      unflushed.push_back(*put);
    }
    store->CrashForTesting();
  }
  fs->SimulatePowerLoss(PowerLossMode::kGarbage, seed);
  auto store = MustOpen(config);
  for (int i = 0; i < 200; ++i) {
    CheckPresent(*store, flushed[i], "Async", i % 3, BodyFor(i));
  }
  // Whatever survived is a prefix of the log with dense queue offsets.
  const int64_t end = store->MaxPhysicalOffset().value();
  for (size_t k = 0; k < unflushed.size(); ++k) {
    const PutResult& put = unflushed[k];
    if (put.physical_offset.value() + put.bytes > end) break;
    CheckPresent(*store, put, "Async", (200 + k) % 3, BodyFor(200 + k));
  }
  for (int q = 0; q < 3; ++q) {
    const int64_t max = store->MaxOffsetInQueue("Async", QueueId(q)).value();
    auto put = store->Put(Message("Async", q, "next"));
    REQUIRE_OK(put);
    CHECK(put->queue_offset.value() == max);
  }
  REQUIRE_OK(store->Shutdown());
  CheckClean(config);
}

// Damages the record starting at `offset` in the commit log.
enum class Damage { kCrcByte, kTruncatedTail, kZeroedHeader, kWrongMagic };

void Corrupt(FileSystem& fs, const StoreConfig& config, int64_t offset,
             Damage damage) {
  const int64_t size = config.mapped_file_size_commit_log;
  const int64_t from = offset - offset % size;
  char name[32];
  std::snprintf(name, sizeof(name), "%020lld", static_cast<long long>(from));
  MapOptions options;
  options.size = static_cast<uint64_t>(size);
  options.create = false;
  auto region =
      fs.Map(std::filesystem::path(config.CommitLogDir()) / name, options);
  REQUIRE_OK(region);
  std::byte* p = (*region)->bytes().data() + (offset - from);
  switch (damage) {
    case Damage::kCrcByte:
      p[8] ^= std::byte{0x5A};
      break;
    case Damage::kTruncatedTail: {
      const int32_t total = LoadBE32(p);
      std::memset(p + total / 2, 0, size - (offset - from) - total / 2);
      break;
    }
    case Damage::kZeroedHeader:
      std::memset(p, 0, 8);
      break;
    case Damage::kWrongMagic:
      StoreBE32(p + 4, 0x12345678);
      break;
  }
  REQUIRE_OK((*region)->Sync(0, size));
}

TEST_CASE("recovery truncates the log at a damaged record in the last file",
          "[store][recovery][corruption]") {
  const Damage damage = GENERATE(Damage::kCrcByte, Damage::kTruncatedTail,
                                 Damage::kZeroedHeader, Damage::kWrongMagic);
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  std::vector<PutResult> puts;
  {
    auto store = MustOpen(config);
    for (int i = 0; i < 60; ++i) {
      auto put = store->Put(Message("Dmg", i % 2, BodyFor(i)));
      REQUIRE_OK(put);
      puts.push_back(*put);
    }
    REQUIRE_OK(store->Shutdown());
  }
  const PutResult& victim = puts[40];
  Corrupt(*fs, config, victim.physical_offset.value(), damage);

  auto store = MustOpen(config);
  const RecoveryReport report = store->Stats().recovery;
  INFO(report.ToString());
  CHECK(report.log_end == victim.physical_offset.value());
  CHECK(report.bytes_dropped > 0);
  CHECK_FALSE(report.stopped_because.empty());
  CHECK(store->MaxOffsetInQueue("Dmg", QueueId(0)).value() == 20);
  CHECK(store->MaxOffsetInQueue("Dmg", QueueId(1)).value() == 20);
  for (int i = 0; i < 40; ++i)
    CheckPresent(*store, puts[i], "Dmg", i % 2, BodyFor(i));
  auto next = store->Put(Message("Dmg", 0, "replacement"));
  REQUIRE_OK(next);
  CHECK(next->physical_offset == victim.physical_offset);
  CHECK(next->queue_offset.value() == 20);
  REQUIRE_OK(store->Shutdown());
  CheckClean(config);
}

TEST_CASE("damage in the middle of an older file is reported by verify",
          "[store][recovery][corruption]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  config.mapped_file_size_commit_log = 4096;
  std::vector<PutResult> puts;
  {
    auto store = MustOpen(config);
    for (int i = 0; i < 400; ++i) {
      auto put = store->Put(Message("Old", 0, BodyFor(i)));
      REQUIRE_OK(put);
      puts.push_back(*put);
    }
    REQUIRE_OK(store->Shutdown());
  }
  // A record of the third segment: recovery does not rescan it...
  auto in_third = std::find_if(
      puts.begin(), puts.end(),
      [](const PutResult& p) { return p.physical_offset.value() >= 2 * 4096; });
  Corrupt(*fs, config, in_third->physical_offset.value(), Damage::kCrcByte);
  { auto store = MustOpen(config); }
  // ...but verify finds it and names the file: nothing is silently dropped.
  auto verify = VerifyStore(config);
  REQUIRE_OK(verify);
  for (const auto& p : verify->problems) UNSCOPED_INFO(p);
  REQUIRE(verify->problems.size() == 1);  // the bad record, nothing else
  CHECK(verify->records == 400);
  CHECK_THAT(verify->problems[0], Catch::Contains("00000000000000008192"));
  CHECK_THAT(verify->problems[0], Catch::Contains("crc"));
}

TEST_CASE("a full disk fails the put cleanly and loses nothing",
          "[store][faults]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  config.mapped_file_size_commit_log = 4096;
  auto store = MustOpen(config);
  std::vector<PutResult> puts;
  auto first = store->Put(Message("Full", 0, BodyFor(0)));
  REQUIRE_OK(first);
  puts.push_back(*first);
  fs->SetCapacityBytes(fs->AllocatedBytes());  // no room for new files
  absl::Status failure;
  for (int i = 1; i < 400 && failure.ok(); ++i) {
    auto put = store->Put(Message("Full", 0, BodyFor(i)));
    if (put.ok()) {
      puts.push_back(*put);
    } else {
      failure = put.status();
    }
  }
  REQUIRE_FALSE(failure.ok());
  CHECK_THAT(failure, testing::StatusIs(absl::StatusCode::kResourceExhausted));
  const int64_t end = store->MaxPhysicalOffset().value();
  CHECK(end == puts.back().physical_offset.value() + puts.back().bytes);
  CHECK(store->MaxOffsetInQueue("Full", QueueId(0)).value() ==
        static_cast<int64_t>(puts.size()));
  fs->SetCapacityBytes(UINT64_MAX);  // space freed: writes resume
  auto after = store->Put(Message("Full", 0, "after"));
  REQUIRE_OK(after);
  CHECK(after->queue_offset.value() == static_cast<int64_t>(puts.size()));
  for (size_t i = 0; i < puts.size(); ++i) {
    CheckPresent(*store, puts[i], "Full", 0, BodyFor(static_cast<int>(i)));
  }
}

TEST_CASE("SYNC_FLUSH puts with wait_for_flush=false do not wait for the sync",
          "[store][faults]") {
  // A sync that fails makes a waiting put report flush_timed_out; a put that
  // does not wait returns before the sync and never sees it.
  auto mem = NewMemFileSystem();
  auto faults = std::make_shared<testing::FaultInjectionFileSystem>(mem);
  StoreConfig config = SmallStoreConfig(faults);
  config.flush_disk_type = FlushDiskType::kSyncFlush;
  auto store = MustOpen(config);
  faults->FailAfter(testing::FaultInjectionFileSystem::Op::kSync, 0,
                    absl::InternalError("fdatasync: EIO"));
  MessageToStore message = Message("Nw", 0, "no wait");
  message.wait_for_flush = false;
  auto put = store->Put(message);
  REQUIRE_OK(put);
  CHECK_FALSE(put->flush_timed_out);
  absl::Notification done;
  bool async_timed_out = true;
  store->PutAsync(message, [&](absl::StatusOr<PutResult> r) {
    async_timed_out = !r.ok() || r->flush_timed_out;
    done.Notify();
  });
  REQUIRE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  CHECK_FALSE(async_timed_out);
  store->CrashForTesting();
}

TEST_CASE("a failed fsync turns the store read-only and keeps acked data",
          "[store][faults]") {
  auto mem = NewMemFileSystem();
  auto faults = std::make_shared<testing::FaultInjectionFileSystem>(mem);
  StoreConfig config = SmallStoreConfig(faults);
  config.flush_disk_type = FlushDiskType::kSyncFlush;
  std::vector<PutResult> acked;
  {
    auto store = MustOpen(config);
    for (int i = 0; i < 20; ++i) {
      auto put = store->Put(Message("Fs", 0, BodyFor(i)));
      REQUIRE_OK(put);
      REQUIRE_FALSE(put->flush_timed_out);
      acked.push_back(*put);
    }
    faults->FailNext(testing::FaultInjectionFileSystem::Op::kSync,
                     absl::InternalError("fdatasync: EIO"));
    auto unconfirmed = store->Put(Message("Fs", 0, "not durable"));
    REQUIRE_OK(unconfirmed);  // appended, but its durability is unknown
    CHECK(unconfirmed->flush_timed_out);
    auto refused = store->Put(Message("Fs", 0, "refused"));
    CHECK_THAT(refused.status(),
               testing::StatusIs(absl::StatusCode::kFailedPrecondition));
    CHECK_THAT(std::string(refused.status().message()),
               Catch::Contains("read-only"));
    CHECK(store->Stats().read_only);
    CHECK_THAT(store->Stats().read_only_reason, Catch::Contains("EIO"));
    store->CrashForTesting();
  }
  mem->SimulatePowerLoss(PowerLossMode::kGarbage, 11);
  config.fs = mem;
  auto store = MustOpen(config);
  for (int i = 0; i < 20; ++i)
    CheckPresent(*store, acked[i], "Fs", 0, BodyFor(i));
}

TEST_CASE("segments are populated ahead of the writer, best effort",
          "[store][faults]") {
  using Op = testing::FaultInjectionFileSystem::Op;
  auto mem = NewMemFileSystem();
  auto faults = std::make_shared<testing::FaultInjectionFileSystem>(mem);
  StoreConfig config = SmallStoreConfig(faults);
  const std::string body(1000, 'p');
  auto store = MustOpen(config);
  std::vector<PutResult> acked;
  auto put_segment = [&] {  // ~1.5 segments of 64 KiB
    for (int i = 0; i < 100; ++i) {
      auto put = store->Put(Message("Pop", 0, body));
      REQUIRE_OK(put);
      acked.push_back(*put);
    }
  };
  put_segment();
  // Every segment is faulted in: when the writer takes it at once, or, when
  // pre-created in the background, once the writer nears it; and the one
  // being written again ahead of the writer.
  const int64_t segments = acked.back().physical_offset.value() /
                               config.mapped_file_size_commit_log +
                           1;
  CHECK(faults->AwaitCalls(Op::kPrefault, static_cast<int>(segments),
                           absl::Seconds(10)));

  // When populating fails, appends go on: it is only an optimization.
  faults->FailAfter(Op::kPrefault, 0, absl::InternalError("madvise: EIO"));
  put_segment();
  put_segment();
  CHECK(faults->Calls(Op::kPrefault) > segments);
  for (const PutResult& put : acked) CheckPresent(*store, put, "Pop", 0, body);
  CHECK_FALSE(store->Stats().read_only);
}

TEST_CASE(
    "after a crash and a checkpoint, the next recovery scans only the "
    "tail",
    "[store][recovery]") {
  auto fs = NewMemFileSystem();
  auto clock = std::make_shared<testing::FakeClock>(1700000000000);
  StoreConfig config = SmallStoreConfig(fs);
  config.clock = clock;
  config.mapped_file_size_commit_log = 4096;
  {
    auto store = MustOpen(config);
    for (int i = 0; i < 300; ++i) {
      REQUIRE_OK(store->Put(Message("Tail", 0, BodyFor(i))));
      clock->Advance(1000);
    }
    store->CrashForTesting();
  }
  {
    auto store = MustOpen(config);
    CHECK(store->Stats().recovery.scan_from == 0);  // nothing checkpointed
    REQUIRE_OK(store->Flush());  // a thorough pass writes the checkpoint
    store->CrashForTesting();
  }
  auto store = MustOpen(config);
  const RecoveryReport report = store->Stats().recovery;
  INFO(report.ToString());
  CHECK(report.mode == RecoveryReport::Mode::kAbnormal);
  CHECK(report.scan_from >= report.log_end - 2 * 4096);
  CHECK(store->MaxOffsetInQueue("Tail", QueueId(0)).value() == 300);
}

TEST_CASE("a clean reopen trusts the clean-shutdown record and scans nothing",
          "[store][recovery]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  config.mapped_file_size_commit_log = 4096;
  std::vector<PutResult> puts;
  {
    auto store = MustOpen(config);
    for (int i = 0; i < 200; ++i) {
      auto put = store->Put(Message("Clean", 0, BodyFor(i)));
      REQUIRE_OK(put);
      puts.push_back(*put);
    }
    REQUIRE_OK(store->Shutdown());
  }
  REQUIRE(fs->Exists("store/rmq_clean_shutdown"));
  {
    auto store = MustOpen(config);
    const RecoveryReport report = store->Stats().recovery;
    CHECK(report.mode == RecoveryReport::Mode::kNormal);
    CHECK(report.stopped_because == "clean shutdown record");
    CHECK(report.log_end ==
          puts.back().physical_offset.value() + puts.back().bytes);
    CHECK(report.scan_from == report.log_end);            // nothing was scanned
    CHECK_FALSE(fs->Exists("store/rmq_clean_shutdown"));  // used once
    auto next = store->Put(Message("Clean", 0, "next"));
    REQUIRE_OK(next);
    CHECK(next->queue_offset.value() == 200);
    store->CrashForTesting();
  }
  // After a crash there is no record to trust: the scan runs again.
  auto store = MustOpen(config);
  CHECK(store->Stats().recovery.mode == RecoveryReport::Mode::kAbnormal);
  CHECK(store->MaxOffsetInQueue("Clean", QueueId(0)).value() == 201);
}

TEST_CASE("a clean-shutdown record contradicted by the files is ignored",
          "[store][recovery]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  int64_t end_at_shutdown = 0;
  {
    auto store = MustOpen(config);
    for (int i = 0; i < 20; ++i) REQUIRE_OK(store->Put(Message("C", 0, "m")));
    REQUIRE_OK(store->Shutdown());
    end_at_shutdown = store->MaxPhysicalOffset().value();
  }
  // Another writer (RocketMQ knows nothing of our record) appends and stops.
  std::string saved;
  {
    auto read = fs->ReadFile("store/rmq_clean_shutdown");
    REQUIRE_OK(read);
    saved = *read;
    auto store = MustOpen(config);
    for (int i = 0; i < 5; ++i) REQUIRE_OK(store->Put(Message("C", 0, "m")));
    REQUIRE_OK(store->Shutdown());
  }
  REQUIRE_OK(fs->WriteFile("store/rmq_clean_shutdown", saved));  // stale
  auto store = MustOpen(config);
  const RecoveryReport report = store->Stats().recovery;
  CHECK(report.stopped_because != "clean shutdown record");
  CHECK(report.log_end > end_at_shutdown);
  CHECK(store->MaxOffsetInQueue("C", QueueId(0)).value() == 25);
}

TEST_CASE("files a crash left half-created are removed at open",
          "[store][recovery]") {
  auto fs = NewMemFileSystem();
  StoreConfig config = SmallStoreConfig(fs);
  {
    auto store = MustOpen(config);
    for (int i = 0; i < 10; ++i) REQUIRE_OK(store->Put(Message("H", 0, "m")));
    store->CrashForTesting();
  }
  // A kill between open(O_CREAT) and ftruncate leaves empty files behind.
  REQUIRE_OK(fs->WriteFile("store/commitlog/00000000000000065536", ""));
  REQUIRE_OK(fs->WriteFile("store/consumequeue/H/0/00000000000000006000", ""));
  REQUIRE_OK(fs->WriteFile("store/index/29991231235959999", ""));
  auto store = MustOpen(config);
  CHECK(store->MaxOffsetInQueue("H", QueueId(0)).value() == 10);
  // Gone, or already re-created whole by the segment allocator, which
  // prepares the next segment at open.
  if (fs->Exists("store/commitlog/00000000000000065536")) {
    auto size = fs->FileSize("store/commitlog/00000000000000065536");
    REQUIRE_OK(size);
    CHECK(*size == 65536);
  }
  CHECK_FALSE(fs->Exists("store/consumequeue/H/0/00000000000000006000"));
  REQUIRE_OK(store->Put(Message("H", 0, "after")));
}

}  // namespace
}  // namespace rmq
