#include "baseline.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace rmq::bench {
namespace {

using Clock = std::chrono::steady_clock;

absl::Status Errno(std::string_view what) {
  return absl::InternalError(absl::StrCat(
      absl::string_view(what.data(), what.size()), ": ", std::strerror(errno)));
}

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class ScopedFile {
 public:
  explicit ScopedFile(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  }
  ~ScopedFile() {
    if (fd_ >= 0) ::close(fd_);
    ::unlink(path_.c_str());
  }
  ScopedFile(const ScopedFile&) = delete;
  ScopedFile& operator=(const ScopedFile&) = delete;
  int fd() const { return fd_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace

absl::StatusOr<SeqWriteResult> MeasureSequentialWrite(
    const std::filesystem::path& dir, int64_t bytes) {
  SeqWriteResult result;
  {
    ScopedFile file(dir / "baseline-seq.tmp");
    if (file.fd() < 0) return Errno("open baseline file");
    std::vector<char> block(1 << 20, 'b');
    const auto start = Clock::now();
    for (int64_t done = 0; done < bytes;
         done += static_cast<int64_t>(block.size())) {
      if (::pwrite(file.fd(), block.data(), block.size(), done) < 0) {
        return Errno("pwrite");
      }
    }
    if (::fdatasync(file.fd()) != 0) return Errno("fdatasync");
    result.mb_per_sec = static_cast<double>(bytes) / (1 << 20) / Seconds(start);
  }
  {
    ScopedFile file(dir / "baseline-sync.tmp");
    if (file.fd() < 0) return Errno("open baseline file");
    char page[4096];
    std::memset(page, 's', sizeof(page));
    const auto start = Clock::now();
    int ops = 0;
    while (ops < 2000 && Seconds(start) < 1.0) {
      if (::pwrite(file.fd(), page, sizeof(page), int64_t{ops} * 4096) < 0 ||
          ::fdatasync(file.fd()) != 0) {
        return Errno("pwrite+fdatasync");
      }
      ++ops;
    }
    result.fdatasync_per_sec = ops / Seconds(start);
  }
  return result;
}

absl::StatusOr<GroupCommitResult> MeasureGroupCommit(
    const std::filesystem::path& dir, int producers, int64_t messages,
    int64_t record_bytes) {
  ScopedFile file(dir / "baseline-group-commit.tmp");
  if (file.fd() < 0) return Errno("open baseline file");
  absl::Mutex mu;
  int64_t written = 0;  // guarded by mu; writes are serialized under it
  int64_t synced = 0;
  bool stop = false;
  int waiting = 0;
  std::atomic<bool> failed{false};
  std::thread flusher([&] {
    while (true) {
      int64_t target = 0;
      {
        absl::MutexLock lock(&mu);
        auto work = [&]() { return stop || (waiting > 0 && written > synced); };
        mu.Await(absl::Condition(&work));
        if (stop) return;
        target = written;
      }
      if (::fdatasync(file.fd()) != 0) failed = true;
      absl::MutexLock lock(&mu);
      synced = target;
    }
  });
  std::vector<Histogram> latencies(static_cast<size_t>(producers));
  std::vector<std::thread> threads;
  const int64_t per_producer = messages / producers;
  const auto start = Clock::now();
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      std::vector<char> record(static_cast<size_t>(record_bytes), 'r');
      for (int64_t i = 0; i < per_producer; ++i) {
        const auto t0 = Clock::now();
        absl::MutexLock lock(&mu);
        const int64_t end = written + record_bytes;
        if (::pwrite(file.fd(), record.data(), record.size(), written) < 0) {
          failed = true;
        }
        written = end;
        ++waiting;
        auto durable = [&]() { return synced >= end; };
        mu.Await(absl::Condition(&durable));
        --waiting;
        latencies[p].Record(
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() -
                                                                 t0)
                .count());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = Seconds(start);
  {
    absl::MutexLock lock(&mu);
    stop = true;
  }
  flusher.join();
  if (failed) return Errno("group commit reference");
  GroupCommitResult result;
  for (const Histogram& h : latencies) result.latency_ns.Merge(h);
  result.msgs_per_sec = static_cast<double>(per_producer * producers) / seconds;
  return result;
}

}  // namespace rmq::bench
