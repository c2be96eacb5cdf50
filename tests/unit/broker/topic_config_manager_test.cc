#include "broker/topic_config_manager.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "broker/config_file.h"
#include "broker/topic_config.h"
#include "support/fake_clock.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace rmq::broker {
namespace {

namespace fs = std::filesystem;
using rmq::testing::FakeClock;
using rmq::testing::StatusIs;
using rmq::testing::TempDir;

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

// The `index`-th fenced block under the heading that starts with `heading`
// in shared/spec/<file>, so the tests check against the spec's own text.
std::string SpecExample(const std::string& file, const std::string& heading,
                        int index = 0) {
  const std::string spec = ReadText(fs::path(RMQ_SHARED_DIR) / "spec" / file);
  size_t at = spec.find("\n" + heading);
  REQUIRE(at != std::string::npos);
  for (int i = 0;; ++i) {
    at = spec.find("```", at);
    REQUIRE(at != std::string::npos);
    at = spec.find('\n', at) + 1;  // skip the fence and its language tag
    const size_t end = spec.find("\n```", at);
    REQUIRE(end != std::string::npos);
    if (i == index) return spec.substr(at, end - at);
    at = end + 4;
  }
}

// JSON without the whitespace between tokens (strings are kept as they are).
std::string Compact(std::string_view json) {
  std::string out;
  bool in_string = false;
  bool escaped = false;
  for (char c : json) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

struct Broker {
  TempDir dir;
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();

  fs::path config_dir() const { return dir / "config"; }
  fs::path topics_json() const { return config_dir() / "topics.json"; }

  TopicConfigManagerOptions Options() const {
    TopicConfigManagerOptions options;
    options.config_dir = config_dir();
    options.broker_name = "broker-a";
    options.cluster_name = "DefaultCluster";
    options.clock = clock;
    return options;
  }
};

TopicConfig Topic(const std::string& name, int32_t queues, int32_t perm = 6) {
  TopicConfig config;
  config.topic_name = name;
  config.read_queue_nums = queues;
  config.write_queue_nums = queues;
  config.perm = perm;
  return config;
}

// ---- TopicConfig codec ----

TEST_CASE("a TopicConfig encodes byte for byte as fastjson writes it",
          "[broker][topic_config]") {
  // remoting-protocol.md §11.6.
  const std::string expected =
      R"({"order":false,"perm":6,"readQueueNums":4,"topicFilterType":)"
      R"("SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,)"
      R"("writeQueueNums":4})";
  CHECK(EncodeTopicConfig(Topic("TopicTest", 4)) == expected);
  REQUIRE(
      Compact(SpecExample("remoting-protocol.md", "### 11.6")).find(expected) !=
      std::string::npos);

  TopicConfig ordered = Topic("%RETRY%g|x", 1, 7);
  ordered.order = true;
  ordered.topic_filter_type = "MULTI_TAG";
  ordered.topic_sys_flag = 3;
  CHECK(EncodeTopicConfig(ordered) ==
        R"({"order":true,"perm":7,"readQueueNums":1,"topicFilterType":)"
        R"("MULTI_TAG","topicName":"%RETRY%g|x","topicSysFlag":3,)"
        R"("writeQueueNums":1})");
}

TEST_CASE("the TopicConfigSerializeWrapper matches §11.6's register body",
          "[broker][topic_config]") {
  const std::string wrapper = EncodeTopicConfigWrapper(
      DataVersion{1700000000000, 3}, {Topic("TopicTest", 4)});
  const std::string body =
      R"({"filterServerList":[],"topicConfigSerializeWrapper":)" + wrapper +
      "}";
  CHECK(body == Compact(SpecExample("remoting-protocol.md", "### 11.6")));
}

TEST_CASE("a TopicConfig decodes with defaults and ignores unknown keys",
          "[broker][topic_config]") {
  absl::StatusOr<TopicConfig> c = DecodeTopicConfig(
      R"({"topicName":"T","perm":7,"attributes":{"+queue.type":"BatchCQ"},)"
      R"("extra":[1,{"a":2}],"readQueueNums":"8"})");
  REQUIRE_OK(c);
  CHECK(c->topic_name == "T");
  CHECK(c->perm == 7);
  CHECK(c->read_queue_nums == 8);  // fastjson accepts digits in a string
  CHECK(c->write_queue_nums == 16);
  CHECK(c->topic_filter_type == "SINGLE_TAG");
  CHECK_FALSE(c->order);

  absl::StatusOr<TopicConfig> bad = DecodeTopicConfig(R"({"perm":"rw"})");
  CHECK_THAT(bad.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK(std::string(bad.status().message()).find("\"perm\"") !=
        std::string::npos);
  CHECK_FALSE(DecodeTopicConfig(R"({"topicFilterType":"SQL92"})").ok());
  CHECK_FALSE(DecodeTopicConfig(R"({"readQueueNums":4294967296})").ok());
}

TEST_CASE("topic names follow TopicValidator", "[broker][topic_config]") {
  CHECK_OK(ValidateTopicName("TopicTest"));
  CHECK_OK(ValidateTopicName("%RETRY%my_group"));
  CHECK_OK(ValidateTopicName("a|b-c_D9"));
  CHECK_OK(ValidateTopicName(std::string(127, 't')));

  absl::Status blank = ValidateTopicName("");
  CHECK_THAT(blank, StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK(blank.message() == "the topic name is blank");
  CHECK_FALSE(ValidateTopicName("  ").ok());

  absl::Status illegal = ValidateTopicName("my topic/1");
  CHECK_THAT(illegal, StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK(illegal.message() ==
        "topic \"my topic/1\" contains illegal characters; allowed: "
        "^[%|a-zA-Z0-9_-]+$");
  CHECK_FALSE(ValidateTopicName("topic.with.dots").ok());
  CHECK_FALSE(ValidateTopicName("t\xc3\xa9").ok());  // non-ASCII

  absl::Status too_long = ValidateTopicName(std::string(128, 't'));
  CHECK_THAT(too_long, StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK(std::string(too_long.message())
            .find("is 128 characters long; the maximum is 127") !=
        std::string::npos);
  // A long name is shown cut short.
  CHECK(too_long.message().size() < 200);
}

TEST_CASE("permission bits and system topic names", "[broker][topic_config]") {
  CHECK(IsReadable(6));
  CHECK(IsWriteable(6));
  CHECK_FALSE(IsInherited(6));
  CHECK(IsInherited(7));
  CHECK_FALSE(IsWriteable(4));
  CHECK(IsPriority(8 | 6));
  CHECK(PermToString(6) == "RW-");
  CHECK(PermToString(7) == "RWX");
  CHECK(PermToString(4) == "R--");
  CHECK(PermToString(0) == "---");

  for (const char* t :
       {"TBW102", "SCHEDULE_TOPIC_XXXX", "BenchmarkTest",
        "RMQ_SYS_TRANS_HALF_TOPIC", "RMQ_SYS_TRACE_TOPIC",
        "RMQ_SYS_TRANS_OP_HALF_TOPIC", "TRANS_CHECK_MAX_TIME_TOPIC",
        "SELF_TEST_TOPIC", "OFFSET_MOVED_EVENT", "rmq_sys_anything"}) {
    INFO(t);
    CHECK(IsSystemTopic(t));
  }
  CHECK_FALSE(IsSystemTopic("TopicTest"));
  CHECK_FALSE(IsSystemTopic("RMQ_SYS_OTHER"));  // the prefix is lower case
  CHECK(IsNotAllowedSendTopic("SCHEDULE_TOPIC_XXXX"));
  CHECK(IsNotAllowedSendTopic("OFFSET_MOVED_EVENT"));
  CHECK_FALSE(IsNotAllowedSendTopic("TBW102"));
  CHECK_FALSE(IsNotAllowedSendTopic("RMQ_SYS_TRACE_TOPIC"));
}

// ---- config_file: fastjson text and the crash-safe writer ----

TEST_CASE("bare integer keys are quoted outside strings only",
          "[broker][config_file]") {
  CHECK(QuoteBareKeys(R"({0:12,1:15})") == R"({"0":12,"1":15})");
  CHECK(QuoteBareKeys("{\n\t-1:3,\n\t 22 :4}") ==
        "{\n\t\"-1\":3,\n\t \"22\" :4}");
  // Values, arrays and strings are left alone.
  CHECK(QuoteBareKeys(R"({"a":[1,2,{3:4}],"b":"{0:1,2:3}","c":1})") ==
        R"({"a":[1,2,{"3":4}],"b":"{0:1,2:3}","c":1})");
  // Escaped quotes do not end a string.
  CHECK(QuoteBareKeys(R"({"x\"{0:1":{7:"\\"},8:9})") ==
        R"({"x\"{0:1":{"7":"\\"},"8":9})");
  CHECK(QuoteBareKeys(R"({"k":{}})") == R"({"k":{}})");
  CHECK(QuoteBareKeys("[0,1]") == "[0,1]");
}

TEST_CASE("store-format.md §17's examples with bare integer keys parse",
          "[broker][config_file]") {
  rapidjson::Document offsets;
  REQUIRE_OK(
      ParseFastjson(SpecExample("store-format.md", "### 17.3"), &offsets));
  const rapidjson::Value& table = offsets["offsetTable"];
  CHECK(table["TopicTest@my_group"]["0"].GetInt() == 250);
  CHECK(table["TopicTest@my_group"]["3"].GetInt() == 250);
  CHECK(table["%RETRY%my_group@my_group"]["0"].GetInt() == 0);

  rapidjson::Document delay;
  REQUIRE_OK(ParseFastjson(SpecExample("store-format.md", "### 17.4"), &delay));
  CHECK(delay["offsetTable"]["3"].GetInt() == 17);
  CHECK(delay["offsetTable"]["4"].GetInt() == 5);
}

TEST_CASE("RocketMQ 4.9.8's own config file from the fixture parses",
          "[broker][config_file]") {
  const fs::path config =
      fs::path(RMQ_SHARED_DIR) / "fixtures/rocketmq-4.9.8-store/config";
  // The fixture holds no topics.json or subscriptionGroup.json (it was
  // written by a bare DefaultMessageStore); its delayOffset.json is the one
  // real fastjson config file it has.
  rapidjson::Document doc;
  const std::string text = ReadText(config / "delayOffset.json");
  REQUIRE_OK(ParseFastjson(text, &doc));
  CHECK(doc["offsetTable"].IsObject());
  CHECK(doc["offsetTable"].MemberCount() == 0);
  // And our pretty printer writes that file byte for byte.
  CHECK(FastjsonPretty(R"({"offsetTable":{}})") == text);
}

TEST_CASE("a parse error says where and why", "[broker][config_file]") {
  rapidjson::Document doc;
  absl::Status s = ParseFastjson(R"({"a":1,})", &doc);
  CHECK_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK(std::string(s.message()).find("at byte 7") != std::string::npos);
  CHECK_THAT(ParseFastjson("[1]", &doc),
             StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK_THAT(ParseFastjson("", &doc),
             StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_CASE("the pretty form is store-format.md §17.1 byte for byte",
          "[broker][config_file]") {
  const std::string compact = EncodeTopicConfigWrapper(
      DataVersion{1700000000123, 3}, {Topic("TopicTest", 4)});
  CHECK(FastjsonPretty(compact) == SpecExample("store-format.md", "### 17.1"));
  // Strings keep their braces and commas.
  CHECK(FastjsonPretty(R"({"a":"{,}","b":[]})") ==
        "{\n\t\"a\":\"{,}\",\n\t\"b\":[]\n}");
}

TEST_CASE("WriteConfigFile keeps the previous version as .bak",
          "[broker][config_file]") {
  TempDir dir;
  const fs::path path = dir / "config" / "x.json";  // directory made on demand
  REQUIRE_OK(WriteConfigFile(path, "one"));
  CHECK(ReadText(path) == "one");
  CHECK_FALSE(fs::exists(dir / "config" / "x.json.bak"));
  REQUIRE_OK(WriteConfigFile(path, "two"));
  REQUIRE_OK(WriteConfigFile(path, "three"));
  CHECK(ReadText(path) == "three");
  CHECK(ReadText(dir / "config" / "x.json.bak") == "two");
  CHECK_FALSE(fs::exists(dir / "config" / "x.json.tmp"));
  CHECK_FALSE(fs::exists(dir / "config" / "x.json.bak.tmp"));
  // .bak is its own file: rewriting the main file leaves it alone.
  REQUIRE_OK(WriteConfigFile(path, "four"));
  CHECK(ReadText(dir / "config" / "x.json.bak") == "three");
}

TEST_CASE("WriteConfigFile errors name the path and the errno text",
          "[broker][config_file]") {
  TempDir dir;
  WriteText(dir / "not-a-dir", "file");
  absl::Status s = WriteConfigFile(dir / "not-a-dir" / "topics.json", "{}");
  REQUIRE_FALSE(s.ok());
  CHECK(std::string(s.message()).find((dir / "not-a-dir").string()) !=
        std::string::npos);
  CHECK(std::string(s.message()).find("ot a directory") != std::string::npos);
}

// ---- TopicConfigManager ----

TEST_CASE("an empty store has the system topics of §8.4",
          "[broker][topic_config_manager]") {
  Broker b;
  TopicConfigManager manager(b.Options());
  REQUIRE_OK(manager.Load());
  struct Expected {
    const char* name;
    int32_t queues;
    int32_t perm;
  };
  for (const Expected& e : std::vector<Expected>{
           {"SELF_TEST_TOPIC", 1, 6},
           {"TBW102", 8, 7},
           {"BenchmarkTest", 1024, 6},
           {"DefaultCluster", 16, 7},
           {"broker-a", 1, 7},
           {"OFFSET_MOVED_EVENT", 1, 6},
           {"SCHEDULE_TOPIC_XXXX", 18, 6},
           {"DefaultCluster_REPLY_TOPIC", 1, 6},
       }) {
    INFO(e.name);
    std::optional<TopicConfig> t = manager.Find(e.name);
    REQUIRE(t.has_value());
    CHECK(t->topic_name == e.name);
    CHECK(t->read_queue_nums == e.queues);
    CHECK(t->write_queue_nums == e.queues);
    CHECK(t->perm == e.perm);
    CHECK(t->topic_filter_type == "SINGLE_TAG");
  }
  CHECK(manager.All().size() == 8);
  CHECK_FALSE(manager.Find("RMQ_SYS_TRACE_TOPIC").has_value());
  CHECK(manager.data_version() == DataVersion{1700000000000, 0});
  CHECK_FALSE(fs::exists(b.topics_json()));  // loading writes nothing
}

TEST_CASE("system topics follow the broker's switches",
          "[broker][topic_config_manager]") {
  Broker b;
  TopicConfigManagerOptions options = b.Options();
  options.auto_create_topic_enable = false;
  options.cluster_topic_enable = false;
  options.broker_topic_enable = false;
  options.trace_topic_enable = true;
  options.default_topic_queue_nums = 4;
  TopicConfigManager manager(options);
  REQUIRE_OK(manager.Load());
  CHECK_FALSE(manager.Find("TBW102").has_value());
  CHECK(manager.Find("DefaultCluster")->perm == kPermInherit);
  CHECK(manager.Find("broker-a")->perm == kPermInherit);
  REQUIRE(manager.Find("RMQ_SYS_TRACE_TOPIC").has_value());
  CHECK(manager.Find("RMQ_SYS_TRACE_TOPIC")->read_queue_nums == 1);

  TopicConfigManagerOptions with_tbw = b.Options();
  with_tbw.default_topic_queue_nums = 4;
  TopicConfigManager manager2(with_tbw);
  CHECK(manager2.Find("TBW102")->write_queue_nums == 4);
}

TEST_CASE("RocketMQ's topics.json of §17.1 loads",
          "[broker][topic_config_manager]") {
  Broker b;
  WriteText(b.topics_json(), SpecExample("store-format.md", "### 17.1"));
  TopicConfigManager manager(b.Options());
  REQUIRE_OK(manager.Load());
  std::optional<TopicConfig> t = manager.Find("TopicTest");
  REQUIRE(t.has_value());
  CHECK(*t == Topic("TopicTest", 4));
  CHECK(manager.data_version() == DataVersion{1700000000123, 3});
  CHECK(manager.Find("TBW102").has_value());  // system topics still there
  CHECK(manager.All().size() == 9);
}

TEST_CASE("a 4.9.8-style topics.json with overrides and 5.x keys loads",
          "[broker][topic_config_manager]") {
  // What a Java broker writes: hash order, system topics included (here
  // with changed values, which win over the defaults, as putAll does), and
  // keys a newer RocketMQ adds. The bare-key map is not in RocketMQ's
  // topics.json; it is here to show such a map anywhere is accepted.
  Broker b;
  WriteText(b.topics_json(),
            "{\n"
            "\t\"dataVersion\":{\n"
            "\t\t\"counter\":42,\n"
            "\t\t\"stateVersion\":0,\n"
            "\t\t\"timestamp\":1712345678901\n"
            "\t},\n"
            "\t\"futureTable\":{0:1,1:2},\n"
            "\t\"topicConfigTable\":{\n"
            "\t\t\"SCHEDULE_TOPIC_XXXX\":{\n"
            "\t\t\t\"order\":false,\n"
            "\t\t\t\"perm\":6,\n"
            "\t\t\t\"readQueueNums\":18,\n"
            "\t\t\t\"topicFilterType\":\"SINGLE_TAG\",\n"
            "\t\t\t\"topicName\":\"SCHEDULE_TOPIC_XXXX\",\n"
            "\t\t\t\"topicSysFlag\":0,\n"
            "\t\t\t\"writeQueueNums\":18\n"
            "\t\t},\n"
            "\t\t\"TBW102\":{\n"
            "\t\t\t\"order\":false,\n"
            "\t\t\t\"perm\":7,\n"
            "\t\t\t\"readQueueNums\":4,\n"
            "\t\t\t\"topicFilterType\":\"SINGLE_TAG\",\n"
            "\t\t\t\"topicName\":\"TBW102\",\n"
            "\t\t\t\"topicSysFlag\":0,\n"
            "\t\t\t\"writeQueueNums\":4\n"
            "\t\t},\n"
            "\t\t\"OrderTopic\":{\n"
            "\t\t\t\"attributes\":{\n"
            "\t\t\t\t\"+message.type\":\"FIFO\"\n"
            "\t\t\t},\n"
            "\t\t\t\"order\":true,\n"
            "\t\t\t\"perm\":4,\n"
            "\t\t\t\"readQueueNums\":2,\n"
            "\t\t\t\"topicFilterType\":\"MULTI_TAG\",\n"
            "\t\t\t\"topicName\":\"OrderTopic\",\n"
            "\t\t\t\"topicSysFlag\":1,\n"
            "\t\t\t\"writeQueueNums\":3\n"
            "\t\t}\n"
            "\t}\n"
            "}");
  TopicConfigManager manager(b.Options());
  REQUIRE_OK(manager.Load());
  CHECK(manager.data_version() == DataVersion{1712345678901, 42});
  CHECK(manager.Find("TBW102")->read_queue_nums == 4);
  std::optional<TopicConfig> order = manager.Find("OrderTopic");
  REQUIRE(order.has_value());
  CHECK(order->order);
  CHECK(order->perm == 4);
  CHECK(order->read_queue_nums == 2);
  CHECK(order->write_queue_nums == 3);
  CHECK(order->topic_filter_type == "MULTI_TAG");
  CHECK(order->topic_sys_flag == 1);
}

TEST_CASE("UpdateOrCreate bumps the data version and persists",
          "[broker][topic_config_manager]") {
  Broker b;
  TopicConfigManager manager(b.Options());
  REQUIRE_OK(manager.Load());
  b.clock->Set(1700000005000);
  TopicConfig topic = Topic("TopicTest", 4);
  topic.order = true;
  REQUIRE_OK(manager.UpdateOrCreate(topic));
  CHECK(manager.data_version() == DataVersion{1700000005000, 1});
  CHECK(*manager.Find("TopicTest") == topic);

  // The file is the pretty wrapper of the whole table, readable as JSON.
  const std::string text = ReadText(b.topics_json());
  CHECK(text == FastjsonPretty(manager.EncodeWrapper()));
  CHECK(text.rfind("{\n\t\"dataVersion\":{\n\t\t\"counter\":1,\n", 0) == 0);
  CHECK(text.back() == '}');  // no trailing newline, as fastjson

  b.clock->Set(1700000009000);
  topic.write_queue_nums = 8;
  REQUIRE_OK(manager.UpdateOrCreate(topic));
  CHECK(manager.data_version() == DataVersion{1700000009000, 2});
  CHECK(ReadText(b.config_dir() / "topics.json.bak") == text);

  // A second broker process reading the directory sees the same table.
  TopicConfigManager reloaded(b.Options());
  REQUIRE_OK(reloaded.Load());
  CHECK(reloaded.All() == manager.All());
  CHECK(reloaded.data_version() == manager.data_version());
  CHECK(reloaded.EncodeWrapper() == manager.EncodeWrapper());
}

TEST_CASE("the wrapper lists topics sorted with the data version",
          "[broker][topic_config_manager]") {
  Broker b;
  TopicConfigManagerOptions options = b.Options();
  TopicConfigManager manager(options);
  REQUIRE_OK(manager.UpdateOrCreate(Topic("B", 2)));
  REQUIRE_OK(manager.UpdateOrCreate(Topic("A", 1)));
  const std::string wrapper = manager.EncodeWrapper();
  CHECK(
      wrapper.rfind(R"({"dataVersion":{"counter":2,"timestamp":1700000000000},)"
                    R"("topicConfigTable":{"A":{)",
                    0) == 0);
  const size_t a = wrapper.find(R"("A":{)");
  const size_t bb = wrapper.find(R"("B":{)");
  const size_t tbw = wrapper.find(R"("TBW102":{)");
  CHECK(a < bb);
  CHECK(bb < tbw);
  std::vector<TopicConfig> all = manager.All();
  for (size_t i = 1; i < all.size(); ++i) {
    CHECK(all[i - 1].topic_name < all[i].topic_name);
  }
}

TEST_CASE("a read-only broker registers every topic with its own perm",
          "[broker][topic_config_manager]") {
  Broker b;
  TopicConfigManager manager(b.Options());
  TopicConfig ordered = Topic("Ordered", 3);
  ordered.order = true;
  REQUIRE_OK(manager.UpdateOrCreate(ordered));
  CHECK(manager.EncodeWrapperForRegistration() == manager.EncodeWrapper());

  manager.set_broker_permission(kPermRead);
  const std::string body = manager.EncodeWrapperForRegistration();
  CHECK(body.find(R"("Ordered":{"order":false,"perm":4,"readQueueNums":3,)") !=
        std::string::npos);
  CHECK(body.find(R"("perm":6)") == std::string::npos);
  CHECK(body.find(R"("perm":7)") == std::string::npos);
  // The table itself is unchanged.
  CHECK(manager.Find("Ordered")->order);
  CHECK(manager.Find("Ordered")->perm == 6);
}

TEST_CASE("an illegal topic name is refused and nothing is written",
          "[broker][topic_config_manager]") {
  Broker b;
  TopicConfigManager manager(b.Options());
  absl::Status s = manager.UpdateOrCreate(Topic("bad topic", 4));
  CHECK_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK(std::string(s.message()).find("illegal characters") !=
        std::string::npos);
  CHECK_THAT(manager.UpdateOrCreate(Topic(std::string(128, 'x'), 4)),
             StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK_THAT(manager.UpdateOrCreate(Topic("", 4)),
             StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK_THAT(manager.UpdateOrCreate(Topic("Negative", -1)),
             StatusIs(absl::StatusCode::kInvalidArgument));
  TopicConfig sql = Topic("Sql", 1);
  sql.topic_filter_type = "SQL92";
  CHECK_THAT(manager.UpdateOrCreate(sql),
             StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK_THAT(manager.CreateForSend("a/b", "TBW102", 4).status(),
             StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK(manager.data_version().counter == 0);
  CHECK_FALSE(fs::exists(b.topics_json()));
}

TEST_CASE("admin updates may not touch system topics",
          "[broker][topic_config_manager]") {
  Broker b;
  TopicConfigManagerOptions options = b.Options();
  options.trace_topic_enable = true;
  options.msg_trace_topic_name = "MyTrace";
  TopicConfigManager manager(options);
  CHECK_OK(manager.ValidateTopicForAdmin("TopicTest"));
  for (const char* t :
       {"TBW102", "SCHEDULE_TOPIC_XXXX", "rmq_sys_x", "DefaultCluster",
        "broker-a", "DefaultCluster_REPLY_TOPIC", "MyTrace"}) {
    INFO(t);
    CHECK(manager.IsSystemTopic(t));
    absl::Status s = manager.ValidateTopicForAdmin(t);
    CHECK_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
    CHECK(std::string(s.message()).find("system topic") != std::string::npos);
  }
  CHECK_FALSE(manager.IsSystemTopic("OtherCluster_REPLY_TOPIC"));
  CHECK_FALSE(manager.IsSystemTopic("DefaultCluster_REPLY_TOPICS"));
  CHECK_THAT(manager.ValidateTopicForAdmin("a b"),
             StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_CASE("CreateForSend inherits from TBW102",
          "[broker][topic_config_manager]") {
  Broker b;
  TopicConfigManager manager(b.Options());
  REQUIRE_OK(manager.Load());

  // The client asks for 16 queues; TBW102 has 8 write queues.
  absl::StatusOr<TopicConfig> created =
      manager.CreateForSend("NewTopic", "TBW102", 16);
  REQUIRE_OK(created);
  CHECK(created->topic_name == "NewTopic");
  CHECK(created->read_queue_nums == 8);
  CHECK(created->write_queue_nums == 8);
  CHECK(created->perm == 6);  // TBW102's 7 without PERM_INHERIT
  CHECK(manager.data_version().counter == 1);

  absl::StatusOr<TopicConfig> fewer =
      manager.CreateForSend("Small", "TBW102", 4, /*topic_sys_flag=*/1);
  REQUIRE_OK(fewer);
  CHECK(fewer->write_queue_nums == 4);
  CHECK(fewer->topic_sys_flag == 1);

  // An existing topic comes back as it is; nothing is written.
  absl::StatusOr<TopicConfig> again =
      manager.CreateForSend("NewTopic", "TBW102", 2);
  REQUIRE_OK(again);
  CHECK(again->write_queue_nums == 8);
  CHECK(manager.data_version().counter == 2);

  TopicConfigManager reloaded(b.Options());
  REQUIRE_OK(reloaded.Load());
  CHECK(reloaded.Find("NewTopic") == created.value());
}

TEST_CASE("CreateForSend needs an inheritable default topic",
          "[broker][topic_config_manager]") {
  Broker b;
  TopicConfigManager manager(b.Options());
  REQUIRE_OK(manager.UpdateOrCreate(Topic("Plain", 4)));

  absl::StatusOr<TopicConfig> missing =
      manager.CreateForSend("T1", "NoSuchDefault", 4);
  CHECK_THAT(missing.status(), StatusIs(absl::StatusCode::kNotFound));
  CHECK(std::string(missing.status().message())
            .find("default topic NoSuchDefault does not exist") !=
        std::string::npos);

  absl::StatusOr<TopicConfig> not_inherit =
      manager.CreateForSend("T1", "Plain", 4);
  CHECK_THAT(not_inherit.status(),
             StatusIs(absl::StatusCode::kFailedPrecondition));
  CHECK(std::string(not_inherit.status().message()).find("PERM_INHERIT") !=
        std::string::npos);
  CHECK_FALSE(manager.Find("T1").has_value());

  // The cluster-name topic carries PERM_INHERIT too (perm 7, 16 queues).
  absl::StatusOr<TopicConfig> via_cluster =
      manager.CreateForSend("T2", "DefaultCluster", 32);
  REQUIRE_OK(via_cluster);
  CHECK(via_cluster->write_queue_nums == 16);
}

TEST_CASE("with auto-create off TBW102 is absent or not inheritable",
          "[broker][topic_config_manager]") {
  Broker b;
  {
    // An earlier run with auto-create on left TBW102 (perm 7) in the file.
    TopicConfigManager earlier(b.Options());
    REQUIRE_OK(earlier.UpdateOrCreate(Topic("Kept", 1)));
  }
  TopicConfigManagerOptions options = b.Options();
  options.auto_create_topic_enable = false;
  TopicConfigManager manager(options);
  REQUIRE_OK(manager.Load());
  REQUIRE(manager.Find("TBW102").has_value());
  absl::StatusOr<TopicConfig> refused =
      manager.CreateForSend("Auto", "TBW102", 4);
  CHECK_THAT(refused.status(), StatusIs(absl::StatusCode::kFailedPrecondition));
  CHECK(std::string(refused.status().message())
            .find("autoCreateTopicEnable is off") != std::string::npos);

  TopicConfigManager no_file(options);  // not loaded: built-ins only
  CHECK_FALSE(no_file.Find("TBW102").has_value());
  CHECK_THAT(no_file.CreateForSend("Auto", "TBW102", 4).status(),
             StatusIs(absl::StatusCode::kNotFound));
}

TEST_CASE("CreateForSendBack creates retry topics with the given perm",
          "[broker][topic_config_manager]") {
  Broker b;
  TopicConfigManager manager(b.Options());
  absl::StatusOr<TopicConfig> retry =
      manager.CreateForSendBack("%RETRY%my_group", 1, 6);
  REQUIRE_OK(retry);
  CHECK(*retry == Topic("%RETRY%my_group", 1, 6));
  absl::StatusOr<TopicConfig> again =
      manager.CreateForSendBack("%RETRY%my_group", 5, 2);
  REQUIRE_OK(again);
  CHECK(again->perm == 6);  // existing wins
  CHECK(manager.data_version().counter == 1);
}

TEST_CASE("Delete removes a topic and persists",
          "[broker][topic_config_manager]") {
  Broker b;
  TopicConfigManager manager(b.Options());
  REQUIRE_OK(manager.UpdateOrCreate(Topic("Gone", 2)));
  REQUIRE_OK(manager.Delete("Gone"));
  CHECK_FALSE(manager.Find("Gone").has_value());
  CHECK(manager.data_version().counter == 2);
  CHECK_THAT(manager.Delete("Gone"), StatusIs(absl::StatusCode::kNotFound));
  CHECK(manager.data_version().counter == 2);

  TopicConfigManager reloaded(b.Options());
  REQUIRE_OK(reloaded.Load());
  CHECK_FALSE(reloaded.Find("Gone").has_value());
}

TEST_CASE("a corrupt topics.json falls back to topics.json.bak",
          "[broker][topic_config_manager]") {
  Broker b;
  {
    TopicConfigManager manager(b.Options());
    REQUIRE_OK(manager.UpdateOrCreate(Topic("First", 1)));
    REQUIRE_OK(manager.UpdateOrCreate(Topic("Second", 2)));
  }
  // A torn write, as Java's unsynced writer can leave behind.
  const std::string whole = ReadText(b.topics_json());
  WriteText(b.topics_json(), whole.substr(0, whole.size() / 2));

  TopicConfigManager manager(b.Options());
  REQUIRE_OK(manager.Load());
  CHECK(manager.Find("First").has_value());
  CHECK_FALSE(manager.Find("Second").has_value());  // .bak is one version old
  CHECK(manager.data_version().counter == 1);
  // The bad file is kept aside, so the next write keeps the good backup.
  CHECK(fs::exists(b.config_dir() / "topics.json.corrupt"));
  CHECK_FALSE(fs::exists(b.topics_json()));
  const std::string good_backup = ReadText(b.config_dir() / "topics.json.bak");
  REQUIRE_OK(manager.UpdateOrCreate(Topic("Third", 3)));
  CHECK(ReadText(b.config_dir() / "topics.json.bak") == good_backup);
}

TEST_CASE("an empty topics.json also falls back to the backup",
          "[broker][topic_config_manager]") {
  Broker b;
  {
    TopicConfigManager manager(b.Options());
    REQUIRE_OK(manager.UpdateOrCreate(Topic("First", 1)));
    REQUIRE_OK(manager.UpdateOrCreate(Topic("Second", 2)));
  }
  WriteText(b.topics_json(), "");
  TopicConfigManager manager(b.Options());
  REQUIRE_OK(manager.Load());
  CHECK(manager.Find("First").has_value());

  // Empty with no backup at all: defaults, as Java does.
  Broker other;
  WriteText(other.topics_json(), "");
  TopicConfigManager fresh(other.Options());
  REQUIRE_OK(fresh.Load());
  CHECK(fresh.All().size() == 8);
}

TEST_CASE("a corrupt topics.json with no usable backup is an error",
          "[broker][topic_config_manager]") {
  Broker b;
  WriteText(b.topics_json(), "{\"dataVersion\":{\"counter\":1,");
  TopicConfigManager manager(b.Options());
  absl::Status s = manager.Load();
  CHECK_THAT(s, StatusIs(absl::StatusCode::kDataLoss));
  const std::string message(s.message());
  CHECK(message.find(b.topics_json().string()) != std::string::npos);
  CHECK(message.find("does not parse") != std::string::npos);
  CHECK(message.find("no backup") != std::string::npos);
  CHECK(fs::exists(b.topics_json()));  // left alone for the operator

  // A decodable file with a wrong type is named down to the field.
  WriteText(b.topics_json(),
            R"({"topicConfigTable":{"T":{"readQueueNums":true}}})");
  s = manager.Load();
  CHECK_THAT(s, StatusIs(absl::StatusCode::kDataLoss));
  CHECK(std::string(s.message())
            .find(R"("topicConfigTable"."T": "readQueueNums" is not an)") !=
        std::string::npos);

  // Corrupt main and corrupt backup: both are reported.
  WriteText(b.config_dir() / "topics.json.bak", "garbage");
  s = manager.Load();
  CHECK_THAT(s, StatusIs(absl::StatusCode::kDataLoss));
  CHECK(std::string(s.message()).find("topics.json.bak") != std::string::npos);
  // The failed loads changed nothing.
  CHECK(manager.All().size() == 8);
}

TEST_CASE("a failed write changes nothing", "[broker][topic_config_manager]") {
  Broker b;
  TopicConfigManager manager(b.Options());
  REQUIRE_OK(manager.UpdateOrCreate(Topic("Before", 1)));
  // A directory where the .tmp file goes makes the write fail, even as root.
  fs::create_directory(b.config_dir() / "topics.json.tmp");
  absl::Status s = manager.UpdateOrCreate(Topic("After", 1));
  CHECK_FALSE(s.ok());
  CHECK(
      std::string(s.message()).find("topics.json.tmp: open: Is a directory") !=
      std::string::npos);
  CHECK_FALSE(manager.Find("After").has_value());
  CHECK(manager.data_version().counter == 1);
  CHECK(ReadText(b.topics_json()).find("After") == std::string::npos);

  fs::remove(b.config_dir() / "topics.json.tmp");
  REQUIRE_OK(manager.UpdateOrCreate(Topic("After", 1)));
  CHECK(manager.data_version().counter == 2);
}

TEST_CASE("concurrent auto-creation loses no topic",
          "[broker][topic_config_manager]") {
  Broker b;
  TopicConfigManager manager(b.Options());
  REQUIRE_OK(manager.Load());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&manager, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Every thread also creates a shared name: exactly one wins.
        const std::string own = absl::StrCat("T", t, "_", i);
        const std::string shared = absl::StrCat("Shared", i);
        if (!manager.CreateForSend(own, "TBW102", 4).ok()) std::abort();
        if (!manager.CreateForSend(shared, "TBW102", 4).ok()) std::abort();
        (void)manager.Find("TBW102");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(manager.All().size() == 8 + kThreads * kPerThread + kPerThread);
  CHECK(manager.data_version().counter == kThreads * kPerThread + kPerThread);
  TopicConfigManager reloaded(b.Options());
  REQUIRE_OK(reloaded.Load());
  CHECK(reloaded.All() == manager.All());
}

}  // namespace
}  // namespace rmq::broker
