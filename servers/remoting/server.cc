#include "remoting/server.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace rmq::remoting {
namespace {

// How long Stop() lets closing connections finish their teardown.
constexpr absl::Duration kStopDrain = absl::Seconds(5);

absl::Status ListenError(std::string_view what, std::string_view host,
                         uint16_t port, const asio::error_code& ec) {
  std::string message =
      absl::StrCat("cannot listen on ", std::string(host), ":", port, ": ",
                   std::string(what), ": ", ec.message());
  if (ec == asio::error::access_denied) {
    return absl::PermissionDeniedError(message);
  }
  return absl::UnavailableError(message);
}

}  // namespace

RemotingServer::RemotingServer(TransportOptions options, Logger& logger,
                               RequestHandler on_request, CloseHandler on_close)
    : options_(std::move(options)),
      logger_(logger),
      on_request_(std::move(on_request)),
      on_close_(std::move(on_close)),
      runner_(logger) {}

RemotingServer::~RemotingServer() { Stop(); }

absl::Status RemotingServer::Start(std::string_view host, uint16_t port) {
  absl::MutexLock lock(&mu_);
  if (started_ || stopped_) {
    return absl::FailedPreconditionError("remoting server already started");
  }
  asio::io_context& io = *runner_.context();
  const std::string host_text(host.empty() ? "0.0.0.0" : host);
  asio::error_code ec;
  asio::ip::tcp::endpoint endpoint;
  const asio::ip::address address = asio::ip::make_address(host_text, ec);
  if (!ec) {
    endpoint = asio::ip::tcp::endpoint(address, port);
  } else {
    asio::ip::tcp::resolver resolver(io);
    auto results = resolver.resolve(host_text, std::to_string(port),
                                    asio::ip::tcp::resolver::passive, ec);
    if (ec) return ListenError("cannot resolve the host", host, port, ec);
    endpoint = results.begin()->endpoint();
  }

  // The acceptor runs on a strand of its own, so Stop() can close it from
  // another thread without racing the accept loop.
  auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(
      asio::any_io_executor(asio::make_strand(io)));
  acceptor->open(endpoint.protocol(), ec);
  if (ec) return ListenError("socket", host, port, ec);
  // As Java does: a restarted server can take its port back from
  // connections still in TIME_WAIT.
  acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return ListenError("SO_REUSEADDR", host, port, ec);
  acceptor->bind(endpoint, ec);
  if (ec) return ListenError("bind", host, port, ec);
  acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return ListenError("listen", host, port, ec);
  const uint16_t bound = acceptor->local_endpoint(ec).port();
  if (ec) return ListenError("local address", host, port, ec);

  acceptor_ = std::move(acceptor);
  port_.store(bound, std::memory_order_release);
  started_ = true;
  asio::co_spawn(acceptor_->get_executor(), AcceptLoop(), asio::detached);
  runner_.Start(options_.io_threads);
  logger_.Log(LogLevel::kInfo,
              absl::StrCat("remoting: listening on ", host_text, ":", bound));
  return absl::OkStatus();
}

asio::awaitable<void> RemotingServer::AcceptLoop() {
  asio::io_context& io = *runner_.context();
  for (;;) {
    asio::error_code ec;
    // Each connection gets a strand of its own: with several I/O threads,
    // its handlers still never run concurrently.
    asio::ip::tcp::socket socket = co_await acceptor_->async_accept(
        asio::any_io_executor(asio::make_strand(io)),
        asio::redirect_error(asio::use_awaitable, ec));
    if (!acceptor_->is_open() || ec == asio::error::operation_aborted) {
      co_return;  // Stop()
    }
    if (ec) {
      // E.g. out of file descriptors: retrying at once would spin.
      logger_.Log(LogLevel::kWarn,
                  absl::StrCat("remoting: accept failed: ", ec.message()));
      asio::steady_timer backoff(acceptor_->get_executor(),
                                 std::chrono::milliseconds(100));
      co_await backoff.async_wait(
          asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    Adopt(std::move(socket));
  }
}

void RemotingServer::Adopt(asio::ip::tcp::socket socket) {
  asio::error_code ignored;
  // Responses are small and latency matters (Java sets TCP_NODELAY too).
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  std::shared_ptr<Connection> connection = Connection::Create(
      std::move(socket), runner_.context(), options_, logger_, on_request_,
      [this](const std::shared_ptr<Connection>& closed) { OnClosed(closed); });
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;  // the socket closes with `connection`
    connections_.emplace(connection.get(), connection);
  }
  logger_.Log(LogLevel::kDebug,
              absl::StrCat("remoting: accepted connection from ",
                           connection->remote_address()));
  connection->Start();
}

void RemotingServer::OnClosed(const std::shared_ptr<Connection>& connection) {
  {
    absl::MutexLock lock(&mu_);
    connections_.erase(connection.get());
  }
  if (on_close_) on_close_(connection);
}

std::vector<std::shared_ptr<Connection>> RemotingServer::connections() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<Connection>> result;
  result.reserve(connections_.size());
  for (const auto& [key, connection] : connections_) {
    result.push_back(connection);
  }
  return result;
}

void RemotingServer::Stop() {
  std::vector<std::shared_ptr<Connection>> open;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
    if (!started_) return;
    for (auto& [key, connection] : connections_) open.push_back(connection);
  }
  asio::dispatch(acceptor_->get_executor(), [this] {
    asio::error_code ignored;
    acceptor_->close(ignored);
  });
  for (const std::shared_ptr<Connection>& connection : open) {
    connection->Close();
  }
  open.clear();
  runner_.Stop(kStopDrain);
  logger_.Log(LogLevel::kInfo,
              absl::StrCat("remoting: stopped listening on port ", port()));
}

}  // namespace rmq::remoting
