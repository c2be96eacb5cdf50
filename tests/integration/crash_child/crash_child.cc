// rmq-crash-child STORE_DIR SEED
//
// The writer process of store_kill9_test. Opens the store (SYNC_FLUSH, small
// segments), then appends forever from WriterThreads(SEED) threads the
// messages crash_protocol.h derives from (SEED, thread, sequence). After each
// Put that returned OK and not flush_timed_out it writes one crash::Ack to
// stdout with a single write(2). It never exits on its own: the parent ends
// it with SIGKILL. Exit codes: 2 usage, 3 open failed, 4 a put failed,
// 5 writing an acknowledgement failed.

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "crash_protocol.h"
#include "rmq/store.h"

namespace {

void WriteAck(const rmq::crash::Ack& ack) {
  for (;;) {
    const ssize_t n = write(STDOUT_FILENO, &ack, sizeof(ack));
    if (n == static_cast<ssize_t>(sizeof(ack))) return;
    if (n < 0 && errno == EINTR) continue;
    // A pipe write of <= PIPE_BUF bytes is all or nothing, so anything else
    // is an error (EPIPE: the parent is gone).
    std::fprintf(stderr, "rmq-crash-child: writing an ack: %s\n",
                 n < 0 ? std::strerror(errno) : "short write");
    std::_Exit(5);
  }
}

[[noreturn]] void RunWriter(rmq::MessageStore& store, uint64_t seed,
                            uint32_t thread) {
  for (uint64_t seq = 0;; ++seq) {
    const rmq::MessageToStore message =
        rmq::crash::BuildMessage(seed, thread, seq);
    absl::StatusOr<rmq::PutResult> put = store.Put(message);
    if (!put.ok()) {
      std::fprintf(stderr, "rmq-crash-child: put %s failed: %s\n",
                   rmq::crash::CrashId(seed, thread, seq).c_str(),
                   put.status().ToString().c_str());
      std::_Exit(4);
    }
    if (put->flush_timed_out) continue;  // appended, but not known durable
    const rmq::crash::MessagePlan plan =
        rmq::crash::PlanMessage(seed, thread, seq);
    WriteAck(
        rmq::crash::Ack{.thread = thread,
                        .topic_index = static_cast<uint32_t>(plan.topic_index),
                        .sequence = seq,
                        .queue_id = plan.queue_id,
                        .size = put->bytes,
                        .queue_offset = put->queue_offset.value(),
                        .physical_offset = put->physical_offset.value()});
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: rmq-crash-child STORE_DIR SEED\n");
    return 2;
  }
  char* end = nullptr;
  errno = 0;
  const uint64_t seed = std::strtoull(argv[2], &end, 10);
  if (errno != 0 || end == argv[2] || *end != '\0') {
    std::fprintf(stderr, "rmq-crash-child: bad seed '%s'\n", argv[2]);
    return 2;
  }
  absl::StatusOr<std::unique_ptr<rmq::MessageStore>> store =
      rmq::MessageStore::Open(rmq::crash::CrashStoreConfig(argv[1]));
  if (!store.ok()) {
    std::fprintf(stderr, "rmq-crash-child: open %s: %s\n", argv[1],
                 store.status().ToString().c_str());
    return 3;
  }
  const int threads = rmq::crash::WriterThreads(seed);
  std::vector<std::jthread> writers;
  writers.reserve(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back(RunWriter, std::ref(**store), seed,
                         static_cast<uint32_t>(t));
  }
  // The writers never return; joining them keeps the store open until the
  // parent's SIGKILL.
  for (std::jthread& writer : writers) writer.join();
  return 0;
}
