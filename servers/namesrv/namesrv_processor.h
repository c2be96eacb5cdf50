#pragma once
// The nameserver's request handling (remoting-protocol.md §9.7): one request
// in, its response out, no I/O. The server loop calls Process for each
// request and sends what it returns.
//
// Thread-safety: thread-safe (the managers are).

#include <cstdint>
#include <optional>

#include "absl/time/time.h"
#include "namesrv/kv_config_manager.h"
#include "namesrv/route_info_manager.h"
#include "remoting/remoting_command.h"
#include "rmq/logger.h"

namespace rmq::namesrv {

inline constexpr char kOrderTopicConfigNamespace[] = "ORDER_TOPIC_CONFIG";

class NamesrvProcessor {
 public:
  // The managers and `logger` must outlive the processor. With
  // `order_message_enable` (orderMessageEnable) routes carry orderTopicConf.
  NamesrvProcessor(RouteInfoManager& routes, KvConfigManager& kv,
                   Logger& logger, bool order_message_enable);

  // The response to `request` (received on `connection` at `now`), or
  // nullopt for a oneway request.
  std::optional<remoting::RemotingCommand> Process(
      const remoting::RemotingCommand& request, uint64_t connection,
      absl::Time now);

 private:
  using Command = remoting::RemotingCommand;
  Command RegisterBroker(const Command& request, uint64_t connection,
                         absl::Time now);
  Command UnregisterBroker(const Command& request);
  Command QueryDataVersion(const Command& request, absl::Time now);
  Command RouteByTopic(const Command& request);
  Command KvConfig(const Command& request);
  Command ChangeWritePerm(const Command& request, bool writable);
  Command Dispatch(const Command& request, uint64_t connection, absl::Time now);

  RouteInfoManager& routes_;
  KvConfigManager& kv_;
  Logger& logger_;
  const bool order_message_enable_;
};

}  // namespace rmq::namesrv
