#pragma once
// Keeps the broker registered with every nameserver (remoting-protocol.md
// §9.7.2, §10.2): REGISTER_BROKER to all of them in parallel at start, every
// registerNameServerPeriod, and promptly after a topic change;
// UNREGISTER_BROKER to all at shutdown. One nameserver being down never
// holds up the others.
//
// Thread-safety: thread-safe. Owns one thread (Start/Stop).

#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "broker/broker_config.h"
#include "broker/topic_config_manager.h"
#include "remoting/client.h"
#include "rmq/logger.h"

namespace rmq::broker {

class NamesrvRegistrar {
 public:
  // Everything must outlive the registrar.
  NamesrvRegistrar(const BrokerConfig& config, remoting::RemotingClient& client,
                   TopicConfigManager& topics, Logger& logger);
  ~NamesrvRegistrar();  // Stop()
  NamesrvRegistrar(const NamesrvRegistrar&) = delete;
  NamesrvRegistrar& operator=(const NamesrvRegistrar&) = delete;

  // Registers now, then every period, from the registrar's thread.
  void Start();
  // Asks for a registration as soon as possible (after a topic was created
  // by a send); returns at once.
  void RequestRegistration();
  // Registers with every nameserver and waits (registerBrokerTimeoutMills at
  // most). OK when at least one accepted, or when none is configured.
  absl::Status RegisterAll();
  // UNREGISTER_BROKER to every nameserver, waiting as RegisterAll does.
  void UnregisterAll();
  void Stop();

 private:
  void Run();
  remoting::RemotingCommand RegisterRequest() const;
  remoting::RemotingCommand UnregisterRequest() const;
  // Sends `request` to every nameserver in parallel; how many answered 0.
  int SendToAll(const remoting::RemotingCommand& request, const char* what);

  const BrokerConfig& config_;
  remoting::RemotingClient& client_;
  TopicConfigManager& topics_;
  Logger& logger_;
  const std::vector<std::string> namesrvs_;

  absl::Mutex mu_;
  bool wanted_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace rmq::broker
