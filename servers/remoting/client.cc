#include "remoting/client.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"

namespace rmq::remoting {
namespace {

// How long Stop() lets closing connections finish their teardown.
constexpr absl::Duration kStopDrain = absl::Seconds(5);
// InvokeSync relies on Invoke's own timer; this only keeps a bug from
// hanging the caller forever.
constexpr absl::Duration kSyncSafetyMargin = absl::Seconds(5);

absl::Status StoppedError() {
  return absl::UnavailableError("remoting client is stopped");
}

std::string ErrnoText(int error) {
  return std::system_category().message(error);
}

struct HostPort {
  std::string host;
  std::string port;
};

// "host:port", "ip:port" or "[ipv6]:port".
absl::StatusOr<HostPort> ParseAddress(std::string_view addr) {
  const size_t colon = addr.rfind(':');
  uint32_t port = 0;
  if (colon == std::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(std::string(addr.substr(colon + 1)), &port) ||
      port == 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "remoting address '", std::string(addr), "' is not host:port"));
  }
  std::string_view host = addr.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return HostPort{std::string(host), std::to_string(port)};
}

// asio's synchronous connect has no timeout and its asynchronous one would
// need the I/O threads (which may be the caller): a non-blocking connect(2)
// and poll(2) on the calling thread give both. Returns what went wrong.
absl::Status ConnectBefore(asio::ip::tcp::socket& socket,
                           const asio::ip::tcp::endpoint& endpoint,
                           absl::Time deadline) {
  asio::error_code ec;
  socket.open(endpoint.protocol(), ec);
  if (!ec) socket.non_blocking(true, ec);
  if (ec) return absl::UnavailableError(ec.message());
  const int fd = socket.native_handle();
  if (::connect(fd, endpoint.data(), endpoint.size()) != 0) {
    if (errno != EINPROGRESS) return absl::UnavailableError(ErrnoText(errno));
    for (;;) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        return absl::UnavailableError("timed out connecting");
      }
      pollfd poll_fd{.fd = fd, .events = POLLOUT, .revents = 0};
      const int64_t wait_ms =
          std::clamp<int64_t>(absl::ToInt64Milliseconds(left), 1, 60'000);
      const int ready = ::poll(&poll_fd, 1, static_cast<int>(wait_ms));
      if (ready > 0) break;
      if (ready < 0 && errno != EINTR) {
        return absl::UnavailableError(ErrnoText(errno));
      }
    }
    int error = 0;
    socklen_t length = sizeof(error);
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
      error = errno;
    }
    if (error != 0) return absl::UnavailableError(ErrnoText(error));
  }
  socket.non_blocking(false, ec);
  // Requests are small and latency matters (Java sets TCP_NODELAY too).
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  return absl::OkStatus();
}

// A connected socket whose executor is a new strand of `io`.
absl::StatusOr<asio::ip::tcp::socket> ConnectSocket(asio::io_context& io,
                                                    std::string_view addr,
                                                    absl::Duration timeout) {
  absl::StatusOr<HostPort> target = ParseAddress(addr);
  if (!target.ok()) return target.status();
  const absl::Time deadline = absl::Now() + timeout;
  asio::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(
      target->host, target->port, asio::ip::tcp::resolver::numeric_service, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", std::string(addr),
                     ": cannot resolve the host: ", ec.message()));
  }
  std::string last_error = "the host has no address";
  for (const auto& entry : endpoints) {
    asio::ip::tcp::socket socket(asio::any_io_executor(asio::make_strand(io)));
    absl::Status connected = ConnectBefore(socket, entry.endpoint(), deadline);
    if (connected.ok()) return socket;
    last_error = std::string(connected.message());
  }
  return absl::UnavailableError(
      absl::StrCat("cannot connect to ", std::string(addr), ": ", last_error));
}

}  // namespace

RemotingClient::RemotingClient(TransportOptions options, Logger& logger,
                               RequestHandler on_request)
    : options_(std::move(options)),
      logger_(logger),
      on_request_(std::move(on_request)),
      runner_(logger) {
  runner_.Start(options_.io_threads);
}

RemotingClient::~RemotingClient() { Stop(); }

absl::StatusOr<std::shared_ptr<Connection>> RemotingClient::GetConnection(
    std::string_view addr, absl::Duration timeout) {
  std::shared_ptr<Endpoint> endpoint;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return StoppedError();
    std::shared_ptr<Endpoint>& slot = endpoints_[std::string(addr)];
    if (slot == nullptr) slot = std::make_shared<Endpoint>();
    if (slot->connection != nullptr && !slot->connection->closed()) {
      return slot->connection;
    }
    endpoint = slot;
  }
  absl::MutexLock connecting(&endpoint->connect_mu);
  {
    // Whoever held connect_mu before us may have connected already.
    absl::MutexLock lock(&mu_);
    if (stopped_) return StoppedError();
    if (endpoint->connection != nullptr && !endpoint->connection->closed()) {
      return endpoint->connection;
    }
  }
  absl::StatusOr<asio::ip::tcp::socket> socket = ConnectSocket(
      *runner_.context(), addr, std::min(timeout, options_.connect_timeout));
  if (!socket.ok()) return socket.status();

  absl::MutexLock lock(&mu_);
  // Checked under the lock Stop() takes, so no connection starts on an
  // io_context that Stop() is already draining.
  if (stopped_) return StoppedError();
  std::shared_ptr<Connection> connection = Connection::Create(
      *std::move(socket), runner_.context(), options_, logger_, on_request_,
      [this](const std::shared_ptr<Connection>& closed) { OnClosed(closed); });
  endpoint->connection = connection;
  connection->Start();
  logger_.Log(LogLevel::kDebug,
              absl::StrCat("remoting: connected to ", std::string(addr)));
  return connection;
}

void RemotingClient::InvokeAsync(std::string_view addr, RemotingCommand request,
                                 absl::Duration timeout, InvokeCallback done) {
  const absl::Time start = absl::Now();
  absl::StatusOr<std::shared_ptr<Connection>> connection =
      GetConnection(addr, timeout);
  if (!connection.ok()) {
    std::move(done)(connection.status());
    return;
  }
  (*connection)
      ->Invoke(std::move(request), timeout - (absl::Now() - start),
               std::move(done));
}

absl::StatusOr<RemotingCommand> RemotingClient::InvokeSync(
    std::string_view addr, RemotingCommand request, absl::Duration timeout) {
  // Shared with the callback, which may outlive this frame if the safety
  // margin ever expires.
  struct Call {
    absl::Notification done;
    absl::StatusOr<RemotingCommand> result;
  };
  auto call = std::make_shared<Call>();
  InvokeAsync(addr, std::move(request), timeout,
              [call](absl::StatusOr<RemotingCommand> result) {
                call->result = std::move(result);
                call->done.Notify();
              });
  if (!call->done.WaitForNotificationWithTimeout(timeout + kSyncSafetyMargin)) {
    return absl::DeadlineExceededError(
        absl::StrCat("no response from ", std::string(addr),
                     " (the invoke never completed)"));
  }
  return std::move(call->result);
}

absl::Status RemotingClient::InvokeOneway(std::string_view addr,
                                          RemotingCommand request) {
  absl::StatusOr<std::shared_ptr<Connection>> connection =
      GetConnection(addr, options_.connect_timeout);
  if (!connection.ok()) return connection.status();
  return (*connection)->InvokeOneway(std::move(request));
}

void RemotingClient::CloseConnection(std::string_view addr) {
  std::shared_ptr<Connection> connection;
  {
    absl::MutexLock lock(&mu_);
    auto it = endpoints_.find(std::string(addr));
    if (it == endpoints_.end()) return;
    connection = std::move(it->second->connection);
    it->second->connection = nullptr;
  }
  if (connection != nullptr) connection->Close();
}

void RemotingClient::OnClosed(const std::shared_ptr<Connection>& connection) {
  absl::MutexLock lock(&mu_);
  for (auto& [addr, endpoint] : endpoints_) {
    if (endpoint->connection == connection) endpoint->connection = nullptr;
  }
}

void RemotingClient::Stop() {
  std::vector<std::shared_ptr<Connection>> open;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
    for (auto& [addr, endpoint] : endpoints_) {
      if (endpoint->connection != nullptr) open.push_back(endpoint->connection);
    }
  }
  for (const std::shared_ptr<Connection>& connection : open) {
    connection->Close();
  }
  open.clear();
  runner_.Stop(kStopDrain);
}

}  // namespace rmq::remoting
