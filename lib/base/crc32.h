#pragma once
// CRC-32 (zlib/IEEE, java.util.zip.CRC32) as RocketMQ stores it.

#include <cstddef>
#include <cstdint>
#include <span>

namespace rmq {

// The zlib/IEEE CRC-32 of `data`: carry-less multiplication (PCLMULQDQ)
// where the CPU has it, else slicing-by-8. Equal to zlib's crc32.
uint32_t Crc32(std::span<const std::byte> data);

// The BODYCRC field of a commit-log record: crc32(body) & 0x7FFFFFFF.
inline int32_t BodyCrc(std::span<const std::byte> body) {
  return static_cast<int32_t>(Crc32(body) & 0x7FFFFFFFu);
}

// For tests: each implementation on its own.
uint32_t Crc32Portable(std::span<const std::byte> data);
// Whether Crc32 uses the carry-less multiplication path on this CPU.
bool Crc32UsesClmul();

}  // namespace rmq
