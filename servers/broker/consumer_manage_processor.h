#pragma once
// The broker's consumer-offset requests (remoting-protocol.md §9.3.2,
// §9.3.3, §9.5.7, §9.5.8, §9.6.3, §11.7): QUERY_CONSUMER_OFFSET (14),
// UPDATE_CONSUMER_OFFSET (15), GET_CONSUME_STATS (208) and
// INVOKE_BROKER_TO_RESET_OFFSET (222), which pushes
// RESET_CONSUMER_CLIENT_OFFSET (220) to the group's connections through a
// hook, so nothing here touches a socket. RocketMQ spreads these over
// ConsumerManageProcessor, AdminBrokerProcessor and Broker2Client.
//
// Thread-safety: thread-safe (the managers and the store are); the hooks
// are called on the thread that calls Handle.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "broker/client_manager.h"
#include "broker/consumer_offset_manager.h"
#include "broker/topic_config_manager.h"
#include "remoting/remoting_command.h"
#include "rmq/logger.h"
#include "rmq/store.h"

namespace rmq::broker {

struct ConsumerManageProcessorOptions {
  // BrokerConfig.brokerName: the brokerName of every MessageQueue key.
  std::string broker_name;
  // Sends a oneway request (RESET_CONSUMER_CLIENT_OFFSET) on a client
  // connection; the opaque is the transport's business. Unset: nobody is
  // told (the reset is still stored and answered).
  std::function<void(const ClientChannel&, remoting::RemotingCommand)>
      send_to_client;
  // Consume TPS of group/topic for GET_CONSUME_STATS (Java's
  // tpsGroupGetNums). Unset: 0.
  std::function<double(const std::string& group, const std::string& topic)>
      consume_tps;
  // Physical RAM for QUERY_CONSUMER_OFFSET's "first message still in
  // memory" test; 0 detects it. Tests set it to reach the other branch.
  int64_t physical_memory_bytes = 0;
  std::shared_ptr<Logger> logger;  // null: no logging
};

class ConsumerManageProcessor {
 public:
  // Everything must outlive the processor.
  ConsumerManageProcessor(ConsumerOffsetManager& offsets, MessageStore& store,
                          TopicConfigManager& topics, ClientManager& clients,
                          ConsumerManageProcessorOptions options);

  // True for 14, 15, 208 and 222.
  static bool Handles(int32_t code);
  // The response to `request`. A oneway request (UPDATE_CONSUMER_OFFSET from
  // Java) still gets one, which the caller drops.
  remoting::RemotingCommand Handle(const remoting::RemotingCommand& request);

 private:
  using Command = remoting::RemotingCommand;
  Command QueryConsumerOffset(const Command& request);
  Command UpdateConsumerOffset(const Command& request);
  Command ConsumeStats(const Command& request);
  Command ResetOffset(const Command& request);
  // Java's !checkInDiskByConsumeOffset(topic, queue, 0); see the .cc.
  bool FirstMessageInMemory(const std::string& topic, int32_t queue) const;
  void Log(LogLevel level, const std::string& message) const;

  ConsumerOffsetManager& offsets_;
  MessageStore& store_;
  TopicConfigManager& topics_;
  ClientManager& clients_;
  const ConsumerManageProcessorOptions options_;
  const int64_t physical_memory_bytes_;
};

// One MessageQueue as fastjson writes it (a key of §11.7's bodies):
// {"brokerName":"broker-a","queueId":0,"topic":"TopicTest"}
void AppendMessageQueueJson(std::string_view broker_name,
                            std::string_view topic, int32_t queue,
                            std::string* out);

// Java's Double.toString, which fastjson uses for a double: "0.0", "1.5",
// "1.0E7".
std::string JavaDoubleString(double value);

}  // namespace rmq::broker
