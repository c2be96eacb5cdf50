#pragma once
// The remoting client: sends requests to servers named "host:port" over one
// cached connection per address (remoting-protocol.md §1), reconnecting when
// that connection has closed. Requests a server sends back on the same
// connection (§3.2: NOTIFY_CONSUMER_IDS_CHANGED, ...) go to an optional
// RequestHandler; without one, oneway requests are dropped and the others
// answered REQUEST_CODE_NOT_SUPPORTED.
//
// The client owns its io_context and I/O threads. Connecting happens on the
// calling thread (bounded by TransportOptions::connect_timeout), so no call
// here ever waits for the client's own I/O threads to connect.

#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "remoting/connection.h"
#include "remoting/io_runner.h"
#include "remoting/remoting_command.h"
#include "remoting/transport_options.h"
#include "rmq/logger.h"

namespace rmq::remoting {

class RemotingClient {
 public:
  // `logger` must outlive the client.
  RemotingClient(TransportOptions options, Logger& logger,
                 RequestHandler on_request = nullptr);
  ~RemotingClient();  // Stop()
  RemotingClient(const RemotingClient&) = delete;
  RemotingClient& operator=(const RemotingClient&) = delete;

  // Sends `request` to `addr` and waits for the response: DeadlineExceeded
  // after `timeout` (connecting included), Unavailable when `addr` cannot be
  // reached or the connection closes first. Must not be called from a
  // request handler or an InvokeAsync callback of this client (they run on
  // its I/O threads, which deliver the response).
  absl::StatusOr<RemotingCommand> InvokeSync(std::string_view addr,
                                             RemotingCommand request,
                                             absl::Duration timeout);

  // The same, without waiting: `done` runs exactly once, on an I/O thread,
  // or inline when connecting fails. May block up to connect_timeout while
  // connecting.
  void InvokeAsync(std::string_view addr, RemotingCommand request,
                   absl::Duration timeout, InvokeCallback done);

  // Sends `request` with the oneway flag; nothing waits for an answer. OK
  // means queued on a connection.
  absl::Status InvokeOneway(std::string_view addr, RemotingCommand request);

  // The open connection to `addr`, connecting first (within
  // min(timeout, connect_timeout)) when there is none. InvalidArgument for an
  // address that is not "host:port"; Unavailable naming `addr` when it
  // cannot be reached or the client is stopped.
  absl::StatusOr<std::shared_ptr<Connection>> GetConnection(
      std::string_view addr, absl::Duration timeout);

  // Closes the cached connection to `addr`, if any (the next call opens a
  // new one).
  void CloseConnection(std::string_view addr);

  // Closes every connection (failing pending invokes with Unavailable),
  // stops the io_context and joins the I/O threads. Later calls fail with
  // Unavailable. Idempotent; must not be called from an I/O thread.
  void Stop();

 private:
  // One address: `connect_mu` lets one caller connect while the others for
  // that address wait, without holding up other addresses.
  struct Endpoint {
    absl::Mutex connect_mu;
    std::shared_ptr<Connection> connection;  // guarded by the client's mu_
  };

  void OnClosed(const std::shared_ptr<Connection>& connection);

  const TransportOptions options_;
  Logger& logger_;
  const RequestHandler on_request_;
  IoRunner runner_;

  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, std::shared_ptr<Endpoint>> endpoints_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace rmq::remoting
