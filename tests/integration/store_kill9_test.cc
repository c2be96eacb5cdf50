// Process-crash test (STYLE §3.6, crash tests, level 2). A child process
// (rmq-crash-child) appends under SYNC_FLUSH and reports every durable put
// over a pipe; the parent kills it with SIGKILL at a random point, reopens
// the store in-process and checks it against the expected state.
//
// What may legitimately differ after a kill -9: the page cache survives, so
// records that were written but not (yet) acknowledged may survive as well,
// and a record being copied at the moment of the kill is torn and dropped by
// recovery. Pending puts may therefore go either way (RocksDB's
// ExpectedState); everything else must hold exactly:
//  * every acknowledged put is at its physical offset with its queue offset,
//    topic, queue, body and keys, and readable by offset, by queue and by key;
//  * every record in the log is a whole message the child really sent, the
//    log is contiguous from offset 0, and no message appears twice;
//  * queue offsets are dense: the i-th record of a queue (in log order) has
//    queue offset i, and the consume queue points at exactly those records;
//  * whatever an earlier verification saw is never lost later;
//  * VerifyStore finds nothing wrong once the store is shut down.
//
// The seed is printed on failure; RMQ_CRASH_SEED=<seed> replays a run.

#ifndef RMQ_CRASH_CHILD
#error "RMQ_CRASH_CHILD must name the rmq-crash-child executable"
#endif

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "integration/crash_child/crash_protocol.h"
#include "rmq/commitlog/record.h"
#include "rmq/store.h"
#include "rmq/verify.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace rmq {
namespace {

using crash::Ack;
using Millis = std::chrono::milliseconds;

// Kill cycles; every fifth crash is left for the next child to recover.
constexpr int kCycles = 28;
// Acknowledgements wanted before the kill: 1..kMaxAcksPerCycle.
constexpr uint64_t kMaxAcksPerCycle = 400;
// Bounds on waiting for a child; only reached when something hangs.
constexpr Millis kAckTimeout{30000};
constexpr Millis kDrainTimeout{10000};

// Which message a record is: the child's seed, thread and sequence number.
struct MessageId {
  uint64_t seed = 0;
  uint32_t thread = 0;
  uint64_t sequence = 0;
  friend auto operator<=>(const MessageId&, const MessageId&) = default;
};

std::string ToString(const MessageId& id) {
  return crash::CrashId(id.seed, id.thread, id.sequence);
}

// A record found in the commit log after recovery.
struct FoundRecord {
  MessageId id;
  int topic_index = 0;
  int32_t queue_id = 0;
  int64_t queue_offset = 0;
  int32_t size = 0;
};

struct AckedPut {
  uint64_t seed = 0;
  Ack ack;
  MessageId id() const { return MessageId{seed, ack.thread, ack.sequence}; }
};

// What the store must hold: every acknowledged put of every cycle, and every
// record an earlier verification found (it was flushed by a clean shutdown).
struct ExpectedState {
  std::vector<AckedPut> acked;
  std::map<int64_t, FoundRecord> seen;
};

uint64_t TestSeed() {
  if (const char* env = std::getenv("RMQ_CRASH_SEED")) {
    uint64_t seed = 0;
    if (absl::SimpleAtoi(env, &seed)) return seed;
  }
  std::random_device device;
  return (uint64_t{device()} << 32) ^ device();
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exited ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return absl::StrCat("killed by signal ", WTERMSIG(status));
  }
  return absl::StrCat("wait status ", status);
}

// A running rmq-crash-child with its stdout on a pipe. Killed and reaped by
// the destructor when the test has not done so (a failed REQUIRE).
class CrashChild {
 public:
  CrashChild(const std::string& store_dir, uint64_t seed) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      error_ = absl::StrCat("pipe2: ", std::strerror(errno));
      return;
    }
    // Everything the child needs is built before fork: between fork and exec
    // it only makes async-signal-safe calls.
    std::string path = RMQ_CRASH_CHILD;
    std::string dir = store_dir;
    std::string seed_text = absl::StrCat(seed);
    std::array<char*, 4> argv = {path.data(), dir.data(), seed_text.data(),
                                 nullptr};
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid == 0) {
      if (dup2(fds[1], STDOUT_FILENO) < 0) _exit(126);  // clears CLOEXEC
      // Never outlive the test process, even if it dies before killing us.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(126);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    if (pid < 0) {
      error_ = absl::StrCat("fork: ", std::strerror(errno));
      close(fds[0]);
      return;
    }
    pid_ = pid;
    fd_ = fds[0];
  }

  ~CrashChild() {
    if (pid_ > 0) (void)KillAndReap();
    if (fd_ >= 0) close(fd_);
  }

  CrashChild(const CrashChild&) = delete;
  CrashChild& operator=(const CrashChild&) = delete;

  const std::string& error() const { return error_; }
  const std::vector<Ack>& acks() const { return acks_; }
  // Bytes of an incomplete acknowledgement at the end of the stream.
  size_t leftover_bytes() const { return buffer_.size(); }
  bool eof() const { return eof_; }

  // Reads acknowledgements until `count` have arrived, the pipe reaches end
  // of file or `timeout` passes. Returns whether `count` arrived.
  bool ReadAcks(size_t count, Millis timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (acks_.size() < count && !eof_) {
      const auto left = std::chrono::duration_cast<Millis>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      const int ready = poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno != EINTR) {
        error_ = absl::StrCat("poll: ", std::strerror(errno));
        eof_ = true;
      } else if (ready > 0) {
        ReadAvailable();
      }
    }
    return acks_.size() >= count;
  }

  // SIGKILL, reap, then read what the child wrote before it died. Returns the
  // wait status.
  int KillAndReap() {
    if (pid_ <= 0) return 0;  // never kill(-1, ...): that is every process
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    // The dead child held the only write end, so the pipe reaches EOF.
    ReadAcks(std::numeric_limits<size_t>::max(), kDrainTimeout);
    return status;
  }

 private:
  void ReadAvailable() {
    char chunk[4096];
    const ssize_t n = read(fd_, chunk, sizeof(chunk));
    if (n == 0) {
      eof_ = true;
      return;
    }
    if (n < 0) {
      if (errno != EINTR && errno != EAGAIN) {
        error_ = absl::StrCat("read: ", std::strerror(errno));
        eof_ = true;
      }
      return;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    size_t used = 0;
    while (buffer_.size() - used >= sizeof(Ack)) {
      Ack ack;
      std::memcpy(&ack, buffer_.data() + used, sizeof(Ack));
      acks_.push_back(ack);
      used += sizeof(Ack);
    }
    buffer_.erase(0, used);
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  bool eof_ = false;
  std::string error_;
  std::string buffer_;
  std::vector<Ack> acks_;
};

bool ParseCrashId(std::string_view text, MessageId* id) {
  const std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(text.data(), text.size()), ':');
  return parts.size() == 3 && absl::SimpleAtoi(parts[0], &id->seed) &&
         absl::SimpleAtoi(parts[1], &id->thread) &&
         absl::SimpleAtoi(parts[2], &id->sequence);
}

// Decodes the record at `offset` (checking its CRC) and checks that it is,
// field for field, the message its CRASH_ID names. Returns what is wrong
// (empty: nothing) and fills `out`.
std::string CheckRecord(const StoreConfig& config, int64_t offset,
                        std::span<const std::byte> bytes, FoundRecord* out) {
  absl::StatusOr<RecordView> record =
      DecodeRecord(bytes, DecodeOptions{.check_crc = true});
  if (!record.ok()) return record.status().ToString();
  if (record->is_blank()) return "is a blank marker";
  if (static_cast<size_t>(record->total_size) != bytes.size()) {
    return absl::StrCat("TOTALSIZE ", record->total_size, " but ", bytes.size(),
                        " bytes were returned");
  }
  if (record->physical_offset != offset) {
    return absl::StrCat("claims physical offset ", record->physical_offset);
  }
  std::string_view crash_id;
  MessageId id;
  if (!FindProperty(record->properties, crash::kPropertyCrashId, &crash_id) ||
      !ParseCrashId(crash_id, &id)) {
    return "has no valid CRASH_ID property";
  }
  const MessageToStore sent =
      crash::BuildMessage(id.seed, id.thread, id.sequence);
  const std::string properties = sent.properties.Serialize();
  std::string wrong;
  auto expect = [&wrong](bool ok, const char* field) {
    if (!ok) absl::StrAppend(&wrong, wrong.empty() ? "" : ", ", field);
  };
  expect(record->topic == sent.topic, "topic");
  expect(record->queue_id == sent.queue_id, "queue id");
  expect(record->flag == sent.flag, "flag");
  expect(record->body == sent.body, "body");
  expect(record->properties == properties, "properties");
  expect(record->born_timestamp == sent.born_timestamp_ms, "born timestamp");
  expect(record->born_host == sent.born_host, "born host");
  expect(record->store_host == config.store_host, "store host");
  expect(record->sys_flag == 0, "sysflag");
  expect(record->reconsume_times == 0, "reconsume times");
  expect(record->prepared_transaction_offset == 0, "prepared tx offset");
  if (!wrong.empty()) {
    return absl::StrCat("message ", ToString(id), " differs in: ", wrong);
  }
  *out = FoundRecord{
      .id = id,
      .topic_index =
          crash::PlanMessage(id.seed, id.thread, id.sequence).topic_index,
      .queue_id = record->queue_id,
      .queue_offset = record->queue_offset,
      .size = record->total_size};
  return "";
}

// Reads the whole commit log and checks every record (see CheckRecord), that
// the log is contiguous from 0 (a record that did not fit starts the next
// segment) and that no message appears twice. Returns the records by offset.
std::map<int64_t, FoundRecord> ScanLog(const MessageStore& store,
                                       const StoreConfig& config) {
  const int64_t segment = crash::kCommitLogSegmentSize;
  std::map<int64_t, FoundRecord> found;
  std::set<MessageId> ids;
  std::string problem;
  int64_t end = 0;  // end of the previous record
  const absl::Status scanned = store.ScanCommitLog(
      PhysicalOffset(0),
      [&](PhysicalOffset at, std::span<const std::byte> bytes) {
        const int64_t offset = at.value();
        if (offset != end && offset != (end / segment + 1) * segment) {
          problem = absl::StrCat("record at ", offset,
                                 " does not follow the one ending at ", end);
          return false;
        }
        FoundRecord record;
        problem = CheckRecord(config, offset, bytes, &record);
        if (!problem.empty()) {
          problem = absl::StrCat("record at ", offset, ": ", problem);
          return false;
        }
        if (!ids.insert(record.id).second) {
          problem = absl::StrCat("message ", ToString(record.id),
                                 " is in the log twice, again at ", offset);
          return false;
        }
        found.emplace(offset, record);
        end = offset + static_cast<int64_t>(bytes.size());
        return true;
      });
  REQUIRE_OK(scanned);
  INFO(problem);
  REQUIRE(problem.empty());
  CHECK(store.MinPhysicalOffset().value() == 0);
  // The readable end is the end of the last record, or the end of its
  // segment when a blank marker closed it.
  const int64_t max = store.MaxPhysicalOffset().value();
  INFO("max physical offset " << max << ", last record ends at " << end);
  CHECK(
      (max == end || (max % segment == 0 && max > end && max - end < segment)));
  return found;
}

void CheckAckedPuts(const MessageStore& store, const StoreConfig& config,
                    const ExpectedState& expected,
                    const std::map<int64_t, FoundRecord>& found) {
  for (const AckedPut& put : expected.acked) {
    const Ack& ack = put.ack;
    const std::string topic =
        crash::TopicName(static_cast<int>(ack.topic_index));
    INFO("acknowledged put "
         << ToString(put.id()) << ": " << topic << "/" << ack.queue_id
         << " queue offset " << ack.queue_offset << ", physical offset "
         << ack.physical_offset << ", " << ack.size << " bytes");
    const auto it = found.find(ack.physical_offset);
    REQUIRE(it != found.end());
    const FoundRecord& record = it->second;
    INFO("found " << ToString(record.id) << " queue offset "
                  << record.queue_offset << ", " << record.size << " bytes");
    REQUIRE(record.id == put.id());
    REQUIRE(record.size == ack.size);
    REQUIRE(record.topic_index == static_cast<int>(ack.topic_index));
    REQUIRE(record.queue_id == ack.queue_id);
    REQUIRE(record.queue_offset == ack.queue_offset);

    absl::StatusOr<GetResult> looked =
        store.LookByOffset(PhysicalOffset(ack.physical_offset));
    REQUIRE_OK(looked);
    REQUIRE(looked->records.size() == 1);
    FoundRecord by_offset;
    const std::string problem = CheckRecord(
        config, ack.physical_offset, looked->records[0].bytes, &by_offset);
    INFO(problem);
    REQUIRE(problem.empty());
    REQUIRE(by_offset.id == put.id());

    absl::StatusOr<GetResult> got =
        store.Get(GetRequest{.topic = topic,
                             .queue_id = QueueId(ack.queue_id),
                             .offset = QueueOffset(ack.queue_offset),
                             .max_messages = 1});
    REQUIRE_OK(got);
    INFO("Get status " << GetStatusName(got->status));
    REQUIRE(got->status == GetStatus::kFound);
    REQUIRE(got->records.size() == 1);
    REQUIRE(got->records[0].physical_offset.value() == ack.physical_offset);
  }
}

// The i-th record of every queue, in log order, has queue offset i, and the
// consume queue yields exactly those records.
void CheckQueuesAreDense(const MessageStore& store,
                         const std::map<int64_t, FoundRecord>& found) {
  std::map<std::pair<int, int32_t>, std::vector<int64_t>> queues;
  for (const auto& [offset, record] : found) {
    std::vector<int64_t>& queue = queues[{record.topic_index, record.queue_id}];
    INFO("record " << ToString(record.id) << " at " << offset << " in "
                   << crash::TopicName(record.topic_index) << "/"
                   << record.queue_id);
    REQUIRE(record.queue_offset == static_cast<int64_t>(queue.size()));
    queue.push_back(offset);
  }
  std::set<std::pair<std::string, int32_t>> listed;
  for (const auto& queue : store.ListQueues()) listed.insert(queue);
  for (int t = 0; t < crash::kTopics; ++t) {
    const std::string topic = crash::TopicName(t);
    for (int32_t q = 0; q < crash::kQueuesPerTopic; ++q) {
      const std::vector<int64_t>& offsets = queues[{t, q}];
      const auto count = static_cast<int64_t>(offsets.size());
      INFO("queue " << topic << "/" << q << " holds " << count
                    << " records in the log");
      CHECK(store.MinOffsetInQueue(topic, QueueId(q)).value() == 0);
      REQUIRE(store.MaxOffsetInQueue(topic, QueueId(q)).value() == count);
      if (count > 0) CHECK(listed.contains({topic, q}));
      int64_t next = 0;
      while (next < count) {
        absl::StatusOr<GetResult> got =
            store.Get(GetRequest{.topic = topic,
                                 .queue_id = QueueId(q),
                                 .offset = QueueOffset(next)});
        REQUIRE_OK(got);
        INFO("Get from " << next << ": " << GetStatusName(got->status));
        REQUIRE(got->status == GetStatus::kFound);
        REQUIRE(!got->records.empty());
        for (const StoredRecord& record : got->records) {
          INFO("queue offset " << next);
          REQUIRE(next < count);
          REQUIRE(record.physical_offset.value() ==
                  offsets[static_cast<size_t>(next)]);
          ++next;
        }
        REQUIRE(got->next_begin_offset.value() == next);
      }
    }
  }
  for (const auto& [topic, queue] : listed) {
    INFO("listed queue " << topic << "/" << queue);
    CHECK(topic.starts_with("CrashTopic"));
  }
}

void CheckQueryByKey(const MessageStore& store, int64_t offset,
                     const MessageId& id, const std::string& topic) {
  for (const std::string& key :
       {crash::MessageKey(id.seed, id.thread, id.sequence),
        crash::UniqueKey(id.seed, id.thread, id.sequence)}) {
    INFO("QueryByKey " << topic << " " << key << ", expected at " << offset);
    absl::StatusOr<QueryResult> hits = store.QueryByKey(
        topic, key, 32, 0, std::numeric_limits<int64_t>::max());
    REQUIRE_OK(hits);
    REQUIRE(hits->records.size() == 1);
    CHECK(hits->records[0].physical_offset.value() == offset);
  }
}

// Opens the store after a crash and checks it against `expected`, then shuts
// it down and runs VerifyStore. `child_acked`: the last child acknowledged
// a put, so it had written the abort file and recovery must be abnormal.
void VerifyRecoveredStore(const StoreConfig& config, bool child_acked,
                          std::mt19937_64& rng, ExpectedState& expected) {
  absl::StatusOr<std::unique_ptr<MessageStore>> opened =
      MessageStore::Open(config);
  REQUIRE_OK(opened);
  MessageStore& store = **opened;
  const RecoveryReport recovery = store.Stats().recovery;
  INFO("recovery: " << recovery.ToString());
  if (child_acked) CHECK(recovery.mode == RecoveryReport::Mode::kAbnormal);

  std::map<int64_t, FoundRecord> found = ScanLog(store, config);
  CheckAckedPuts(store, config, expected, found);
  for (const auto& [offset, before] : expected.seen) {
    INFO("record " << ToString(before.id) << " at " << offset
                   << " was there at an earlier verification");
    const auto it = found.find(offset);
    REQUIRE(it != found.end());
    REQUIRE(it->second.id == before.id);
    REQUIRE(it->second.queue_offset == before.queue_offset);
  }
  CheckQueuesAreDense(store, found);

  // Keys of a few acknowledged puts and of a few records of any kind.
  for (int i = 0; i < 6 && !expected.acked.empty(); ++i) {
    const AckedPut& put = expected.acked[rng() % expected.acked.size()];
    CheckQueryByKey(store, put.ack.physical_offset, put.id(),
                    crash::TopicName(static_cast<int>(put.ack.topic_index)));
  }
  if (!found.empty()) {
    std::vector<int64_t> offsets;
    offsets.reserve(found.size());
    for (const auto& entry : found) offsets.push_back(entry.first);
    for (int i = 0; i < 4; ++i) {
      const int64_t offset = offsets[rng() % offsets.size()];
      const FoundRecord& record = found.at(offset);
      CheckQueryByKey(store, offset, record.id,
                      crash::TopicName(record.topic_index));
    }
  }

  REQUIRE_OK(store.Shutdown());
  opened->reset();

  absl::StatusOr<VerifyReport> report = VerifyStore(config);
  REQUIRE_OK(report);
  INFO("VerifyStore problems:\n" << absl::StrJoin(report->problems, "\n"));
  REQUIRE(report->clean());
  CHECK(report->records == static_cast<int64_t>(found.size()));
  expected.seen = std::move(found);
}

TEST_CASE("every acknowledged put survives repeated kill -9 of the writer",
          "[integration][crash]") {
  const uint64_t seed = TestSeed();
  CAPTURE(seed);
  testing::TempDir dir;
  const StoreConfig config = crash::CrashStoreConfig((dir / "store").string());
  std::mt19937_64 rng(seed);
  ExpectedState expected;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    const uint64_t child_seed = crash::Mix(seed + static_cast<uint64_t>(cycle));
    // One cycle in eight kills the child at a random moment of its start-up
    // (exec, open, recovery), usually before any acknowledgement.
    const bool kill_at_start = rng() % 8 == 0;
    const size_t wanted =
        kill_at_start ? 0 : static_cast<size_t>(1 + rng() % kMaxAcksPerCycle);
    const Millis start_window(rng() % 40);
    CAPTURE(cycle, child_seed, wanted);

    CrashChild child(config.store_path_root_dir, child_seed);
    REQUIRE(child.error().empty());
    bool arrived = true;
    if (kill_at_start) {
      // Whatever is acknowledged within the window counts.
      (void)child.ReadAcks(std::numeric_limits<size_t>::max(), start_window);
    } else {
      arrived = child.ReadAcks(wanted, kAckTimeout);
    }
    const int status = child.KillAndReap();
    INFO("child " << DescribeWaitStatus(status) << " after "
                  << child.acks().size() << " acknowledgements");
    REQUIRE(WIFSIGNALED(status));  // it never exits on its own
    REQUIRE(WTERMSIG(status) == SIGKILL);
    REQUIRE(arrived);
    REQUIRE(child.error().empty());
    REQUIRE(child.eof());
    REQUIRE(child.leftover_bytes() == 0);
    for (const Ack& ack : child.acks()) {
      expected.acked.push_back(AckedPut{child_seed, ack});
    }

    // Some crashes are recovered by the next child itself, so the writer's
    // own recovery-then-append path is exercised too.
    if (cycle % 5 != 2 || cycle + 1 == kCycles) {
      VerifyRecoveredStore(config, !child.acks().empty(), rng, expected);
    }
  }
  INFO(expected.acked.size() << " acknowledged puts, " << expected.seen.size()
                             << " records in the log");
  CHECK(!expected.acked.empty());
}

}  // namespace
}  // namespace rmq
