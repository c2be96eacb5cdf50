// The Asio transport: RemotingServer, RemotingClient and Connection over
// loopback (127.0.0.1, OS-chosen ports). Nothing sleeps and hopes: every wait
// is on a condition with a deadline.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "remoting/client.h"
#include "remoting/codes.h"
#include "remoting/connection.h"
#include "remoting/frame.h"
#include "remoting/remoting_command.h"
#include "remoting/server.h"
#include "rmq/logger.h"
#include "support/status_matchers.h"

namespace rmq::remoting {
namespace {

using ::rmq::testing::StatusIs;

constexpr absl::Duration kWait = absl::Seconds(10);
using response::kRequestCodeNotSupported;
using response::kSuccess;

// Keeps every line, so tests can check what the transport said.
class CapturingLogger : public Logger {
 public:
  void Log(LogLevel, std::string_view message) override {
    absl::MutexLock lock(&mu_);
    lines_.emplace_back(message);
  }
  bool Contains(std::string_view a, std::string_view b = "") const {
    absl::MutexLock lock(&mu_);
    return std::any_of(lines_.begin(), lines_.end(), [&](const std::string& l) {
      return l.find(a) != std::string::npos && l.find(b) != std::string::npos;
    });
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_;
};

// Polls `condition` until it holds or `timeout` passes.
bool WaitUntil(const std::function<bool()>& condition,
               absl::Duration timeout = kWait) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

// A request handler that answers nothing: it keeps each request with its
// connection so the test decides when (and from which thread) to answer.
class HeldRequests {
 public:
  struct Held {
    std::shared_ptr<Connection> connection;
    RemotingCommand request;
  };

  RequestHandler Handler() {
    return [this](const std::shared_ptr<Connection>& connection,
                  RemotingCommand request) {
      absl::MutexLock lock(&mu_);
      held_.push_back({connection, std::move(request)});
    };
  }

  bool WaitForCount(size_t count, absl::Duration timeout = kWait) {
    absl::MutexLock lock(&mu_);
    const auto enough = [this, count]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return held_.size() >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

  std::vector<Held> Take() {
    absl::MutexLock lock(&mu_);
    return std::move(held_);
  }

 private:
  absl::Mutex mu_;
  std::vector<Held> held_;
};

// Answers every request at once: same ext fields and body, remark "echo".
RequestHandler EchoHandler() {
  return [](const std::shared_ptr<Connection>& connection,
            RemotingCommand request) {
    if (request.is_oneway()) return;
    RemotingCommand response =
        RemotingCommand::ResponseTo(request, kSuccess, "echo");
    response.ext_fields = request.ext_fields;
    response.body = request.body;
    // Catch2 assertions belong on the test thread; a lost response shows
    // there as a failed or timed-out invoke.
    connection->Send(response).IgnoreError();
  };
}

std::string Address(const RemotingServer& server) {
  return absl::StrCat("127.0.0.1:", server.port());
}

RemotingCommand MakeRequest(int32_t code, std::string body) {
  RemotingCommand request = RemotingCommand::Request(code);
  request.body = std::move(body);
  return request;
}

// A plain blocking socket, to send what no well-behaved client would.
class RawPeer {
 public:
  explicit RawPeer(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        fd_ >= 0 && ::connect(fd_, reinterpret_cast<const sockaddr*>(&address),
                              sizeof(address)) == 0;
  }
  ~RawPeer() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;

  bool connected() const { return connected_; }

  // "127.0.0.1:port" as the server sees us.
  std::string local_address() const {
    sockaddr_in address{};
    socklen_t length = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    return absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
  }

  bool Write(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // True when the server closes the connection (EOF or reset) within
  // `timeout`; anything it sends first is skipped.
  bool WaitForEof(absl::Duration timeout = kWait) {
    const absl::Time deadline = absl::Now() + timeout;
    char buffer[4096];
    for (;;) {
      const int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
      if (left <= 0) return false;
      pollfd poll_fd{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&poll_fd, 1, static_cast<int>(left)) <= 0) continue;
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

void PutBE32(uint32_t value, char* out) {
  out[0] = static_cast<char>(value >> 24);
  out[1] = static_cast<char>(value >> 16);
  out[2] = static_cast<char>(value >> 8);
  out[3] = static_cast<char>(value);
}

std::string AnswerBody(const std::string& index) {
  return absl::StrCat("answer-", index, "|",
                      std::string(std::stoi(index) * 300, 'a'));
}

TEST_CASE("requests and responses are matched by opaque, answered out of order",
          "[remoting][transport]") {
  CapturingLogger logger;
  HeldRequests held;
  RemotingServer server({}, logger, held.Handler());
  REQUIRE_OK(server.Start("127.0.0.1", 0));
  RemotingClient client({}, logger);

  constexpr int kRequests = 200;
  absl::Mutex mu;
  std::vector<std::string> answers(kRequests);
  int completed = 0;
  int failed = 0;
  // Sent from four threads at once over the client's one connection.
  {
    std::vector<std::jthread> senders;
    for (int t = 0; t < 4; ++t) {
      senders.emplace_back([&, t] {
        for (int i = t; i < kRequests; i += 4) {
          RemotingCommand request =
              MakeRequest(10, absl::StrCat("request-", i));
          request.ext_fields.Set("index", std::to_string(i));
          client.InvokeAsync(Address(server), std::move(request), kWait,
                             [&, i](absl::StatusOr<RemotingCommand> response) {
                               absl::MutexLock lock(&mu);
                               ++completed;
                               if (!response.ok()) {
                                 ++failed;
                                 return;
                               }
                               answers[i] = response->body;
                             });
        }
      });
    }
  }
  REQUIRE(held.WaitForCount(kRequests));
  std::vector<HeldRequests::Held> requests = held.Take();
  REQUIRE(requests.size() == kRequests);

  // The opaques the server saw are all different.
  std::vector<int32_t> opaques;
  for (const auto& h : requests) opaques.push_back(h.request.opaque);
  std::sort(opaques.begin(), opaques.end());
  CHECK(std::adjacent_find(opaques.begin(), opaques.end()) == opaques.end());

  // Answered from four other threads at once, in a shuffled order, each
  // response naming its request only through its opaque. Bodies of up to
  // 60 KB make the writes partial, so interleaved frames would show.
  std::shuffle(requests.begin(), requests.end(), std::mt19937(42));
  std::atomic<int> refused{0};
  {
    std::vector<std::jthread> answerers;
    for (size_t t = 0; t < 4; ++t) {
      answerers.emplace_back([&requests, &refused, t] {
        for (size_t i = t; i < requests.size(); i += 4) {
          const auto& h = requests[i];
          const std::string& index = *h.request.ext_fields.Find("index");
          RemotingCommand response =
              RemotingCommand::ResponseTo(h.request, kSuccess);
          response.body = AnswerBody(index);
          if (!h.connection->Send(response).ok()) refused.fetch_add(1);
        }
      });
    }
  }
  CHECK(refused.load() == 0);

  {
    absl::MutexLock lock(&mu);
    REQUIRE(mu.AwaitWithTimeout(
        absl::Condition(
            +[](int* done) { return *done == kRequests; }, &completed),
        kWait));
    CHECK(failed == 0);
    for (int i = 0; i < kRequests; ++i) {
      CHECK(answers[i] == AnswerBody(std::to_string(i)));
    }
  }
  client.Stop();
  server.Stop();
}

TEST_CASE("oneway requests are never answered and nobody waits for them",
          "[remoting][transport]") {
  CapturingLogger logger;
  HeldRequests held;
  RemotingServer server({}, logger, held.Handler());
  REQUIRE_OK(server.Start("127.0.0.1", 0));
  RemotingClient client({}, logger);

  for (int i = 0; i < 10; ++i) {
    REQUIRE_OK(client.InvokeOneway(
        Address(server), MakeRequest(37, absl::StrCat("oneway-", i))));
  }
  REQUIRE(held.WaitForCount(10));
  for (const auto& h : held.Take()) {
    CHECK(h.request.is_oneway());
    CHECK_FALSE(h.request.is_response());
    CHECK(h.request.code == 37);
  }
  // The same connection still carries ordinary requests.
  auto connection = client.GetConnection(Address(server), kWait);
  REQUIRE_OK(connection);
  absl::Notification answered;
  absl::StatusOr<RemotingCommand> result;
  (*connection)
      ->Invoke(MakeRequest(11, "after"), kWait,
               [&](absl::StatusOr<RemotingCommand> response) {
                 result = std::move(response);
                 answered.Notify();
               });
  REQUIRE(held.WaitForCount(1));
  std::vector<HeldRequests::Held> later = held.Take();
  CHECK_FALSE(later[0].request.is_oneway());
  REQUIRE_OK(later[0].connection->Send(
      RemotingCommand::ResponseTo(later[0].request, kSuccess)));
  REQUIRE(answered.WaitForNotificationWithTimeout(kWait));
  REQUIRE_OK(result);
  server.Stop();
}

TEST_CASE(
    "an invoke times out with DeadlineExceeded, the late answer is dropped",
    "[remoting][transport]") {
  CapturingLogger logger;
  HeldRequests held;
  RemotingServer server({}, logger, held.Handler());
  REQUIRE_OK(server.Start("127.0.0.1", 0));
  RemotingClient client({}, logger);

  const absl::Time start = absl::Now();
  absl::StatusOr<RemotingCommand> response = client.InvokeSync(
      Address(server), MakeRequest(11, "slow"), absl::Milliseconds(100));
  CHECK_THAT(response.status(), StatusIs(absl::StatusCode::kDeadlineExceeded));
  CHECK(absl::Now() - start < absl::Seconds(5));

  REQUIRE(held.WaitForCount(1));
  std::vector<HeldRequests::Held> late = held.Take();
  REQUIRE_OK(late[0].connection->Send(
      RemotingCommand::ResponseTo(late[0].request, kSuccess)));
  REQUIRE(WaitUntil(
      [&] { return logger.Contains("dropping response", "unknown opaque"); }));

  // The connection survives and keeps matching.
  std::thread answerer([&] {
    if (!held.WaitForCount(1)) return;  // the invoke below then times out
    std::vector<HeldRequests::Held> next = held.Take();
    RemotingCommand reply = RemotingCommand::ResponseTo(next[0].request, 0);
    reply.body = "on time";
    next[0].connection->Send(reply).IgnoreError();
  });
  response = client.InvokeSync(Address(server), MakeRequest(11, "fast"), kWait);
  answerer.join();
  REQUIRE_OK(response);
  CHECK(response->body == "on time");
  server.Stop();
}

TEST_CASE("a closing connection fails its pending invokes with Unavailable",
          "[remoting][transport]") {
  CapturingLogger logger;
  HeldRequests held;
  std::atomic<int> closed_on_server{0};
  RemotingServer server({}, logger, held.Handler(),
                        [&](const std::shared_ptr<Connection>&) {
                          closed_on_server.fetch_add(1);
                        });
  REQUIRE_OK(server.Start("127.0.0.1", 0));
  RemotingClient client({}, logger);

  constexpr int kPending = 5;
  absl::Mutex mu;
  std::vector<absl::Status> results;
  for (int i = 0; i < kPending; ++i) {
    client.InvokeAsync(Address(server), MakeRequest(11, "held"), absl::Hours(1),
                       [&](absl::StatusOr<RemotingCommand> response) {
                         absl::MutexLock lock(&mu);
                         results.push_back(response.status());
                       });
  }
  REQUIRE(held.WaitForCount(kPending));
  std::vector<HeldRequests::Held> requests = held.Take();
  requests[0].connection->Close();  // the server hangs up

  REQUIRE(WaitUntil([&] {
    absl::MutexLock lock(&mu);
    return results.size() == kPending;
  }));
  {
    absl::MutexLock lock(&mu);
    for (const absl::Status& status : results) {
      CHECK_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
    }
  }
  CHECK(WaitUntil([&] { return closed_on_server.load() == 1; }));
  // Answering on the closed connection is refused, not a crash.
  CHECK_THAT(requests[1].connection->Send(
                 RemotingCommand::ResponseTo(requests[1].request, kSuccess)),
             StatusIs(absl::StatusCode::kUnavailable));
  // An invoke on a closed connection fails at once.
  absl::Status late;
  requests[0].connection->Invoke(
      MakeRequest(11, "x"), kWait,
      [&](absl::StatusOr<RemotingCommand> r) { late = r.status(); });
  CHECK_THAT(late, StatusIs(absl::StatusCode::kUnavailable));

  // The client reconnects on the next call.
  RemotingServer echo({}, logger, EchoHandler());
  REQUIRE_OK(echo.Start("127.0.0.1", 0));
  REQUIRE_OK(client.InvokeSync(Address(echo), MakeRequest(11, "x"), kWait));
  echo.Stop();
  server.Stop();
}

TEST_CASE("a bad frame closes only the connection that sent it",
          "[remoting][transport]") {
  CapturingLogger logger;
  TransportOptions options;
  options.max_frame_bytes = 64 * 1024;
  RemotingServer server(options, logger, EchoHandler());
  REQUIRE_OK(server.Start("127.0.0.1", 0));
  RemotingClient client({}, logger);
  REQUIRE_OK(
      client.InvokeSync(Address(server), MakeRequest(11, "before"), kWait));

  RemotingCommand request = MakeRequest(11, "body");
  absl::StatusOr<std::string> valid = EncodeFrame(request);
  REQUIRE_OK(valid);
  std::string bad = *valid;
  std::string expected_log;
  SECTION("length prefix above the maximum") {
    PutBE32(static_cast<uint32_t>(options.max_frame_bytes), bad.data());
    expected_log = "exceeds";
  }
  SECTION("serialize type 7") {
    bad[4] = 7;
    expected_log = "serialize type 7";
  }
  SECTION("header length beyond the frame") {
    PutBE32(static_cast<uint32_t>(bad.size()), bad.data() + 4);
    expected_log = "header length";
  }

  RawPeer raw(server.port());
  REQUIRE(raw.connected());
  REQUIRE(raw.Write(bad));
  CHECK(raw.WaitForEof());
  CHECK(WaitUntil(
      [&] { return logger.Contains(raw.local_address(), expected_log); }));

  // The well-behaved client is still served, on its existing connection.
  absl::StatusOr<RemotingCommand> response =
      client.InvokeSync(Address(server), MakeRequest(11, "after"), kWait);
  REQUIRE_OK(response);
  CHECK(response->body == "after");
  server.Stop();
}

TEST_CASE("JSON and ROCKETMQ requests are answered in their own serialization",
          "[remoting][transport]") {
  CapturingLogger logger;
  std::atomic<int> seen_type{-1};
  RemotingServer server({}, logger,
                        [&](const std::shared_ptr<Connection>& connection,
                            RemotingCommand request) {
                          seen_type = static_cast<int>(request.serialize_type);
                          EchoHandler()(connection, std::move(request));
                        });
  REQUIRE_OK(server.Start("127.0.0.1", 0));
  RemotingClient client({}, logger);

  const SerializeType type =
      GENERATE(SerializeType::kJson, SerializeType::kRocketMq);
  RemotingCommand request = MakeRequest(310, std::string("bin\0ary", 7));
  request.serialize_type = type;
  request.remark = "hello";
  request.ext_fields.Set("topic", "TopicTest");
  request.ext_fields.Set("queueId", "3");
  absl::StatusOr<RemotingCommand> response =
      client.InvokeSync(Address(server), request, kWait);
  REQUIRE_OK(response);
  CHECK(seen_type.load() == static_cast<int>(type));
  CHECK(response->serialize_type == type);
  CHECK(response->is_response());
  CHECK(response->code == kSuccess);
  CHECK(response->remark == "echo");
  CHECK(response->ext_fields == request.ext_fields);
  CHECK(response->body == request.body);
  server.Stop();
}

TEST_CASE("a body sent by reference arrives whole", "[remoting][transport]") {
  CapturingLogger logger;
  RemotingServer server(
      {}, logger,
      [](const std::shared_ptr<Connection>& connection,
         RemotingCommand request) {
        // The body lives in memory the connection keeps alive until written.
        auto body = std::make_shared<std::string>(100'000, 'm');
        RemotingCommand response = RemotingCommand::ResponseTo(request, 0);
        response.body = "ignored";
        connection
            ->SendWithBody(response, std::as_bytes(std::span(*body)), body)
            .IgnoreError();
      });
  REQUIRE_OK(server.Start("127.0.0.1", 0));
  RemotingClient client({}, logger);
  absl::StatusOr<RemotingCommand> response =
      client.InvokeSync(Address(server), MakeRequest(11, ""), kWait);
  REQUIRE_OK(response);
  CHECK(response->body == std::string(100'000, 'm'));
  server.Stop();
}

TEST_CASE("frames above the maximum are refused on the way out",
          "[remoting][transport]") {
  CapturingLogger logger;
  TransportOptions options;
  options.max_frame_bytes = 1024;
  HeldRequests held;
  RemotingServer server(options, logger, held.Handler());
  REQUIRE_OK(server.Start("127.0.0.1", 0));
  RemotingClient client(options, logger);
  absl::StatusOr<RemotingCommand> response = client.InvokeSync(
      Address(server), MakeRequest(11, std::string(2048, 'x')), kWait);
  CHECK_THAT(response.status(), StatusIs(absl::StatusCode::kInvalidArgument));

  REQUIRE_OK(client.InvokeOneway(Address(server), MakeRequest(11, "small")));
  REQUIRE(held.WaitForCount(1));
  auto h = held.Take();
  RemotingCommand big = RemotingCommand::ResponseTo(h[0].request, 0);
  big.body = std::string(2048, 'x');
  CHECK_THAT(h[0].connection->Send(big),
             StatusIs(absl::StatusCode::kInvalidArgument));
  server.Stop();
}

TEST_CASE("Stop with open connections and a request in flight is prompt",
          "[remoting][transport]") {
  CapturingLogger logger;
  HeldRequests held;
  std::atomic<int> closes{0};
  auto server = std::make_unique<RemotingServer>(
      TransportOptions{.io_threads = 2}, logger, held.Handler(),
      [&](const std::shared_ptr<Connection>&) { closes.fetch_add(1); });
  REQUIRE_OK(server->Start("127.0.0.1", 0));
  const std::string address = Address(*server);
  RemotingClient client({}, logger);
  RemotingClient other({}, logger);
  REQUIRE_OK(other.GetConnection(address, kWait));
  // Accepted, not only connected (the kernel completes the handshake first).
  REQUIRE(WaitUntil([&] { return server->connections().size() == 1; }));

  absl::Notification done;
  absl::Status status;
  client.InvokeAsync(address, MakeRequest(11, "held"), absl::Hours(1),
                     [&](absl::StatusOr<RemotingCommand> response) {
                       status = response.status();
                       done.Notify();
                     });
  REQUIRE(held.WaitForCount(1));
  std::vector<HeldRequests::Held> in_flight = held.Take();

  const absl::Time start = absl::Now();
  server->Stop();
  CHECK(absl::Now() - start < absl::Seconds(2));
  CHECK(closes.load() == 2);
  CHECK(server->connections().empty());
  // The client learns the connection closed; its invoke fails.
  REQUIRE(done.WaitForNotificationWithTimeout(kWait));
  CHECK_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  // The handler answering afterwards is told, not crashed, even once the
  // server is gone.
  server.reset();
  CHECK_THAT(in_flight[0].connection->Send(
                 RemotingCommand::ResponseTo(in_flight[0].request, 0)),
             StatusIs(absl::StatusCode::kUnavailable));
  CHECK(in_flight[0].connection->closed());
}

TEST_CASE("connecting to a closed port is Unavailable, naming the address",
          "[remoting][transport]") {
  CapturingLogger logger;
  std::string address;
  {
    RemotingServer server({}, logger, EchoHandler());
    REQUIRE_OK(server.Start("127.0.0.1", 0));
    address = Address(server);
  }  // stopped: nothing listens there now
  RemotingClient client({}, logger);
  absl::StatusOr<RemotingCommand> response =
      client.InvokeSync(address, MakeRequest(11, ""), kWait);
  CHECK_THAT(response.status(), StatusIs(absl::StatusCode::kUnavailable));
  CHECK_THAT(std::string(response.status().message()),
             Catch::Contains(address));
  CHECK_THAT(client.InvokeOneway(address, MakeRequest(11, "")),
             StatusIs(absl::StatusCode::kUnavailable));
  CHECK_THAT(client.InvokeSync("no-port", MakeRequest(11, ""), kWait).status(),
             StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_CASE("listening on a port in use names host:port",
          "[remoting][transport]") {
  CapturingLogger logger;
  RemotingServer first({}, logger, EchoHandler());
  REQUIRE_OK(first.Start("127.0.0.1", 0));
  RemotingServer second({}, logger, EchoHandler());
  const absl::Status status = second.Start("127.0.0.1", first.port());
  CHECK_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  CHECK_THAT(std::string(status.message()), Catch::Contains(Address(first)));
  CHECK_THAT(first.Start("127.0.0.1", 0),
             StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_CASE("servers send requests to clients over the client's connection",
          "[remoting][transport]") {
  CapturingLogger logger;
  HeldRequests held;
  RemotingServer server({}, logger, held.Handler());
  REQUIRE_OK(server.Start("127.0.0.1", 0));

  RemotingClient with_handler({}, logger,
                              [](const std::shared_ptr<Connection>& connection,
                                 RemotingCommand request) {
                                RemotingCommand response =
                                    RemotingCommand::ResponseTo(request, 0);
                                response.body = "client says hi";
                                connection->Send(response).IgnoreError();
                              });
  RemotingClient without_handler({}, logger);
  REQUIRE_OK(with_handler.InvokeOneway(Address(server), MakeRequest(34, "")));
  REQUIRE_OK(
      without_handler.InvokeOneway(Address(server), MakeRequest(34, "")));
  REQUIRE(held.WaitForCount(2));
  std::vector<HeldRequests::Held> heartbeats = held.Take();

  absl::Mutex mu;
  std::vector<absl::StatusOr<RemotingCommand>> answers;
  for (const auto& h : heartbeats) {
    // GET_CONSUMER_RUNNING_INFO expects an answer; a oneway
    // NOTIFY_CONSUMER_IDS_CHANGED must be swallowed quietly.
    REQUIRE_OK(h.connection->InvokeOneway(MakeRequest(40, "")));
    h.connection->Invoke(MakeRequest(307, ""), kWait,
                         [&](absl::StatusOr<RemotingCommand> response) {
                           absl::MutexLock lock(&mu);
                           answers.push_back(std::move(response));
                         });
  }
  REQUIRE(WaitUntil([&] {
    absl::MutexLock lock(&mu);
    return answers.size() == 2;
  }));
  absl::MutexLock lock(&mu);
  std::vector<int32_t> codes;
  for (const auto& answer : answers) {
    REQUIRE_OK(answer);
    codes.push_back(answer->code);
    if (answer->code == 0) CHECK(answer->body == "client says hi");
  }
  std::sort(codes.begin(), codes.end());
  CHECK(codes == std::vector<int32_t>{0, kRequestCodeNotSupported});
}

TEST_CASE("a handler that throws answers SYSTEM_ERROR and the connection lives",
          "[remoting][transport]") {
  CapturingLogger logger;
  RemotingServer server({}, logger,
                        [](const std::shared_ptr<Connection>& connection,
                           RemotingCommand request) {
                          if (request.body == "throw") {
                            throw std::runtime_error("boom");
                          }
                          EchoHandler()(connection, std::move(request));
                        });
  REQUIRE_OK(server.Start("127.0.0.1", 0));
  RemotingClient client({}, logger);
  absl::StatusOr<RemotingCommand> response =
      client.InvokeSync(Address(server), MakeRequest(11, "throw"), kWait);
  REQUIRE_OK(response);
  CHECK(response->code == response::kSystemError);
  CHECK(response->remark == "boom");
  CHECK(logger.Contains("threw", "boom"));
  response = client.InvokeSync(Address(server), MakeRequest(11, "x"), kWait);
  REQUIRE_OK(response);
  CHECK(response->body == "x");
}

TEST_CASE("an idle connection is closed", "[remoting][transport]") {
  CapturingLogger logger;
  TransportOptions options;
  options.idle_timeout = absl::Milliseconds(200);
  RemotingServer server(options, logger, EchoHandler());
  REQUIRE_OK(server.Start("127.0.0.1", 0));
  RemotingClient client({}, logger);
  auto connection = client.GetConnection(Address(server), kWait);
  REQUIRE_OK(connection);
  REQUIRE(WaitUntil([&] { return (*connection)->closed(); }));
  CHECK(logger.Contains("idle"));
  CHECK(WaitUntil([&] { return server.connections().empty(); }));
  // The client opens a new one when next asked.
  REQUIRE_OK(client.InvokeSync(Address(server), MakeRequest(11, ""), kWait));
}

}  // namespace
}  // namespace rmq::remoting
