#pragma once
// The smallest RocketMQ client the broker workloads need, on the project's
// own RemotingClient (no real client library in the measurement): find the
// broker serving a topic through the nameserver (creating the topic when the
// route is missing or has too few queues), and build SEND_MESSAGE_V2,
// SEND_BATCH_MESSAGE and PULL_MESSAGE requests (remoting-protocol.md §9.2.2,
// §9.2.3, §9.3.1). Only the first master of the route is used: the
// workloads measure one broker.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "remoting/client.h"
#include "remoting/remoting_command.h"
#include "rmq/logger.h"

namespace rmq::bench {

// The extFields every PULL answer with code 0, 19, 20 or 21 carries.
struct PullAnswer {
  int32_t code = 0;
  int64_t next_begin_offset = 0;
  int64_t max_offset = 0;
};

class BrokerClient {
 public:
  // Connects to `namesrv` ("host:port"), resolves `topic` and makes sure it
  // has at least `queues` read and write queues, waiting (bounded) until the
  // nameserver's route shows them.
  static absl::StatusOr<std::unique_ptr<BrokerClient>> Connect(
      const std::string& namesrv, const std::string& topic, int queues);

  // Only a client Connect() has resolved is usable; public for make_unique.
  BrokerClient(std::string namesrv, std::string topic);
  BrokerClient(const BrokerClient&) = delete;
  BrokerClient& operator=(const BrokerClient&) = delete;
  ~BrokerClient();  // stops the remoting client (joins its threads)

  const std::string& broker_addr() const { return broker_addr_; }
  const std::string& topic() const { return topic_; }
  remoting::RemotingClient& remoting() { return *client_; }

  // SEND_MESSAGE_V2 of one message to `queue`.
  remoting::RemotingCommand SendRequest(int32_t queue, std::string body) const;
  // SEND_BATCH_MESSAGE to `queue`; `body` is AppendBatchEntry() output.
  remoting::RemotingCommand BatchRequest(int32_t queue, std::string body) const;
  // PULL_MESSAGE with subscription "*" (sysFlag bit 2); `suspend_ms` > 0
  // also sets the suspend bit (long polling) with that hold time.
  remoting::RemotingCommand PullRequest(int32_t queue, int64_t offset,
                                        int32_t max_messages,
                                        int64_t suspend_ms) const;

  // GET_MAX_OFFSET: the offset the next message of `queue` will get.
  absl::StatusOr<int64_t> MaxOffset(int32_t queue);

 private:
  // The master address and queue count of the route, or NotFound when the
  // nameserver has no route for the topic.
  absl::StatusOr<std::pair<std::string, int>> Route();
  absl::StatusOr<std::string> AnyMaster();
  absl::Status CreateTopic(const std::string& broker, int queues);

  const std::string namesrv_;
  const std::string topic_;
  // Declared before the client, which logs to it until it is destroyed.
  std::shared_ptr<Logger> logger_;
  std::unique_ptr<remoting::RemotingClient> client_;
  std::string broker_addr_;
};

// Appends one SEND_BATCH_MESSAGE entry (§12.5: no properties, flag 0).
void AppendBatchEntry(std::string_view body, std::string* out);

// The offsets of a pull answer, or an error naming the code and remark for
// codes that carry none.
absl::StatusOr<PullAnswer> ParsePullAnswer(
    const remoting::RemotingCommand& response);

// A send answer's status: OK for SUCCESS and the "stored" codes 10/11/12.
absl::Status SendAnswerStatus(const remoting::RemotingCommand& response);

}  // namespace rmq::bench
