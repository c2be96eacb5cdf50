#include "base/java_hash.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "support/vectors.h"

namespace rmq {
namespace {

namespace tv = testing::tv;

TEST_CASE("TV-2: hashes follow Java's String.hashCode", "[unit][java_hash]") {
  CHECK(JavaStringHash("TagA") == tv::kTagAHash);
  CHECK(JavaStringHash("TagA") == 0x0027A807);
  CHECK(JavaStringHash(tv::kNegativeHashTag) == tv::kNegativeHashTagHash);
  CHECK(static_cast<uint32_t>(JavaStringHash(tv::kNegativeHashTag)) ==
        0xE6FF39ECu);
}

TEST_CASE("TV-17: index hashes, including the Integer.MIN_VALUE key",
          "[unit][java_hash]") {
  for (const auto& c : tv::kIndexHashCases) {
    INFO("key '" << c.key << "'");
    CHECK(JavaStringHash(c.key) == c.java_hash);
    CHECK(IndexKeyHash(c.key) == c.index_hash);
    CHECK(IndexKeyHash(c.key) % tv::kIndexSlotCount == c.index_hash);
  }
  CHECK(JavaStringHash("polygenelubricants") == INT32_MIN);
  CHECK(IndexKeyHash("polygenelubricants") == 0);
}

TEST_CASE("TV-6, TV-8: index keys of vectors A and B", "[unit][java_hash]") {
  CHECK(JavaStringHash(tv::kIndexKeyA) == tv::kIndexKeyAHash);
  CHECK(IndexKeyHash(tv::kIndexKeyA) % tv::kIndexSlotCount ==
        tv::kIndexKeyASlot);
  CHECK(JavaStringHash(tv::kIndexKeyUniq) == tv::kIndexKeyUniqJavaHash);
  CHECK(IndexKeyHash(tv::kIndexKeyUniq) == tv::kIndexKeyUniqHash);
  CHECK(IndexKeyHash(tv::kIndexKeyUniq) % tv::kIndexSlotCount ==
        tv::kIndexKeyUniqSlot);
}

TEST_CASE("non-ASCII text hashes its UTF-16 code units, not its bytes",
          "[unit][java_hash]") {
  CHECK(JavaStringHash("\xC3\xA9") == 233);  // "é" = U+00E9
  CHECK(JavaStringLength("\xC3\xA9") == 1);
  CHECK(JavaStringHash("a\xC3\xA9") == 97 * 31 + 233);
  CHECK(JavaStringHash("\xE2\x82\xAC") == 0x20AC);  // "€", 3 UTF-8 bytes
  CHECK(JavaStringLength("\xE2\x82\xAC") == 1);
}

TEST_CASE("a character outside the BMP counts as a surrogate pair",
          "[unit][java_hash]") {
  const std::string grinning = "\xF0\x9F\x98\x80";  // U+1F600 = D83D DE00
  CHECK(JavaStringLength(grinning) == 2);
  CHECK(JavaStringHash(grinning) == 0xD83D * 31 + 0xDE00);
}

TEST_CASE("malformed UTF-8 hashes as U+FFFD, one per invalid sequence",
          "[unit][java_hash]") {
  CHECK(JavaStringHash("\xFF") == 0xFFFD);
  CHECK(JavaStringLength("\xFF") == 1);
  CHECK(JavaStringHash("a\377b") == (97 * 31 + 0xFFFD) * 31 + 98);
  CHECK(JavaStringLength("a\377b") == 3);
  // A truncated 3-byte sequence is one maximal invalid subsequence.
  CHECK(JavaStringHash("\xE2\x82") == 0xFFFD);
  CHECK(JavaStringLength("\xE2\x82") == 1);
  // A lone continuation byte is invalid on its own.
  CHECK(JavaStringLength("\x80\x80") == 2);
}

TEST_CASE("JavaStringLength counts UTF-16 units", "[unit][java_hash]") {
  CHECK(JavaStringLength("") == 0);
  CHECK(JavaStringLength("TopicTest") == 9);
  CHECK(JavaStringLength("T\xC3\xA9\xF0\x9F\x98\x80") == 4);
}

}  // namespace
}  // namespace rmq
