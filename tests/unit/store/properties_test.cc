#include "rmq/properties.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace rmq {
namespace {

using ::rmq::testing::StatusIs;

PropertiesFile MustParse(std::string_view text) {
  absl::StatusOr<PropertiesFile> file = PropertiesFile::Parse(text);
  INFO(file.status().ToString());
  REQUIRE(file.ok());
  return *std::move(file);
}

std::string ValueOf(const PropertiesFile& file, std::string_view key) {
  const PropertyEntry* entry = file.Find(key);
  INFO("key " << std::string(key));
  REQUIRE(entry != nullptr);
  return entry->value;
}

TEST_CASE("Properties: the three separators and surrounding blanks") {
  const PropertiesFile file = MustParse(
      "a=1\n"
      "b: 2\n"
      "c 3\n"
      "  d   =   4\n"
      "e\t:\tfive\n"
      "f := g\n"
      "h\n"
      "i=\n");
  CHECK(ValueOf(file, "a") == "1");
  CHECK(ValueOf(file, "b") == "2");
  CHECK(ValueOf(file, "c") == "3");
  CHECK(ValueOf(file, "d") == "4");
  CHECK(ValueOf(file, "e") == "five");
  // Only one separator is consumed: the '=' after ':' belongs to the value.
  CHECK(ValueOf(file, "f") == "= g");
  CHECK(ValueOf(file, "h") == "");
  CHECK(ValueOf(file, "i") == "");
  CHECK(file.entries().size() == 8);
}

TEST_CASE("Properties: trailing whitespace of a value is kept") {
  const PropertiesFile file = MustParse("brokerRole=SLAVE \t\nx = y  ");
  CHECK(ValueOf(file, "brokerRole") == "SLAVE \t");
  CHECK(ValueOf(file, "x") == "y  ");
}

TEST_CASE("Properties: comments and blank lines are skipped") {
  const PropertiesFile file = MustParse(
      "# comment\n"
      "   ! bang comment\n"
      "\n"
      "   \t\n"
      "# a comment ending in a backslash does not continue \\\n"
      "a=1\n"
      "b=x # not a comment\n");
  REQUIRE(file.entries().size() == 2);
  CHECK(ValueOf(file, "a") == "1");
  CHECK(ValueOf(file, "b") == "x # not a comment");
}

TEST_CASE("Properties: backslash continues a line, dropping leading blanks") {
  const PropertiesFile file = MustParse(
      "list=a,\\\n"
      "      b,\\\n"
      "\t# not a comment here\n"
      "even=x\\\\\n"
      "next=1\n"
      "last=end\\");
  CHECK(ValueOf(file, "list") == "a,b,# not a comment here");
  CHECK(ValueOf(file, "even") == "x\\");
  CHECK(ValueOf(file, "next") == "1");
  // A backslash at the very end of the input is dropped.
  CHECK(ValueOf(file, "last") == "end");
}

TEST_CASE(
    "Properties: a continuation followed by a blank line ends the entry") {
  const PropertiesFile file = MustParse("a=1\\\n\nb=2\n");
  CHECK(ValueOf(file, "a") == "1");
  CHECK(ValueOf(file, "b") == "2");
  CHECK(file.entries().size() == 2);
}

TEST_CASE("Properties: escapes in keys and values") {
  const PropertiesFile file = MustParse(
      "my\\ key\\=x\\:y=1\n"
      "ctl=\\t\\n\\r\\f\\\\\\q\n"
      "sp=\\  lead\n");
  CHECK(ValueOf(file, "my key=x:y") == "1");
  CHECK(ValueOf(file, "ctl") == "\t\n\r\f\\q");
  // An escaped blank is not a leading blank.
  CHECK(ValueOf(file, "sp") == "  lead");
}

TEST_CASE("Properties: unicode escapes become UTF-8") {
  const PropertiesFile file = MustParse(
      "e=\\u00e9\n"
      "euro=\\u20AC\n"
      "smile=\\uD83D\\uDE00\n"
      "lone=\\uD800x\n"
      "k\\u0041=key\n");
  CHECK(ValueOf(file, "e") == "\xC3\xA9");
  CHECK(ValueOf(file, "euro") == "\xE2\x82\xAC");
  CHECK(ValueOf(file, "smile") == "\xF0\x9F\x98\x80");
  CHECK(ValueOf(file, "lone") == "\xEF\xBF\xBDx");
  CHECK(ValueOf(file, "kA") == "key");
}

TEST_CASE("Properties: raw non-ASCII bytes pass through unchanged") {
  const PropertiesFile file = MustParse("p=v2-\xC3\xBCn\n");
  CHECK(ValueOf(file, "p") == "v2-\xC3\xBCn");
}

TEST_CASE("Properties: a malformed unicode escape names source and line") {
  const absl::StatusOr<PropertiesFile> file =
      PropertiesFile::Parse("a=1\n\nb=\\u12G4\n", "broker.properties");
  REQUIRE_THAT(file.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string message(file.status().message());
  CHECK(message.rfind("broker.properties:3: ", 0) == 0);
  CHECK(message.find("\\u12G4") != std::string::npos);

  CHECK_THAT(PropertiesFile::Parse("short=\\u12").status(),
             StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_CASE("Properties: a key given twice keeps both entries, the last wins") {
  const PropertiesFile file = MustParse("k=1\nother=x\nk=2\n");
  REQUIRE(file.entries().size() == 3);
  CHECK(file.entries()[0].value == "1");
  CHECK(file.entries()[2].value == "2");
  CHECK(ValueOf(file, "k") == "2");
  CHECK(file.Find("missing") == nullptr);
}

TEST_CASE("Properties: line numbers are where each entry starts") {
  const PropertiesFile file = MustParse(
      "# header\r\n"  // 1
      "a=1\r\n"       // 2
      "b=x\\\r\n"     // 3
      "  y\r"         // 4 (CR alone ends a line too)
      "\r\n"          // 5
      "c=3\n");       // 6
  REQUIRE(file.entries().size() == 3);
  CHECK(file.entries()[0].line == 2);
  CHECK(file.entries()[1].line == 3);
  CHECK(file.entries()[1].value == "xy");
  CHECK(file.entries()[2].line == 6);
}

TEST_CASE("Properties: PropertyErrorPrefix is file:line: key: ") {
  const absl::StatusOr<PropertiesFile> file =
      PropertiesFile::Parse("\n\nflushDiskType=SYNC\n", "broker-a.properties");
  REQUIRE_OK(file);
  CHECK(PropertyErrorPrefix(*file, file->entries()[0]) ==
        "broker-a.properties:3: flushDiskType: ");
}

TEST_CASE("Properties: Load reads a file and names it as the source") {
  rmq::testing::TempDir dir;
  const std::filesystem::path path = dir / "broker.properties";
  {
    std::ofstream out(path, std::ios::binary);
    out << "brokerName=broker-a\nfileReservedTime=48\n";
  }
  absl::StatusOr<PropertiesFile> file = PropertiesFile::Load(path);
  REQUIRE_OK(file);
  CHECK(file->source() == path.string());
  CHECK(ValueOf(*file, "fileReservedTime") == "48");
  CHECK(file->entries()[1].line == 2);
}

TEST_CASE("Properties: Load of a missing file is NotFound naming the path") {
  rmq::testing::TempDir dir;
  const std::filesystem::path path = dir / "absent.properties";
  const absl::StatusOr<PropertiesFile> file = PropertiesFile::Load(path);
  REQUIRE_THAT(file.status(), StatusIs(absl::StatusCode::kNotFound));
  CHECK(std::string(file.status().message()).find(path.string()) !=
        std::string::npos);
}

TEST_CASE("Properties: an empty text has no entries") {
  CHECK(MustParse("").entries().empty());
  CHECK(MustParse("\n\n# only comments\n").entries().empty());
}

}  // namespace
}  // namespace rmq
