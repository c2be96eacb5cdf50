#include "broker/broker_controller.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/thread_name.h"
#include "remoting/codes.h"

namespace rmq::broker {
namespace {

using remoting::RemotingCommand;
namespace code = remoting::request;
namespace rc = remoting::response;

uint64_t ConnectionId(const std::shared_ptr<remoting::Connection>& c) {
  return reinterpret_cast<uintptr_t>(c.get());
}

bool IsSend(int32_t c) {
  return c == code::kSendMessage || c == code::kSendMessageV2 ||
         c == code::kSendBatchMessage;
}

bool IsClientRequest(int32_t c) {
  return c == code::kHeartBeat || c == code::kUnregisterClient ||
         c == code::kGetConsumerListByGroup ||
         c == code::kGetConsumerConnectionList ||
         c == code::kGetProducerConnectionList;
}

}  // namespace

BrokerController::BrokerController(BrokerConfig config,
                                   std::shared_ptr<Logger> logger)
    : config_(std::move(config)),
      logger_(std::move(logger)),
      boot_time_(absl::Now()) {}

BrokerController::~BrokerController() { Shutdown(); }

absl::Status BrokerController::Start() {
  Logger& log = *logger_;
  const std::filesystem::path config_dir = config_.store.ConfigDir();
  topics_ = std::make_unique<TopicConfigManager>(TopicConfigManagerOptions{
      .config_dir = config_dir,
      .broker_name = config_.broker_name,
      .cluster_name = config_.broker_cluster_name,
      .default_topic_queue_nums = config_.default_topic_queue_nums,
      .auto_create_topic_enable = config_.auto_create_topic_enable,
      .broker_permission = config_.broker_permission,
      .cluster_topic_enable = config_.cluster_topic_enable,
      .broker_topic_enable = config_.broker_topic_enable,
      .trace_topic_enable = config_.trace_topic_enable,
      .msg_trace_topic_name = config_.msg_trace_topic_name,
      .clock = nullptr});
  if (absl::Status s = topics_->Load(); !s.ok()) return s;
  groups_ = std::make_unique<SubscriptionGroupManager>(config_dir);
  if (absl::Status s = groups_->Load(); !s.ok()) return s;
  offsets_ = std::make_unique<ConsumerOffsetManager>(config_dir);
  if (absl::Status s = offsets_->Load(); !s.ok()) return s;

  pull_executor_ = std::make_unique<server::BoundedExecutor>(
      std::max(1, config_.pull_message_thread_pool_nums),
      static_cast<size_t>(
          std::max(1, config_.pull_thread_pool_queue_capacity)));
  hold_ = std::make_unique<PullRequestHoldService>(
      [this](PullRequestHoldService::Retry& retry) {
        return pull_executor_->TrySubmit(std::move(retry));
      });
  StoreConfig store_config = config_.store;
  store_config.logger = logger_;
  store_config.on_message_arrived = [this](std::string_view topic,
                                           int32_t queue, int64_t next,
                                           int64_t tags_code) {
    hold_->NotifyMessageArriving(topic, queue, next, tags_code);
  };
  absl::StatusOr<std::unique_ptr<MessageStore>> store =
      MessageStore::Open(std::move(store_config));
  if (!store.ok()) return store.status();
  store_ = *std::move(store);

  namesrv_client_ = std::make_unique<remoting::RemotingClient>(
      remoting::TransportOptions{}, log);
  registrar_ = std::make_unique<NamesrvRegistrar>(config_, *namesrv_client_,
                                                  *topics_, log);
  send_ = std::make_unique<SendMessageProcessor>(
      config_, *store_, *topics_, *groups_, log,
      [this] { registrar_->RequestRegistration(); });
  admin_ = std::make_unique<AdminProcessor>(
      config_, *store_, *topics_, *groups_, stats_, log,
      [this] { (void)registrar_->RegisterAll(); },
      [this] { return ExtraRuntimeInfo(); });
  pull_ = std::make_unique<PullMessageProcessor>(
      config_, *store_, *topics_, *groups_, clients_, *hold_,
      [this](const std::string& group, const std::string& topic, int32_t queue,
             int64_t offset) {
        offsets_->Commit(group, topic, queue, offset);
      });
  hold_->Start();
  consumer_manage_ = std::make_unique<ConsumerManageProcessor>(
      *offsets_, *store_, *topics_, clients_,
      ConsumerManageProcessorOptions{
          .broker_name = config_.broker_name,
          .send_to_client =
              [this](const ClientChannel& channel, Command request) {
                SendToClient(channel.id, std::move(request));
              },
          .consume_tps = nullptr,
          .physical_memory_bytes = 0,
          .logger = logger_});
  send_back_ = std::make_unique<SendBackProcessor>(
      config_, *store_, *topics_, *groups_, log,
      [this] { registrar_->RequestRegistration(); });
  schedule_ = std::make_unique<ScheduleMessageService>(
      *store_, log, ScheduleMessageServiceOptions{.config_dir = config_dir});
  if (absl::Status s = schedule_->Load(); !s.ok()) return s;
  if (config_.store.broker_role != BrokerRole::kSlave) schedule_->Start();
  client_processor_ = std::make_unique<ClientProcessor>(
      clients_, *groups_, *topics_,
      ClientProcessorOptions{
          .auto_create_subscription_group =
              config_.auto_create_subscription_group,
          .on_consumer_ids_changed =
              [this](const std::string& group,
                     const std::vector<ClientChannel>& channels) {
                NotifyConsumerIdsChanged(group, channels);
              },
          .on_topic_created =
              [this](const TopicConfig&) { registrar_->RequestRegistration(); },
          .logger = logger_});

  send_executor_ = std::make_unique<server::BoundedExecutor>(
      std::max(1, config_.send_message_thread_pool_nums),
      static_cast<size_t>(
          std::max(1, config_.send_thread_pool_queue_capacity)));
  admin_executor_ = std::make_unique<server::BoundedExecutor>(
      std::max(1, config_.admin_broker_thread_pool_nums),
      static_cast<size_t>(
          std::max(1, config_.query_thread_pool_queue_capacity)));
  client_executor_ = std::make_unique<server::BoundedExecutor>(
      std::max(1, config_.heartbeat_thread_pool_nums), 50000);

  remoting::TransportOptions transport;
  transport.io_threads = std::clamp(config_.server_selector_threads, 1, 4);
  transport.idle_timeout =
      absl::Seconds(config_.server_channel_max_idle_time_seconds);
  const auto on_close = [this](const ConnectionPtr& c) { OnClosed(c); };
  server_ = std::make_unique<remoting::RemotingServer>(
      transport, log,
      [this](const ConnectionPtr& c, Command request) {
        OnRequest(c, std::move(request), /*fast=*/false);
      },
      on_close);
  fast_server_ = std::make_unique<remoting::RemotingServer>(
      transport, log,
      [this](const ConnectionPtr& c, Command request) {
        OnRequest(c, std::move(request), /*fast=*/true);
      },
      on_close);
  accepting_ = true;
  if (absl::Status s = server_->Start(
          config_.listen_host, static_cast<uint16_t>(config_.listen_port));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = fast_server_->Start(
          config_.listen_host, static_cast<uint16_t>(config_.FastListenPort()));
      !s.ok()) {
    return s;
  }
  started_ = true;
  registrar_->Start();
  ticker_ = std::thread([this] { Tick(); });
  log.Log(LogLevel::kInfo,
          absl::StrCat("The broker[", config_.broker_name, ", ",
                       config_.BrokerAddr(),
                       "] boot success. serializeType=JSON and name server is ",
                       config_.namesrv_addr));
  return absl::OkStatus();
}

void BrokerController::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  Logger& log = *logger_;
  if (ticker_.joinable()) {
    stop_ticker_.Notify();
    ticker_.join();
  }
  if (registrar_ != nullptr) {
    registrar_->Stop();
    if (started_) registrar_->UnregisterAll();
  }
  // New requests are answered "shutting down"; queued ones still run, and
  // held pulls are answered now.
  accepting_ = false;
  if (hold_ != nullptr) hold_->Stop();
  for (auto* executor : {send_executor_.get(), pull_executor_.get(),
                         admin_executor_.get(), client_executor_.get()}) {
    if (executor != nullptr) executor->Stop();
  }
  if (schedule_ != nullptr) schedule_->Stop();  // persists delayOffset.json
  if (offsets_ != nullptr) {
    if (absl::StatusOr<bool> saved = offsets_->PersistIfChanged();
        !saved.ok()) {
      log.Log(LogLevel::kError, absl::StrCat("saving consumer offsets: ",
                                             saved.status().message()));
    }
  }
  if (store_ != nullptr) {
    // Flushes and completes the sends waiting for it, then the checkpoint.
    if (absl::Status s = store_->Shutdown(); !s.ok()) {
      log.Log(LogLevel::kError,
              absl::StrCat("closing the store: ", s.message()));
    }
  }
  if (fast_server_ != nullptr) fast_server_->Stop();
  if (server_ != nullptr) server_->Stop();
  if (namesrv_client_ != nullptr) namesrv_client_->Stop();
  if (started_) log.Log(LogLevel::kInfo, "the broker shut down cleanly");
}

uint16_t BrokerController::port() const {
  return server_ != nullptr ? server_->port() : 0;
}

uint16_t BrokerController::fast_port() const {
  return fast_server_ != nullptr ? fast_server_->port() : 0;
}

void BrokerController::Reply(const ConnectionPtr& connection,
                             const Command& request, Command response) {
  if (request.is_oneway()) return;
  if (absl::Status s = connection->Send(response);
      !s.ok() && !connection->closed()) {
    logger_->Log(LogLevel::kWarn,
                 absl::StrCat("answering ", connection->remote_address(), ": ",
                              s.message()));
  }
}

void BrokerController::SendPull(const ConnectionPtr& connection,
                                const Command& request, PullReply reply) {
  if (request.is_oneway()) return;
  // The records go out straight from the mapped commit log.
  absl::Status s = connection->SendWithBodyParts(
      reply.response, std::move(reply.body), std::move(reply.keepalive));
  if (!s.ok() && !connection->closed()) {
    logger_->Log(LogLevel::kWarn,
                 absl::StrCat("answering a pull from ",
                              connection->remote_address(), ": ", s.message()));
  }
}

void BrokerController::Submit(server::BoundedExecutor& executor,
                              const char* pool, const ConnectionPtr& connection,
                              const Command& request,
                              server::BoundedExecutor::Task work) {
  if (executor.TrySubmit(std::move(work))) return;
  Reply(connection, request,
        RemotingCommand::ResponseTo(
            request, rc::kSystemBusy,
            absl::StrCat("[REJECTREQUEST]system busy: the ", pool,
                         " queue is full (", executor.capacity(),
                         " requests), start flow control for a while")));
}

void BrokerController::OnRequest(const ConnectionPtr& connection,
                                 Command request, bool fast) {
  if (!accepting_) {
    Reply(connection, request,
          RemotingCommand::ResponseTo(request, rc::kServiceNotAvailable,
                                      "the broker is shutting down"));
    return;
  }
  {
    absl::MutexLock lock(&connections_mu_);
    connections_.try_emplace(ConnectionId(connection), connection);
  }
  const int32_t c = request.code;
  if (IsSend(c)) {
    Submit(*send_executor_, "send", connection, request,
           [this, connection, request]() mutable {
             send_->Handle(request, connection->remote_address(),
                           [this, connection, request](Command response) {
                             Reply(connection, request, std::move(response));
                           });
           });
  } else if (c == code::kPullMessage && !fast) {
    Submit(*pull_executor_, "pull", connection, request,
           [this, connection, request] {
             pull_->Handle(request, connection->remote_address(),
                           [this, connection, request](PullReply reply) {
                             SendPull(connection, request, std::move(reply));
                           });
           });
  } else if (IsClientRequest(c)) {
    Submit(*client_executor_, "client", connection, request,
           [this, connection, request] {
             ClientChannel channel{.id = ConnectionId(connection),
                                   .remote_addr = connection->remote_address(),
                                   .language = request.language,
                                   .version = request.version,
                                   .client_id = {}};
             Reply(connection, request,
                   client_processor_->Handle(request, channel, absl::Now()));
           });
  } else if (SendBackProcessor::Handles(c)) {
    Submit(*send_executor_, "send", connection, request,
           [this, connection, request] {
             Reply(connection, request, send_back_->Handle(request));
           });
  } else if (ConsumerManageProcessor::Handles(c)) {
    Submit(*client_executor_, "client", connection, request,
           [this, connection, request] {
             Reply(connection, request, consumer_manage_->Handle(request));
           });
  } else if (LockProcessor::Handles(c)) {
    Submit(*client_executor_, "client", connection, request,
           [this, connection, request] {
             Reply(connection, request,
                   lock_processor_.Handle(request, absl::Now()));
           });
  } else if (AdminProcessor::Handles(c)) {
    Submit(*admin_executor_, "admin", connection, request,
           [this, connection, request] {
             Reply(connection, request, admin_->Handle(request));
           });
  } else {
    Reply(connection, request,
          RemotingCommand::ResponseTo(
              request, rc::kRequestCodeNotSupported,
              absl::StrCat(" request type ", c, " not supported")));
  }
}

void BrokerController::OnClosed(const ConnectionPtr& connection) {
  const uint64_t id = ConnectionId(connection);
  {
    absl::MutexLock lock(&connections_mu_);
    connections_.erase(id);
  }
  if (client_processor_ != nullptr) client_processor_->ChannelClosed(id);
}

void BrokerController::SendToClient(uint64_t channel_id, Command request) {
  std::shared_ptr<remoting::Connection> connection;
  {
    absl::MutexLock lock(&connections_mu_);
    auto it = connections_.find(channel_id);
    if (it != connections_.end()) connection = it->second.lock();
  }
  if (connection != nullptr) (void)connection->InvokeOneway(std::move(request));
}

void BrokerController::NotifyConsumerIdsChanged(
    const std::string& group, const std::vector<ClientChannel>& channels) {
  for (const ClientChannel& channel : channels) {
    std::shared_ptr<remoting::Connection> connection;
    {
      absl::MutexLock lock(&connections_mu_);
      auto it = connections_.find(channel.id);
      if (it != connections_.end()) connection = it->second.lock();
    }
    if (connection == nullptr) continue;
    RemotingCommand notify =
        RemotingCommand::Request(code::kNotifyConsumerIdsChanged);
    notify.ext_fields.Set("consumerGroup", group);
    (void)connection->InvokeOneway(std::move(notify));
  }
}

void BrokerController::Tick() {
  NameThisThread("BrokerTicker");
  int seconds = 0;
  absl::Time next_offsets_persist =
      absl::Now() + absl::Milliseconds(config_.flush_consumer_offset_interval);
  while (!stop_ticker_.WaitForNotificationWithTimeout(absl::Seconds(1))) {
    const StoreStats s = store_->Stats();
    stats_.Sample(absl::Now(), s.put_messages, s.get_messages);
    if (absl::Now() >= next_offsets_persist) {
      if (absl::StatusOr<bool> saved = offsets_->PersistIfChanged();
          !saved.ok()) {
        logger_->Log(LogLevel::kError, absl::StrCat("saving consumer offsets: ",
                                                    saved.status().message()));
      }
      next_offsets_persist =
          absl::Now() +
          absl::Milliseconds(config_.flush_consumer_offset_interval);
    }
    if (++seconds % 10 != 0) continue;
    for (uint64_t id : client_processor_->ScanExpired(absl::Now())) {
      absl::MutexLock lock(&connections_mu_);
      auto it = connections_.find(id);
      if (it == connections_.end()) continue;
      if (auto connection = it->second.lock()) connection->Close();
    }
  }
}

std::map<std::string, std::string> BrokerController::ExtraRuntimeInfo() const {
  return {
      {"bootTimestamp", std::to_string(absl::ToUnixMillis(boot_time_))},
      {"runtime",
       absl::StrCat("[ ", absl::FormatDuration(absl::Now() - boot_time_),
                    " ]")},
      {"sendThreadPoolQueueSize", std::to_string(send_executor_->queue_size())},
      {"sendThreadPoolQueueCapacity",
       std::to_string(send_executor_->capacity())},
      {"queryThreadPoolQueueSize",
       std::to_string(admin_executor_->queue_size())},
      {"queryThreadPoolQueueCapacity",
       std::to_string(admin_executor_->capacity())},
      {"startAcceptSendRequestTimeStamp",
       std::to_string(config_.start_accept_send_request_time_stamp)},
  };
}

}  // namespace rmq::broker
