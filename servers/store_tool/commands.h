#pragma once
// rmq-store's subcommands. Each returns the process exit code.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "rmq/store_config.h"

namespace rmq::tool {

struct Options {
  std::string store;
  std::string config_file;
  std::optional<std::string> topic;
  std::optional<int32_t> queue;
  std::string key;
  std::optional<int32_t> max;
  int64_t begin_ms = 0;
  int64_t end_ms = INT64_MAX;
};

int Load(const Options& options, std::istream& in);
int Dump(const Options& options);
int Query(const Options& options);
int Verify(const Options& options);
int Stat(const Options& options);

// The store configuration: --config file (if any) then --store.
absl::StatusOr<StoreConfig> MakeConfig(const Options& options, bool read_only);

}  // namespace rmq::tool
