#pragma once
// The remoting server: accepts TCP connections and hands every request they
// carry to one RequestHandler (remoting-protocol.md §1, §3.1). The handler
// answers whenever it likes, from any thread, through the Connection it is
// given; the server never waits for it.
//
// The server owns its io_context and I/O threads (TransportOptions::
// io_threads); there is no global state, so a process may run several (the
// broker's main and VIP ports).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "remoting/asio.h"
#include "remoting/connection.h"
#include "remoting/io_runner.h"
#include "remoting/transport_options.h"
#include "rmq/logger.h"

namespace rmq::remoting {

class RemotingServer {
 public:
  // `logger` must outlive the server. `on_close` (optional) is called once
  // per connection as it closes, on that connection's strand.
  RemotingServer(TransportOptions options, Logger& logger,
                 RequestHandler on_request, CloseHandler on_close = nullptr);
  ~RemotingServer();  // Stop()
  RemotingServer(const RemotingServer&) = delete;
  RemotingServer& operator=(const RemotingServer&) = delete;

  // Listens on host:port (an IP address or a name; "" or "0.0.0.0" for every
  // IPv4 interface; port 0 lets the OS pick, see port()) and starts the I/O
  // threads. Unavailable naming host:port when it cannot listen there;
  // FailedPrecondition when already started or stopped. Once.
  absl::Status Start(std::string_view host, uint16_t port);

  // Stops accepting, closes every connection (failing their pending invokes,
  // calling on_close), stops the io_context and joins the I/O threads.
  // Requests still held by the handler can no longer be answered (Send says
  // Unavailable). Idempotent; must not be called from a handler.
  void Stop();

  // The port listened on, once started.
  uint16_t port() const { return port_.load(std::memory_order_acquire); }
  // The connections open now.
  std::vector<std::shared_ptr<Connection>> connections() const;

 private:
  asio::awaitable<void> AcceptLoop();
  void Adopt(asio::ip::tcp::socket socket);
  void OnClosed(const std::shared_ptr<Connection>& connection);

  const TransportOptions options_;
  Logger& logger_;
  const RequestHandler on_request_;
  const CloseHandler on_close_;
  // Before the acceptor: the acceptor belongs to its io_context.
  IoRunner runner_;
  // Set in Start(); used on its own strand afterwards.
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::atomic<uint16_t> port_{0};

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<const Connection*, std::shared_ptr<Connection>>
      connections_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rmq::remoting
