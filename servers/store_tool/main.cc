// rmq-store: the operator's tool for a store directory.
//   rmq-store load   --store DIR [--config FILE]     JSON lines on stdin
//   rmq-store dump   --store DIR [--topic T] [--queue Q]
//   rmq-store query  --store DIR --topic T --key K [--max N] [--begin MS --end
//   MS] rmq-store verify --store DIR rmq-store stat   --store DIR

#include <iostream>

#include "CLI/CLI.hpp"
#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "rmq-store: load, dump, query, verify and inspect a RocketMQ "
      "store directory"};
  app.require_subcommand(1);
  rmq::tool::Options o;
  auto common = [&o](CLI::App* sub) {
    sub->add_option("--store", o.store, "store directory (storePathRootDir)")
        ->required();
    sub->add_option("--config", o.config_file,
                    "RocketMQ broker/store .properties file");
  };
  CLI::App* load = app.add_subcommand("load", "append JSON lines from stdin");
  common(load);
  CLI::App* dump = app.add_subcommand("dump", "print every message as JSON");
  common(dump);
  dump->add_option("--topic", o.topic, "only this topic (via its queues)");
  dump->add_option("--queue", o.queue, "only this queue (needs --topic)");
  CLI::App* query = app.add_subcommand("query", "find messages by key");
  common(query);
  query->add_option("--topic", o.topic)->required();
  query->add_option("--key", o.key)->required();
  query->add_option("--max", o.max, "at most N messages (default: all)");
  query->add_option("--begin", o.begin_ms, "store time from (ms)");
  query->add_option("--end", o.end_ms, "store time to (ms)");
  CLI::App* verify = app.add_subcommand("verify", "check every file");
  common(verify);
  CLI::App* stat = app.add_subcommand("stat", "segments, queues, counts");
  common(stat);
  CLI11_PARSE(app, argc, argv);

  if (*load) return rmq::tool::Load(o, std::cin);
  if (*dump) {
    if (o.queue.has_value() && !o.topic.has_value()) {
      std::cerr << "rmq-store dump: --queue needs --topic\n";
      return 2;
    }
    return rmq::tool::Dump(o);
  }
  if (*query) return rmq::tool::Query(o);
  if (*verify) return rmq::tool::Verify(o);
  return rmq::tool::Stat(o);
}
