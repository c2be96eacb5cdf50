#include "broker/namesrv_registrar.h"

#include <zlib.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "base/thread_name.h"
#include "remoting/codes.h"

namespace rmq::broker {
namespace {

using remoting::RemotingCommand;

int64_t MaskedCrc32(std::string_view data) {
  return static_cast<int64_t>(crc32(0,
                                    reinterpret_cast<const Bytef*>(data.data()),
                                    static_cast<uInt>(data.size()))) &
         0x7FFFFFFF;
}

}  // namespace

NamesrvRegistrar::NamesrvRegistrar(const BrokerConfig& config,
                                   remoting::RemotingClient& client,
                                   TopicConfigManager& topics, Logger& logger)
    : config_(config),
      client_(client),
      topics_(topics),
      logger_(logger),
      namesrvs_(config.NamesrvAddrs()) {}

NamesrvRegistrar::~NamesrvRegistrar() { Stop(); }

RemotingCommand NamesrvRegistrar::RegisterRequest() const {
  RemotingCommand r =
      RemotingCommand::Request(remoting::request::kRegisterBroker);
  r.body =
      absl::StrCat(R"({"filterServerList":[],"topicConfigSerializeWrapper":)",
                   topics_.EncodeWrapperForRegistration(), "}");
  r.ext_fields.Set("brokerAddr", config_.BrokerAddr());
  r.ext_fields.Set("brokerName", config_.broker_name);
  r.ext_fields.Set("brokerId", std::to_string(config_.broker_id));
  r.ext_fields.Set("clusterName", config_.broker_cluster_name);
  r.ext_fields.Set("haServerAddr", config_.HaServerAddr());
  r.ext_fields.Set("compressed", "false");
  r.ext_fields.Set("bodyCrc32", std::to_string(MaskedCrc32(r.body)));
  return r;
}

RemotingCommand NamesrvRegistrar::UnregisterRequest() const {
  RemotingCommand r =
      RemotingCommand::Request(remoting::request::kUnregisterBroker);
  r.ext_fields.Set("brokerAddr", config_.BrokerAddr());
  r.ext_fields.Set("brokerName", config_.broker_name);
  r.ext_fields.Set("brokerId", std::to_string(config_.broker_id));
  r.ext_fields.Set("clusterName", config_.broker_cluster_name);
  return r;
}

int NamesrvRegistrar::SendToAll(const RemotingCommand& request,
                                const char* what) {
  if (namesrvs_.empty()) return 0;
  const absl::Duration timeout =
      absl::Milliseconds(config_.register_broker_timeout_mills);
  absl::BlockingCounter pending(static_cast<int>(namesrvs_.size()));
  std::atomic<int> accepted{0};
  for (const std::string& addr : namesrvs_) {
    client_.InvokeAsync(
        addr, request, timeout,
        [&, addr](absl::StatusOr<RemotingCommand> response) {
          if (!response.ok()) {
            logger_.Log(LogLevel::kWarn,
                        absl::StrCat(what, " with nameserver ", addr,
                                     " failed: ", response.status().message()));
          } else if (response->code != remoting::response::kSuccess) {
            logger_.Log(LogLevel::kWarn,
                        absl::StrCat(what, " with nameserver ", addr,
                                     " refused (", response->code,
                                     "): ", response->remark.value_or("")));
          } else {
            accepted.fetch_add(1);
          }
          pending.DecrementCount();
        });
  }
  pending.Wait();
  return accepted.load();
}

absl::Status NamesrvRegistrar::RegisterAll() {
  if (namesrvs_.empty()) return absl::OkStatus();
  const int accepted = SendToAll(RegisterRequest(), "registration");
  if (accepted == 0) {
    return absl::UnavailableError(absl::StrCat("no nameserver of ",
                                               config_.namesrv_addr,
                                               " accepted the registration"));
  }
  return absl::OkStatus();
}

void NamesrvRegistrar::UnregisterAll() {
  const int accepted = SendToAll(UnregisterRequest(), "unregistration");
  if (!namesrvs_.empty()) {
    logger_.Log(LogLevel::kInfo,
                absl::StrCat("unregistered from ", accepted, " of ",
                             namesrvs_.size(), " nameservers"));
  }
}

void NamesrvRegistrar::Start() {
  if (namesrvs_.empty()) {
    logger_.Log(LogLevel::kWarn,
                "no namesrvAddr configured: clients cannot find this broker");
    return;
  }
  thread_ = std::thread([this] { Run(); });
}

void NamesrvRegistrar::RequestRegistration() {
  absl::MutexLock lock(&mu_);
  wanted_ = true;
}

void NamesrvRegistrar::Run() {
  NameThisThread("NamesrvRegister");
  const absl::Duration period =
      absl::Milliseconds(config_.register_name_server_period);
  while (true) {
    (void)RegisterAll();
    absl::MutexLock lock(&mu_);
    const auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || wanted_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&woken), period);
    if (stopping_) return;
    wanted_ = false;
  }
}

void NamesrvRegistrar::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace rmq::broker
