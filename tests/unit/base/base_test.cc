#include <zlib.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "base/crc32.h"
#include "base/endian.h"
#include "base/file_names.h"
#include "base/strings.h"
#include "support/vectors.h"

namespace rmq {
namespace {

namespace tv = testing::tv;
using testing::ByteSpan;

TEST_CASE("both crc32 implementations equal zlib's on random input",
          "[unit][base]") {
  std::mt19937 rng(42);
  std::vector<std::byte> data(4096);
  for (auto& b : data) b = static_cast<std::byte>(rng());
  // Every size up to 300 (the folding path's 64-byte and 16-byte steps and
  // the table tail), then sparser up to 2100, at several alignments.
  for (size_t offset : {0, 1, 3, 7, 8}) {
    for (size_t size = 0; size + offset <= 2100;
         size += size < 300 ? 1 : 1 + size / 7) {
      const auto span = std::span<const std::byte>(data).subspan(offset, size);
      const uLong expected =
          crc32(0L, reinterpret_cast<const Bytef*>(span.data()),
                static_cast<uInt>(span.size()));
      INFO("offset " << offset << " size " << size);
      REQUIRE(Crc32(span) == static_cast<uint32_t>(expected));
      REQUIRE(Crc32Portable(span) == static_cast<uint32_t>(expected));
    }
  }
}

TEST_CASE("crc32 folds with PCLMULQDQ where the CPU has it", "[unit][base]") {
#if defined(__x86_64__)
  // Every x86-64 CPU since 2010 has it; the CI machines do.
  CHECK(Crc32UsesClmul() ==
        (__builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")));
#else
  CHECK_FALSE(Crc32UsesClmul());
#endif
}

TEST_CASE("crc32 is zlib's CRC-32", "[unit][base]") {
  CHECK(Crc32(ByteSpan("")) == 0u);
  CHECK(Crc32(ByteSpan("123456789")) == 0xCBF43926u);  // the check value
  CHECK(Crc32(ByteSpan(tv::kBody)) == tv::kCrc32Hello);
}

TEST_CASE("BodyCrc clears the sign bit", "[unit][base]") {
  CHECK(BodyCrc(ByteSpan("123456789")) == 0x4BF43926);
  CHECK(BodyCrc(ByteSpan(tv::kBody)) == tv::kBodyCrcHello);
  CHECK(BodyCrc(ByteSpan("")) == 0);
}

TEST_CASE("HexUpper writes two upper-case digits per byte", "[unit][base]") {
  const std::array<std::byte, 4> bytes = {std::byte{0x00}, std::byte{0x0A},
                                          std::byte{0xAB}, std::byte{0xFF}};
  CHECK(HexUpper(bytes) == "000AABFF");
  CHECK(HexUpper({}).empty());
}

TEST_CASE("HexDecode takes either case and rejects malformed hex",
          "[unit][base]") {
  std::string out;
  REQUIRE(HexDecode("c0A8000a", &out));
  CHECK(out == std::string("\xC0\xA8\x00\x0A", 4));
  REQUIRE(HexDecode("", &out));
  CHECK(out.empty());
  CHECK_FALSE(HexDecode("ABC", &out));
  CHECK_FALSE(HexDecode("0G", &out));
  CHECK_FALSE(HexDecode("0 ", &out));
  REQUIRE(HexDecode(tv::kMessageIdA, &out));
  CHECK(HexUpper(ByteSpan(out)) == tv::kMessageIdA);
}

TEST_CASE("TV-15: segment files are named by their 20-digit start offset",
          "[unit][base]") {
  CHECK(OffsetToFileName(0) == "00000000000000000000");
  CHECK(OffsetToFileName(1073741824) == "00000000001073741824");
  CHECK(OffsetToFileName(2147483648) == "00000000002147483648");
  CHECK(OffsetToFileName(6000000) == "00000000000006000000");
  CHECK(OffsetToFileName(INT64_MAX) == "09223372036854775807");
  CHECK(FileNameToOffset("00000000001073741824") == 1073741824);
  CHECK(FileNameToOffset("00000000000006000000") == 6000000);
  CHECK(FileNameToOffset("09223372036854775807") == INT64_MAX);
}

TEST_CASE("TV-15: a consume-queue offset maps to a file and a position",
          "[unit][base]") {
  constexpr int64_t kCqFileSize = 300000 * 20;
  const auto file_of = [](int64_t queue_offset) {
    return OffsetToFileName(queue_offset * 20 / kCqFileSize * kCqFileSize);
  };
  CHECK(file_of(300000) == "00000000000006000000");
  CHECK(300000 * 20 % kCqFileSize == 0);
  CHECK(file_of(299999) == "00000000000000000000");
  CHECK(299999 * 20 % kCqFileSize == 5999980);
}

TEST_CASE("only 20-digit names are segment files", "[unit][base]") {
  CHECK_FALSE(FileNameToOffset("0000000000000000000").has_value());
  CHECK_FALSE(FileNameToOffset("000000000000000000000").has_value());
  CHECK_FALSE(FileNameToOffset("0000000000000000000a").has_value());
  CHECK_FALSE(FileNameToOffset("00000000000000000000.tmp").has_value());
  CHECK_FALSE(FileNameToOffset("-0000000000000000001").has_value());
  CHECK_FALSE(FileNameToOffset("99999999999999999999").has_value());
  CHECK_FALSE(FileNameToOffset("20231114221320123").has_value());
}

TEST_CASE("integers are stored big-endian and round-trip", "[unit][base]") {
  std::array<std::byte, 8> buf{};
  StoreBE32(buf.data(), 0x7A);
  CHECK(buf[0] == std::byte{0});
  CHECK(buf[3] == std::byte{0x7A});
  CHECK(LoadBE32(buf.data()) == 0x7A);

  StoreBE32(buf.data(), static_cast<int32_t>(0xDAA320A7));
  CHECK(buf[0] == std::byte{0xDA});
  CHECK(buf[3] == std::byte{0xA7});
  CHECK(LoadBE32(buf.data()) == -626843481);

  StoreBE16(buf.data(), int16_t{-2});
  CHECK(buf[0] == std::byte{0xFF});
  CHECK(buf[1] == std::byte{0xFE});
  CHECK(LoadBE16(buf.data()) == -2);

  StoreBE64(buf.data(), tv::kStoreTimestamp);
  CHECK(HexUpper(buf) == "0000018BCFE5687B");
  CHECK(LoadBE64(buf.data()) == tv::kStoreTimestamp);
  StoreBE64(buf.data(), INT64_MIN);
  CHECK(LoadBE64(buf.data()) == INT64_MIN);
  CHECK(HexUpper(buf) == "8000000000000000");
}

}  // namespace
}  // namespace rmq
