#pragma once
// `rmq_clean_shutdown`: a small file of ours (RocketMQ ignores it) written at
// the end of a clean shutdown, saying exactly where the commit log ends, so
// the next open does not have to find the end by CRC-scanning the last three
// segments (up to 3 GiB with the default 1 GiB segments). It is removed as
// soon as a store opens, before the abort file is written: after a crash it
// is never there to be trusted.
//
// Layout (48 bytes, big-endian):
//   magic "RMQCLEAN" 8 | version 4 (1) | flags 4 (0) | log_end 8 |
//   last_store_timestamp 8 | tail_hash 8 | XXH64 of the 40 bytes before it 8
// tail_hash is XXH64 of the last segment's bytes in the window
// [max(segment start, log_end - 1 MiB), log_end): the open re-hashes it, so
// damage near the end since the shutdown sends it back to the full scan.
// A reader ignores a file whose magic, version, size or checksum is wrong.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>

#include "absl/status/statusor.h"
#include "rmq/io/file_system.h"

namespace rmq {

inline constexpr char kCleanShutdownFile[] = "rmq_clean_shutdown";

struct CleanShutdownRecord {
  int64_t log_end = 0;
  int64_t last_store_timestamp = 0;
  uint64_t tail_hash = 0;
};

// The tail window's hash, from the bytes of the segment holding the end
// (`segment` starts at `segment_from`).
uint64_t CleanTailHash(std::span<const std::byte> segment, int64_t segment_from,
                       int64_t log_end);

absl::Status WriteCleanShutdown(FileSystem& fs,
                                const std::filesystem::path& path,
                                const CleanShutdownRecord& record);
// nullopt when absent or not a valid record of this version.
std::optional<CleanShutdownRecord> ReadCleanShutdown(
    FileSystem& fs, const std::filesystem::path& path);

}  // namespace rmq
