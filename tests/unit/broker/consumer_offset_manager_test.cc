// ConsumerOffsetManager: the offset table and config/consumerOffset.json
// (store-format.md §17.3, remoting-protocol.md §10.10).

#include "broker/consumer_offset_manager.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace rmq::broker {
namespace {

namespace fs = std::filesystem;
using rmq::testing::StatusIs;
using rmq::testing::TempDir;
using Strings = std::vector<std::string>;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

void WriteText(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  REQUIRE(out.good());
}

// The first fenced block under `heading` in shared/spec/store-format.md, so
// the test reads the spec's own bytes.
std::string SpecExample(const std::string& heading) {
  const std::string spec =
      ReadText(fs::path(RMQ_SHARED_DIR) / "spec" / "store-format.md");
  size_t at = spec.find("\n" + heading);
  REQUIRE(at != std::string::npos);
  at = spec.find("```", at);
  REQUIRE(at != std::string::npos);
  at = spec.find('\n', at) + 1;
  const size_t end = spec.find("\n```", at);
  REQUIRE(end != std::string::npos);
  return spec.substr(at, end - at);
}

// What fastjson 1.2.x (RocketMQ 4.9.8's JSON.toJSONString(this, true))
// writes for the §17.3 table: MapSerializer breaks the line before the
// closing brace of a non-empty Integer-keyed map, which §17.3's example
// leaves out; keys sorted, as we write them (Java's order is the
// ConcurrentHashMap's, which no reader depends on).
constexpr char kFastjsonFile[] =
    "{\n"
    "\t\"offsetTable\":{\n"
    "\t\t\"%RETRY%my_group@my_group\":{0:0\n"
    "\t\t},\n"
    "\t\t\"TopicTest@my_group\":{0:250,1:248,2:251,3:250\n"
    "\t\t}\n"
    "\t}\n"
    "}";

TEST_CASE("the §17.3 consumerOffset.json example loads, bare keys and all",
          "[offsets]") {
  TempDir dir;
  const std::string example = SpecExample("### 17.3 `consumerOffset.json`");
  REQUIRE(example.find("{0:250,1:248,2:251,3:250}") != std::string::npos);
  WriteText(dir / "consumerOffset.json", example);

  ConsumerOffsetManager offsets(dir.path());
  REQUIRE_OK(offsets.Load());
  CHECK(offsets.Query("my_group", "TopicTest", 0) == 250);
  CHECK(offsets.Query("my_group", "TopicTest", 1) == 248);
  CHECK(offsets.Query("my_group", "TopicTest", 2) == 251);
  CHECK(offsets.Query("my_group", "TopicTest", 3) == 250);
  CHECK(offsets.Query("my_group", "TopicTest", 4) == -1);
  CHECK(offsets.Query("my_group", "%RETRY%my_group", 0) == 0);
  CHECK(offsets.OffsetsOf("my_group", "TopicTest") ==
        QueueOffsets{{0, 250}, {1, 248}, {2, 251}, {3, 250}});
  CHECK(offsets.TopicsOf("my_group") ==
        Strings{"%RETRY%my_group", "TopicTest"});
  CHECK(offsets.GroupsOf("TopicTest") == Strings{"my_group"});

  // Written back in fastjson's exact bytes; the same as the example but for
  // the order of the two keys and fastjson's line break before '}'.
  CHECK(offsets.Encode() == kFastjsonFile);
  CHECK(offsets.EncodeCompact() ==
        R"({"offsetTable":{"%RETRY%my_group@my_group":{0:0},)"
        R"("TopicTest@my_group":{0:250,1:248,2:251,3:250}}})");
}

TEST_CASE("our consumerOffset.json matches fastjson's and round-trips",
          "[offsets]") {
  TempDir dir;
  {
    ConsumerOffsetManager offsets(dir.path());
    REQUIRE_OK(offsets.Load());  // no file: empty
    CHECK(offsets.Encode() == "{\n\t\"offsetTable\":{}\n}");
    offsets.Commit("my_group", "TopicTest", 3, 250);
    offsets.Commit("my_group", "TopicTest", 1, 248);
    offsets.Commit("my_group", "TopicTest", 0, 250);
    offsets.Commit("my_group", "TopicTest", 2, 251);
    offsets.Commit("my_group", "%RETRY%my_group", 0, 0);
    REQUIRE_OK(offsets.Persist());
    CHECK(ReadText(offsets.file_path()) == kFastjsonFile);
  }
  ConsumerOffsetManager again(dir.path());
  REQUIRE_OK(again.Load());
  CHECK(again.Encode() == kFastjsonFile);
  CHECK(again.Query("my_group", "TopicTest", 2) == 251);
}

TEST_CASE("offsets load with quoted keys and ignore unknown members",
          "[offsets]") {
  TempDir dir;
  WriteText(dir / "consumerOffset.json",
            R"({"dataVersion":{"counter":2,"timestamp":1},)"
            R"("offsetTable":{"T@g":{"0":7,"12":-1}}})");
  ConsumerOffsetManager offsets(dir.path());
  REQUIRE_OK(offsets.Load());
  CHECK(offsets.Query("g", "T", 0) == 7);
  CHECK(offsets.Query("g", "T", 12) == -1);  // kept as Java keeps it
  CHECK(offsets.OffsetsOf("g", "T").size() == 2);
}

TEST_CASE("a corrupt offsets file falls back to .bak, else is DataLoss",
          "[offsets]") {
  TempDir dir;
  WriteText(dir / "consumerOffset.json", R"({"offsetTable":{"T@g":{0:"x"}}})");
  ConsumerOffsetManager offsets(dir.path());
  CHECK_THAT(offsets.Load(), StatusIs(absl::StatusCode::kDataLoss));

  WriteText(dir / "consumerOffset.json.bak",
            R"({"offsetTable":{"T@g":{0:9}}})");
  REQUIRE_OK(offsets.Load());
  CHECK(offsets.Query("g", "T", 0) == 9);
}

TEST_CASE("commit stores as is; negative offsets are ignored", "[offsets]") {
  TempDir dir;
  ConsumerOffsetManager offsets(dir.path());
  CHECK(offsets.Query("g", "T", 0) == -1);
  offsets.Commit("g", "T", 0, 10);
  CHECK(offsets.Query("g", "T", 0) == 10);
  offsets.Commit("g", "T", 0, 4);  // backwards: a reset, kept
  CHECK(offsets.Query("g", "T", 0) == 4);
  offsets.Commit("g", "T", 0, -1);  // ali-ons' "nothing consumed"
  CHECK(offsets.Query("g", "T", 0) == 4);
  offsets.Commit("g", "U", 1, -5);
  CHECK(offsets.TopicsOf("g") == Strings{"T"});
  CHECK(offsets.Query("h", "T", 0) == -1);
  CHECK(offsets.Query("g", "T", 1) == -1);
}

TEST_CASE("groups and topics by offsets; removal", "[offsets]") {
  TempDir dir;
  ConsumerOffsetManager offsets(dir.path());
  offsets.Commit("g1", "A", 0, 1);
  offsets.Commit("g2", "A", 0, 2);
  offsets.Commit("g1", "B", 3, 3);
  offsets.Commit("g10", "B", 0, 4);  // a prefix of no other name matches
  CHECK(offsets.GroupsOf("A") == Strings{"g1", "g2"});
  CHECK(offsets.GroupsOf("B") == Strings{"g1", "g10"});
  CHECK(offsets.TopicsOf("g1") == Strings{"A", "B"});
  CHECK(offsets.GroupsOf("C").empty());

  CHECK(offsets.RemoveGroupTopic("g1", "A"));
  CHECK_FALSE(offsets.RemoveGroupTopic("g1", "A"));
  CHECK(offsets.TopicsOf("g1") == Strings{"B"});
  CHECK(offsets.Query("g1", "A", 0) == -1);
  CHECK(offsets.Query("g2", "A", 0) == 2);

  CHECK(offsets.RemoveGroup("g1"));
  CHECK_FALSE(offsets.RemoveGroup("g1"));
  CHECK(offsets.TopicsOf("g1").empty());
  CHECK(offsets.GroupsOf("B") == Strings{"g10"});
}

TEST_CASE("the periodic persist writes only after a change", "[offsets]") {
  TempDir dir;
  ConsumerOffsetManager offsets(dir.path());
  REQUIRE_OK(offsets.Load());

  absl::StatusOr<bool> wrote = offsets.PersistIfChanged();
  REQUIRE_OK(wrote);
  CHECK_FALSE(*wrote);
  CHECK_FALSE(fs::exists(offsets.file_path()));

  offsets.Commit("g", "T", 0, 5);
  wrote = offsets.PersistIfChanged();
  REQUIRE_OK(wrote);
  CHECK(*wrote);
  CHECK(ReadText(offsets.file_path()) ==
        "{\n\t\"offsetTable\":{\n\t\t\"T@g\":{0:5\n\t\t}\n\t}\n}");

  wrote = offsets.PersistIfChanged();
  REQUIRE_OK(wrote);
  CHECK_FALSE(*wrote);

  offsets.Commit("g", "T", 0, 5);   // the same value: no change
  offsets.Commit("g", "T", 0, -1);  // ignored: no change
  wrote = offsets.PersistIfChanged();
  REQUIRE_OK(wrote);
  CHECK_FALSE(*wrote);

  offsets.Commit("g", "T", 0, 6);
  wrote = offsets.PersistIfChanged();
  REQUIRE_OK(wrote);
  CHECK(*wrote);
  CHECK(fs::exists(dir / "consumerOffset.json.bak"));  // the previous file

  CHECK(offsets.RemoveGroupTopic("g", "T"));
  wrote = offsets.PersistIfChanged();
  REQUIRE_OK(wrote);
  CHECK(*wrote);
  CHECK(ReadText(offsets.file_path()) == "{\n\t\"offsetTable\":{}\n}");

  // A loaded table counts as persisted.
  ConsumerOffsetManager reloaded(dir.path());
  REQUIRE_OK(reloaded.Load());
  wrote = reloaded.PersistIfChanged();
  REQUIRE_OK(wrote);
  CHECK_FALSE(*wrote);
}

TEST_CASE("a failed persist is retried by the next periodic call",
          "[offsets]") {
  TempDir dir;
  // The config "directory" is a regular file: every write fails.
  WriteText(dir / "config", "not a directory");
  ConsumerOffsetManager offsets(dir / "config");
  offsets.Commit("g", "T", 0, 1);
  CHECK_FALSE(offsets.PersistIfChanged().ok());
  fs::remove(dir / "config");
  absl::StatusOr<bool> wrote = offsets.PersistIfChanged();
  REQUIRE_OK(wrote);
  CHECK(*wrote);
  CHECK(fs::exists(dir / "config" / "consumerOffset.json"));
}

TEST_CASE("commits from many threads while persisting", "[offsets]") {
  TempDir dir;
  ConsumerOffsetManager offsets(dir.path());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&offsets, t] {
      for (int i = 1; i <= 500; ++i) {
        offsets.Commit("g", "T", t, i);
        if (i % 100 == 0) offsets.Commit("g", "U", t, i);
      }
    });
  }
  for (int i = 0; i < 5; ++i) REQUIRE(offsets.PersistIfChanged().ok());
  for (std::thread& t : threads) t.join();
  REQUIRE(offsets.PersistIfChanged().ok());
  ConsumerOffsetManager reloaded(dir.path());
  REQUIRE_OK(reloaded.Load());
  for (int t = 0; t < 4; ++t) {
    CHECK(reloaded.Query("g", "T", t) == 500);
    CHECK(reloaded.Query("g", "U", t) == 500);
  }
}

}  // namespace
}  // namespace rmq::broker
