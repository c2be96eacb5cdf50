#pragma once
// rmq-broker's wiring (RocketMQ's BrokerController): the store, the topic
// and subscription-group tables, the request processors, the remoting
// servers on listenPort and the fast port (listenPort - 2), the nameserver
// registrar and the periodic tasks. Requests are handed to bounded executors
// (send, admin, client), never worked on by the network threads.
//
// Thread-safety: Start and Shutdown from one thread; everything else is
// driven by the servers.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "broker/admin_processor.h"
#include "broker/broker_config.h"
#include "broker/broker_stats.h"
#include "broker/client_manager.h"
#include "broker/client_processor.h"
#include "broker/consumer_manage_processor.h"
#include "broker/consumer_offset_manager.h"
#include "broker/lock_processor.h"
#include "broker/namesrv_registrar.h"
#include "broker/pull_message_processor.h"
#include "broker/pull_request_hold_service.h"
#include "broker/schedule_message_service.h"
#include "broker/send_back_processor.h"
#include "broker/send_message_processor.h"
#include "broker/subscription_group_manager.h"
#include "broker/topic_config_manager.h"
#include "common/bounded_executor.h"
#include "remoting/client.h"
#include "remoting/server.h"
#include "rmq/logger.h"
#include "rmq/store.h"

namespace rmq::broker {

class BrokerController {
 public:
  // `logger` must outlive the controller.
  BrokerController(BrokerConfig config, std::shared_ptr<Logger> logger);
  ~BrokerController();  // Shutdown()
  BrokerController(const BrokerController&) = delete;
  BrokerController& operator=(const BrokerController&) = delete;

  // Loads the config files, opens the store, starts listening and registers
  // with the nameservers. A store that cannot be opened, a port that cannot
  // be bound: an error saying which.
  absl::Status Start();
  // Clean shutdown: unregisters, refuses new requests, finishes queued
  // ones, flushes and closes the store (checkpoint written, abort removed),
  // then closes the connections. Idempotent.
  void Shutdown();

  uint16_t port() const;
  uint16_t fast_port() const;
  const BrokerConfig& config() const { return config_; }

 private:
  using Command = remoting::RemotingCommand;
  using ConnectionPtr = std::shared_ptr<remoting::Connection>;

  // `fast`: the request came in on the fast port, which does not serve
  // pulls (remoting-protocol.md §1).
  void OnRequest(const ConnectionPtr& connection, Command request, bool fast);
  void OnClosed(const ConnectionPtr& connection);
  // Sends `response` unless the request was oneway.
  void Reply(const ConnectionPtr& connection, const Command& request,
             Command response);
  void SendPull(const ConnectionPtr& connection, const Command& request,
                PullReply reply);
  // Hands `work` to `executor`, or answers SYSTEM_BUSY saying why.
  void Submit(server::BoundedExecutor& executor, const char* pool,
              const ConnectionPtr& connection, const Command& request,
              server::BoundedExecutor::Task work);
  void NotifyConsumerIdsChanged(const std::string& group,
                                const std::vector<ClientChannel>& channels);
  // Sends a oneway request to a client on its own connection.
  void SendToClient(uint64_t channel_id, Command request);
  void Tick();  // stats every second, client expiry every 10 s
  std::map<std::string, std::string> ExtraRuntimeInfo() const;

  BrokerConfig config_;
  std::shared_ptr<Logger> logger_;
  const absl::Time boot_time_;

  std::unique_ptr<MessageStore> store_;
  std::unique_ptr<TopicConfigManager> topics_;
  std::unique_ptr<SubscriptionGroupManager> groups_;
  BrokerStats stats_;
  ClientManager clients_;
  std::unique_ptr<SendMessageProcessor> send_;
  std::unique_ptr<AdminProcessor> admin_;
  std::unique_ptr<ClientProcessor> client_processor_;
  std::unique_ptr<PullRequestHoldService> hold_;
  std::unique_ptr<PullMessageProcessor> pull_;
  std::unique_ptr<ConsumerOffsetManager> offsets_;
  std::unique_ptr<ConsumerManageProcessor> consumer_manage_;
  std::unique_ptr<SendBackProcessor> send_back_;
  std::unique_ptr<ScheduleMessageService> schedule_;
  RebalanceLockManager locks_;
  LockProcessor lock_processor_{locks_};

  std::unique_ptr<server::BoundedExecutor> send_executor_;
  std::unique_ptr<server::BoundedExecutor> pull_executor_;
  std::unique_ptr<server::BoundedExecutor> admin_executor_;
  std::unique_ptr<server::BoundedExecutor> client_executor_;

  std::unique_ptr<remoting::RemotingClient> namesrv_client_;
  std::unique_ptr<NamesrvRegistrar> registrar_;
  std::unique_ptr<remoting::RemotingServer> server_;
  std::unique_ptr<remoting::RemotingServer> fast_server_;

  // Connections by the id the client tables know them by.
  mutable absl::Mutex connections_mu_;
  absl::flat_hash_map<uint64_t, std::weak_ptr<remoting::Connection>>
      connections_ ABSL_GUARDED_BY(connections_mu_);

  std::atomic<bool> accepting_{false};
  absl::Notification stop_ticker_;
  std::thread ticker_;
  bool started_ = false;
  bool shut_down_ = false;
};

}  // namespace rmq::broker
