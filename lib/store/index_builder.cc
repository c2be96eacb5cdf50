#include "store/index_builder.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "base/thread_name.h"
#include "rmq/commitlog/record.h"

namespace rmq {

IndexBuilder::IndexBuilder(CommitLog& log, DurabilityTracker& tracker,
                           IndexService& index, Logger& logger, int64_t from,
                           int64_t keyed_end)
    : log_(log),
      tracker_(tracker),
      index_(index),
      logger_(logger),
      indexed_(from),
      keyed_end_(keyed_end) {}

IndexBuilder::~IndexBuilder() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void IndexBuilder::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

bool IndexBuilder::IndexAvailable() {
  absl::MutexLock lock(&run_mu_);
  const int64_t end = tracker_.committed();
  int64_t offset = indexed_.load();
  if (keyed_end_.load(std::memory_order_relaxed) <= offset) {
    // Nothing from here to the committed end has a key: the index would
    // take nothing from it. Decoding every record cost this thread ~240
    // perf samples per 1M 1 KiB appends, on the CPU the populating thread
    // needs. (RocketMQ's clients set UNIQ_KEY on every message, so behind
    // a broker the builder reads them all; key-less embedders skip.)
    if (offset < end) indexed_.store(end);
    return true;
  }
  if (offset < log_.MinOffset()) offset = log_.MinOffset();
  while (offset < end) {
    absl::StatusOr<LogSlice> slice = log_.ReadToSegmentEnd(offset, end);
    if (!slice.ok() || slice->bytes.empty()) {
      logger_.Log(LogLevel::kError,
                  absl::StrCat("index builder: reading offset ", offset, ": ",
                               slice.status().ToString()));
      return false;
    }
    std::span<const std::byte> bytes = slice->bytes;
    while (!bytes.empty()) {
      bool segment_done = false;
      const int64_t batch_bytes =
          DecodeBatch(offset, bytes, batch_, &segment_done);
      if (absl::Status built = index_.BuildIndex(batch_); !built.ok()) {
        logger_.Log(LogLevel::kError,
                    absl::StrCat("index builder: ", built.ToString()));
        // Records of the batch already indexed are skipped next time: the
        // index ignores offsets below its newest file's end.
        indexed_.store(offset);
        return false;
      }
      offset += batch_bytes;
      if (segment_done) {
        const int64_t size = log_.file_size();
        offset = offset - offset % size + size;
        break;
      }
    }
    indexed_.store(std::min(offset, end));
  }
  return true;
}

int64_t IndexBuilder::DecodeBatch(int64_t offset,
                                  std::span<const std::byte>& bytes,
                                  std::vector<RecordView>& batch,
                                  bool* segment_done) {
  batch.clear();
  int64_t decoded = 0;
  while (!bytes.empty() && batch.size() < kBatchRecords) {
    absl::StatusOr<RecordView> record = DecodeRecord(bytes);
    if (!record.ok()) {
      // Cannot happen below the committed watermark unless the file was
      // damaged under us: the caller skips to the next segment rather than
      // spin.
      logger_.Log(LogLevel::kError,
                  absl::StrCat("index builder: record at ", offset + decoded,
                               ": ", record.status().ToString()));
    }
    if (!record.ok() || record->is_blank()) {
      *segment_done = true;
      break;
    }
    decoded += record->total_size;
    bytes = bytes.subspan(record->total_size);
    batch.push_back(*std::move(record));
  }
  records_read_.fetch_add(static_cast<int64_t>(batch.size()),
                          std::memory_order_relaxed);
  return decoded;
}

void IndexBuilder::CatchUp() { IndexAvailable(); }

void IndexBuilder::Run(std::stop_token stop) {
  NameThisThread("IndexBuilder");
  while (!stop.stop_requested()) {
    const bool ok = IndexAvailable();
    absl::MutexLock lock(&mu_);
    auto stopping = [this]()
                        ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    // Polls, as RocketMQ's reput service does every 1 ms: waking the thread
    // from the put path cost a futex wake per put (10% of the CPU at 10,000
    // queues). Queries catch up themselves (CatchUp), so nothing waits on
    // this delay. After an error, retry in a second.
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping),
                             ok ? absl::Milliseconds(1) : absl::Seconds(1))) {
      return;
    }
  }
}

}  // namespace rmq
