// rmq-namesrv's -c FILE: RocketMQ's keys, values converted as Java converts
// them, and a bad value refused naming the file, line and key.

#include "namesrv/namesrv_config.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace rmq::namesrv {
namespace {

absl::StatusOr<NamesrvConfig> Load(const std::string& text,
                                   std::vector<std::string>* warnings) {
  absl::StatusOr<PropertiesFile> file =
      PropertiesFile::Parse(text, "namesrv.properties");
  REQUIRE(file.ok());
  return LoadNamesrvConfig(&*file, warnings);
}

TEST_CASE("namesrv config: RocketMQ's keys and ours are applied") {
  std::vector<std::string> warnings;
  absl::StatusOr<NamesrvConfig> c = Load(
      "listenPort=19876\n"
      "serverWorkerThreads = +4\n"  // Java's Integer.parseInt takes a sign
      "orderMessageEnable=TRUE\n"
      "rmqListenHost=127.0.0.1  \n"
      "rmqBrokerExpiredSeconds=30\n"
      "kvConfigPath=/tmp/kv.json\n"
      "serverSelectorThreads=3\n",  // accepted, no effect here
      &warnings);
  REQUIRE(c.ok());
  CHECK(c->listen_port == 19876);
  CHECK(c->server_worker_threads == 4);
  CHECK(c->order_message_enable);
  CHECK(c->listen_host == "127.0.0.1");
  CHECK(c->broker_expiry == absl::Seconds(30));
  CHECK(c->kv_config_path == "/tmp/kv.json");
  CHECK(warnings.empty());
}

TEST_CASE("namesrv config: a bad value names the file, line and key") {
  struct Case {
    std::string text;
    std::string expected;  // in the message
  };
  const Case cases[] = {
      {"# comment\nlistenPort=98x76\n", "namesrv.properties:2: listenPort"},
      {"listenPort=70000\n", "out of range"},
      {"serverWorkerThreads=0\n", "serverWorkerThreads"},
      {"orderMessageEnable=yes\n", "true or false"},
      {"rmqBrokerExpiredSeconds=\n", "rmqBrokerExpiredSeconds"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    absl::StatusOr<NamesrvConfig> config = Load(c.text, nullptr);
    REQUIRE_FALSE(config.ok());
    CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(config.status().message()),
               Catch::Matchers::Contains(c.expected));
  }
}

TEST_CASE("namesrv config: an unknown key is warned about with its line") {
  std::vector<std::string> warnings;
  absl::StatusOr<NamesrvConfig> c =
      Load("listenPort=9876\nlistenPrt=9877\n", &warnings);
  REQUIRE(c.ok());
  CHECK(c->listen_port == 9876);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Matchers::Contains("namesrv.properties:2"));
  CHECK_THAT(warnings[0], Catch::Matchers::Contains("listenPrt"));
}

}  // namespace
}  // namespace rmq::namesrv
