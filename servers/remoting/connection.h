#pragma once
// One remoting connection (remoting-protocol.md §1-§3): a TCP socket carrying
// frames both ways, full duplex and multiplexed. Requests the peer sends go to
// a RequestHandler; requests we send (Invoke) are matched with their
// responses by opaque.
//
// Threading: every socket operation, timer and piece of mutable state runs on
// the connection's strand (the socket's executor), driven by three
// coroutines: a reader, a writer and an idle watchdog. The public methods are
// thread-safe and never block; they hand work to the strand. Frames are
// written whole, one after another, by the one writer, so they never
// interleave.
//
// Lifetime: owned by shared_ptr. The coroutines keep the connection alive
// while it is open; anyone may keep it longer (a held long-poll request), and
// it stays safe to call, failing with Unavailable once closed.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "remoting/asio.h"
#include "remoting/remoting_command.h"
#include "remoting/transport_options.h"
#include "rmq/logger.h"

namespace rmq::remoting {

class Connection;

// Called on the connection's strand for each request the peer sends. It must
// return quickly and must not block on I/O of the same server or client
// (a blocking handler stalls every connection of that I/O thread); it answers
// whenever it likes, from any thread, with
// connection->Send(RemotingCommand::ResponseTo(request, code)), or never for
// a oneway request.
using RequestHandler =
    std::function<void(const std::shared_ptr<Connection>&, RemotingCommand)>;
// Called once, on the connection's strand, when the connection closes (for
// whatever reason, including Stop()).
using CloseHandler = std::function<void(const std::shared_ptr<Connection>&)>;
// Receives the response of an Invoke, or why there is none. Called exactly
// once; see Connection::Invoke for on which thread.
using InvokeCallback =
    absl::AnyInvocable<void(absl::StatusOr<RemotingCommand>) &&>;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `socket` is connected and its executor is a strand of `*io` (so one
  // connection's handlers never run concurrently); the connection keeps `io`
  // alive because its socket and timers must be destroyed first. `logger`
  // must outlive the connection's I/O (its owner's Stop()). `on_request` may
  // be empty: then requests that expect an answer get
  // REQUEST_CODE_NOT_SUPPORTED, and oneway ones are dropped. Nothing happens
  // until Start().
  static std::shared_ptr<Connection> Create(
      asio::ip::tcp::socket socket, std::shared_ptr<asio::io_context> io,
      const TransportOptions& options, Logger& logger,
      RequestHandler on_request, CloseHandler on_close);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts reading, writing and the idle watchdog. Once.
  void Start();

  // Queues `command` (usually a response) for sending. OK means queued, not
  // delivered. Unavailable once the connection is closed; InvalidArgument
  // when the frame cannot be encoded (e.g. above max_frame_bytes).
  absl::Status Send(const RemotingCommand& command);

  // Like Send, but the body is `body` (command.body is ignored), written
  // straight from the caller's memory in the same gathered write as the
  // header: no copy. `keepalive` owns that memory and is released once the
  // write has finished or the connection has dropped it.
  absl::Status SendWithBody(const RemotingCommand& command,
                            std::span<const std::byte> body,
                            std::shared_ptr<const void> keepalive);
  // The same with a body made of several pieces (e.g. the stored records a
  // pull returns, straight from the mapped commit log), sent in order.
  absl::Status SendWithBodyParts(const RemotingCommand& command,
                                 std::vector<std::span<const std::byte>> parts,
                                 std::shared_ptr<const void> keepalive);

  // Sends `request` (its opaque is replaced by one from this connection's
  // counter, its flag bits cleared) and calls `done` exactly once: with the
  // response, DeadlineExceeded after `timeout`, Unavailable if the
  // connection closes first, or the encoding error. `done` runs on the
  // connection's strand (it must not block, in particular not on InvokeSync),
  // or inline before Invoke returns when the connection is already closed or
  // the request cannot be encoded. (Should the owner's I/O stop with the
  // request still queued, Unavailable comes from whichever thread drops the
  // last reference to the connection.)
  void Invoke(RemotingCommand request, absl::Duration timeout,
              InvokeCallback done);

  // Sends `request` with the oneway flag set (§3.1): the peer never answers.
  absl::Status InvokeOneway(RemotingCommand request);

  // Closes the socket, fails pending invokes with Unavailable and calls the
  // close handler, on the strand. Idempotent; returns without waiting.
  void Close();

  // True as soon as Close() was called or the connection failed.
  bool closed() const { return closed_.load(std::memory_order_acquire); }
  // The peer as "ip:port".
  const std::string& remote_address() const { return remote_address_; }

 private:
  // Makes the constructor usable by make_shared only, through Create().
  struct PassKey {
    explicit PassKey() = default;
  };

 public:
  Connection(PassKey, asio::ip::tcp::socket socket,
             std::shared_ptr<asio::io_context> io,
             const TransportOptions& options, Logger& logger,
             RequestHandler on_request, CloseHandler on_close);

 private:
  using Clock = std::chrono::steady_clock;
  // One frame waiting for the writer: `head` (for Send, the whole frame),
  // then `body` if any, which `keepalive` keeps valid.
  struct OutFrame {
    std::string head;
    std::vector<std::span<const std::byte>> body = {};
    std::shared_ptr<const void> keepalive = nullptr;
  };
  struct PendingInvoke;  // connection.cc

  absl::Status Enqueue(OutFrame frame);
  int32_t NextOpaque();

  // The rest runs on the strand only.
  asio::awaitable<void> ReadLoop(std::shared_ptr<Connection> self);
  asio::awaitable<void> WriteLoop(std::shared_ptr<Connection> self);
  asio::awaitable<void> IdleLoop(std::shared_ptr<Connection> self);
  asio::awaitable<asio::error_code> ReadExactly(asio::mutable_buffer buffer);
  void QueueOnStrand(OutFrame frame);
  void StartInvoke(std::unique_ptr<PendingInvoke> pending, int32_t opaque,
                   absl::Duration timeout, std::string frame);
  void OnRequest(RemotingCommand request);
  void OnResponse(RemotingCommand response);
  void ExpireInvoke(int32_t opaque);
  void DoClose();

  // Declared first so it is destroyed last: everything below belongs to it.
  const std::shared_ptr<asio::io_context> io_;
  asio::ip::tcp::socket socket_;
  const asio::any_io_executor executor_;  // the strand
  const TransportOptions options_;
  Logger& logger_;
  const RequestHandler on_request_;
  const CloseHandler on_close_;
  const std::string remote_address_;

  std::atomic<bool> started_{false};
  std::atomic<bool> closed_{false};
  std::atomic<uint32_t> next_opaque_{0};

  // Strand-only state.
  bool torn_down_ = false;
  asio::steady_timer writer_wakeup_;  // never expires; cancel() wakes
  asio::steady_timer idle_timer_;
  Clock::time_point last_activity_;
  std::vector<OutFrame> out_queue_;
  absl::flat_hash_map<int32_t, std::unique_ptr<PendingInvoke>> pending_;
};

}  // namespace rmq::remoting
