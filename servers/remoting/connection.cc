#include "remoting/connection.h"

#include <algorithm>
#include <array>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "remoting/codes.h"
#include "remoting/frame.h"

namespace rmq::remoting {
namespace {

// A frame buffer that grew for one big frame is not kept for the connection's
// whole life.
constexpr size_t kKeptReadBufferBytes = 1 << 20;

// asio timers take a time point; absl::InfiniteDuration() (or anything
// absurd) would overflow it.
std::chrono::steady_clock::duration ToTimerDuration(absl::Duration d) {
  d = std::clamp(d, absl::ZeroDuration(), absl::Hours(24 * 365));
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      absl::ToChronoNanoseconds(d));
}

std::string EndpointText(const asio::ip::tcp::socket& socket) {
  asio::error_code ec;
  const asio::ip::tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return absl::StrCat(endpoint.address().to_string(), ":", endpoint.port());
}

// Holds an Invoke's callback and guarantees it runs exactly once: if nobody
// completes it (the handler carrying it is destroyed because the I/O
// stopped), the destructor reports Unavailable.
class InvokeCompletion {
 public:
  InvokeCompletion(InvokeCallback done, std::string peer)
      : done_(std::move(done)), peer_(std::move(peer)) {}
  InvokeCompletion(InvokeCompletion&& other) noexcept
      : done_(std::move(other.done_)), peer_(std::move(other.peer_)) {
    other.done_ = nullptr;
  }
  InvokeCompletion& operator=(InvokeCompletion&&) = delete;
  ~InvokeCompletion() {
    if (done_) {
      Complete(absl::UnavailableError(absl::StrCat(
          "request to ", peer_, " dropped: the connection's I/O stopped")));
    }
  }

  void Complete(absl::StatusOr<RemotingCommand> result) {
    InvokeCallback done = std::move(done_);
    done_ = nullptr;
    if (done) std::move(done)(std::move(result));
  }

 private:
  InvokeCallback done_;
  std::string peer_;
};

absl::Status ClosedError(const std::string& peer) {
  return absl::UnavailableError(
      absl::StrCat("connection to ", peer, " is closed"));
}

}  // namespace

struct Connection::PendingInvoke {
  PendingInvoke(InvokeCompletion completion, int32_t request_code,
                const asio::any_io_executor& executor)
      : done(std::move(completion)), code(request_code), timer(executor) {}

  InvokeCompletion done;
  int32_t code;  // for the timeout message
  asio::steady_timer timer;
};

std::shared_ptr<Connection> Connection::Create(
    asio::ip::tcp::socket socket, std::shared_ptr<asio::io_context> io,
    const TransportOptions& options, Logger& logger, RequestHandler on_request,
    CloseHandler on_close) {
  return std::make_shared<Connection>(
      PassKey(), std::move(socket), std::move(io), options, logger,
      std::move(on_request), std::move(on_close));
}

Connection::Connection(PassKey, asio::ip::tcp::socket socket,
                       std::shared_ptr<asio::io_context> io,
                       const TransportOptions& options, Logger& logger,
                       RequestHandler on_request, CloseHandler on_close)
    : io_(std::move(io)),
      socket_(std::move(socket)),
      executor_(socket_.get_executor()),
      options_(options),
      logger_(logger),
      on_request_(std::move(on_request)),
      on_close_(std::move(on_close)),
      remote_address_(EndpointText(socket_)),
      writer_wakeup_(executor_, Clock::time_point::max()),
      idle_timer_(executor_),
      last_activity_(Clock::now()) {}

Connection::~Connection() = default;

void Connection::Start() {
  if (started_.exchange(true)) return;
  asio::co_spawn(executor_, ReadLoop(shared_from_this()), asio::detached);
  asio::co_spawn(executor_, WriteLoop(shared_from_this()), asio::detached);
  asio::co_spawn(executor_, IdleLoop(shared_from_this()), asio::detached);
}

absl::Status Connection::Send(const RemotingCommand& command) {
  absl::StatusOr<std::string> frame =
      EncodeFrame(command, options_.max_frame_bytes);
  if (!frame.ok()) return frame.status();
  return Enqueue(OutFrame{.head = std::move(*frame)});
}

absl::Status Connection::SendWithBody(const RemotingCommand& command,
                                      std::span<const std::byte> body,
                                      std::shared_ptr<const void> keepalive) {
  return SendWithBodyParts(command, {body}, std::move(keepalive));
}

absl::Status Connection::SendWithBodyParts(
    const RemotingCommand& command,
    std::vector<std::span<const std::byte>> parts,
    std::shared_ptr<const void> keepalive) {
  size_t size = 0;
  for (std::span<const std::byte> part : parts) size += part.size();
  absl::StatusOr<std::string> head =
      EncodeFrameHead(command, size, options_.max_frame_bytes);
  if (!head.ok()) return head.status();
  return Enqueue(OutFrame{.head = std::move(*head),
                          .body = std::move(parts),
                          .keepalive = std::move(keepalive)});
}

absl::Status Connection::Enqueue(OutFrame frame) {
  if (closed()) return ClosedError(remote_address_);
  // A weak reference: a handler queued on an io_context that has stopped
  // must not keep the connection (which keeps the io_context) alive.
  asio::dispatch(executor_,
                 [weak = weak_from_this(), frame = std::move(frame)]() mutable {
                   if (std::shared_ptr<Connection> self = weak.lock()) {
                     self->QueueOnStrand(std::move(frame));
                   }
                 });
  return absl::OkStatus();
}

int32_t Connection::NextOpaque() {
  // Non-negative like the C++ client's, in case a peer assumes so (§3.3).
  return static_cast<int32_t>(
      next_opaque_.fetch_add(1, std::memory_order_relaxed) & 0x7FFFFFFF);
}

void Connection::Invoke(RemotingCommand request, absl::Duration timeout,
                        InvokeCallback done) {
  InvokeCompletion completion(std::move(done), remote_address_);
  const int32_t opaque = NextOpaque();
  request.opaque = opaque;
  request.flag &= ~(kFlagResponse | kFlagOneway);
  absl::StatusOr<std::string> frame =
      EncodeFrame(request, options_.max_frame_bytes);
  if (!frame.ok()) {
    completion.Complete(frame.status());
    return;
  }
  if (closed()) {
    completion.Complete(ClosedError(remote_address_));
    return;
  }
  auto pending = std::make_unique<PendingInvoke>(std::move(completion),
                                                 request.code, executor_);
  asio::dispatch(executor_, [weak = weak_from_this(), opaque, timeout,
                             pending = std::move(pending),
                             frame = std::move(*frame)]() mutable {
    // If the connection is gone, `pending` is destroyed with this handler
    // and its completion reports Unavailable.
    if (std::shared_ptr<Connection> self = weak.lock()) {
      self->StartInvoke(std::move(pending), opaque, timeout, std::move(frame));
    }
  });
}

absl::Status Connection::InvokeOneway(RemotingCommand request) {
  request.opaque = NextOpaque();
  request.flag = (request.flag & ~kFlagResponse) | kFlagOneway;
  return Send(request);
}

void Connection::Close() {
  closed_.store(true, std::memory_order_release);
  asio::dispatch(executor_, [weak = weak_from_this()] {
    if (std::shared_ptr<Connection> self = weak.lock()) self->DoClose();
  });
}

void Connection::QueueOnStrand(OutFrame frame) {
  if (torn_down_) return;
  out_queue_.push_back(std::move(frame));
  writer_wakeup_.cancel();
}

void Connection::StartInvoke(std::unique_ptr<PendingInvoke> pending,
                             int32_t opaque, absl::Duration timeout,
                             std::string frame) {
  if (torn_down_) {
    pending->done.Complete(ClosedError(remote_address_));
    return;
  }
  pending->timer.expires_after(ToTimerDuration(timeout));
  pending->timer.async_wait(
      [weak = weak_from_this(), opaque](const asio::error_code& ec) {
        if (ec) return;  // cancelled: answered or closed
        if (std::shared_ptr<Connection> self = weak.lock()) {
          self->ExpireInvoke(opaque);
        }
      });
  // The counter wraps only after 2^31 requests; a still-pending namesake
  // that old is failed (by its completion's destructor) rather than leaked.
  pending_.insert_or_assign(opaque, std::move(pending));
  QueueOnStrand(OutFrame{.head = std::move(frame)});
}

void Connection::ExpireInvoke(int32_t opaque) {
  auto it = pending_.find(opaque);
  if (it == pending_.end()) return;  // answered just before the timer fired
  std::unique_ptr<PendingInvoke> pending = std::move(it->second);
  pending_.erase(it);
  pending->done.Complete(absl::DeadlineExceededError(
      absl::StrCat("no response from ", remote_address_, " to request code ",
                   pending->code, " (opaque ", opaque, ") in time")));
}

void Connection::OnResponse(RemotingCommand response) {
  auto it = pending_.find(response.opaque);
  if (it == pending_.end()) {
    // Timed out already, or never ours (§3.1 rule 6).
    logger_.Log(
        LogLevel::kDebug,
        absl::StrCat("remoting: dropping response from ", remote_address_,
                     " with unknown opaque ", response.opaque));
    return;
  }
  std::unique_ptr<PendingInvoke> pending = std::move(it->second);
  pending_.erase(it);
  pending->timer.cancel();
  pending->done.Complete(std::move(response));
}

void Connection::OnRequest(RemotingCommand request) {
  // What a response needs, kept before the request moves to the handler.
  RemotingCommand answer_to;
  answer_to.opaque = request.opaque;
  answer_to.serialize_type = request.serialize_type;
  const bool oneway = request.is_oneway();
  const int32_t code = request.code;

  if (!on_request_) {
    if (oneway) return;
    absl::Status sent = Send(RemotingCommand::ResponseTo(
        answer_to, response::kRequestCodeNotSupported,
        absl::StrCat(" request type ", code, " not supported")));
    sent.IgnoreError();  // only fails once closed, when nobody waits
    return;
  }
  std::string failure;
  try {
    on_request_(shared_from_this(), std::move(request));
    return;
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  // As Java does (§3.1 rule 5): the peer hears of it instead of waiting, and
  // the read loop (so the connection) carries on.
  logger_.Log(LogLevel::kError,
              absl::StrCat("remoting: handler for request code ", code,
                           " from ", remote_address_, " threw: ", failure));
  if (!oneway) {
    Send(
        RemotingCommand::ResponseTo(answer_to, response::kSystemError, failure))
        .IgnoreError();
  }
}

asio::awaitable<asio::error_code> Connection::ReadExactly(
    asio::mutable_buffer buffer) {
  // read_some, not async_read, so that a big frame arriving slowly still
  // counts as activity for the idle watchdog.
  while (buffer.size() > 0) {
    asio::error_code ec;
    const size_t n = co_await socket_.async_read_some(
        buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
    buffer += n;
    last_activity_ = Clock::now();
  }
  co_return asio::error_code();
}

asio::awaitable<void> Connection::ReadLoop(
    [[maybe_unused]] std::shared_ptr<Connection> self) {
  std::array<char, kFrameLengthBytes> prefix;
  std::string content;
  while (!torn_down_) {
    asio::error_code ec =
        co_await ReadExactly(asio::buffer(prefix.data(), prefix.size()));
    if (!ec) {
      absl::StatusOr<size_t> length =
          DecodeFrameLength(std::string_view(prefix.data(), prefix.size()),
                            options_.max_frame_bytes);
      if (!length.ok()) {
        logger_.Log(
            LogLevel::kWarn,
            absl::StrCat("remoting: closing connection to ", remote_address_,
                         ": ", length.status().message()));
        break;
      }
      content.resize(*length);
      ec = co_await ReadExactly(asio::buffer(content));
    }
    if (ec) {
      if (!torn_down_) {
        logger_.Log(LogLevel::kDebug,
                    absl::StrCat("remoting: connection to ", remote_address_,
                                 " ended: ", ec.message()));
      }
      break;
    }
    absl::StatusOr<RemotingCommand> command = DecodeFrameContent(content);
    if (content.capacity() > kKeptReadBufferBytes) std::string().swap(content);
    if (!command.ok()) {
      logger_.Log(
          LogLevel::kWarn,
          absl::StrCat("remoting: closing connection to ", remote_address_,
                       ": malformed frame: ", command.status().message()));
      break;
    }
    if (command->is_response()) {
      OnResponse(*std::move(command));
    } else {
      OnRequest(*std::move(command));
    }
  }
  DoClose();
}

asio::awaitable<void> Connection::WriteLoop(
    [[maybe_unused]] std::shared_ptr<Connection> self) {
  std::vector<OutFrame> batch;
  std::vector<asio::const_buffer> buffers;
  while (!torn_down_) {
    if (out_queue_.empty()) {
      asio::error_code ignored;  // operation_aborted is the wake-up
      co_await writer_wakeup_.async_wait(
          asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    // Everything queued so far goes out in one gathered write; frames stay
    // whole and in order because this is the only writer.
    batch.swap(out_queue_);
    buffers.clear();
    for (const OutFrame& frame : batch) {
      buffers.push_back(asio::buffer(frame.head));
      for (std::span<const std::byte> part : frame.body) {
        if (!part.empty()) {
          buffers.push_back(asio::buffer(part.data(), part.size()));
        }
      }
    }
    asio::error_code ec;
    co_await asio::async_write(socket_, buffers,
                               asio::redirect_error(asio::use_awaitable, ec));
    batch.clear();  // releases the bodies' keepalives
    if (ec) {
      if (!torn_down_) {
        logger_.Log(LogLevel::kDebug,
                    absl::StrCat("remoting: write to ", remote_address_,
                                 " failed: ", ec.message()));
      }
      DoClose();
      co_return;
    }
    last_activity_ = Clock::now();
  }
}

asio::awaitable<void> Connection::IdleLoop(
    [[maybe_unused]] std::shared_ptr<Connection> self) {
  const absl::Duration idle = options_.idle_timeout;
  if (idle <= absl::ZeroDuration() || idle == absl::InfiniteDuration()) {
    co_return;
  }
  const Clock::duration limit = ToTimerDuration(idle);
  while (!torn_down_) {
    const Clock::time_point deadline = last_activity_ + limit;
    if (Clock::now() >= deadline) {
      logger_.Log(
          LogLevel::kInfo,
          absl::StrCat("remoting: closing connection to ", remote_address_,
                       ": idle for ", absl::FormatDuration(idle)));
      DoClose();
      co_return;
    }
    idle_timer_.expires_at(deadline);
    asio::error_code ignored;  // cancelled on close; the loop re-checks
    co_await idle_timer_.async_wait(
        asio::redirect_error(asio::use_awaitable, ignored));
  }
}

void Connection::DoClose() {
  if (torn_down_) return;
  torn_down_ = true;
  closed_.store(true, std::memory_order_release);
  asio::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  writer_wakeup_.cancel();
  idle_timer_.cancel();
  out_queue_.clear();
  // Moved out first: a completion may call back into this connection.
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [opaque, invoke] : pending) {
    invoke->timer.cancel();
    invoke->done.Complete(ClosedError(remote_address_));
  }
  if (on_close_) on_close_(shared_from_this());
}

}  // namespace rmq::remoting
