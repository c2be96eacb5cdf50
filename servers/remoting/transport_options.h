#pragma once
// Settings shared by the remoting server, the remoting client and each of
// their connections (remoting-protocol.md §1).

#include <cstddef>

#include "absl/time/time.h"
#include "remoting/frame.h"

namespace rmq::remoting {

struct TransportOptions {
  // A peer whose frame (length prefix included) passes this is cut off, and
  // we refuse to send one; 16 MiB is what Java peers enforce.
  size_t max_frame_bytes = kDefaultMaxFrameBytes;
  // A connection with no byte read or written for this long is closed, as
  // Java's serverChannelMaxIdleTimeSeconds does. absl::InfiniteDuration()
  // (or zero) disables it.
  absl::Duration idle_timeout = absl::Seconds(120);
  // Threads running the I/O (and the request handler, which must hand
  // anything slow to its own threads).
  int io_threads = 1;
  // Client side only: how long opening a connection may take (Java's
  // connectTimeoutMillis default), further capped by the call's timeout.
  absl::Duration connect_timeout = absl::Seconds(3);
};

}  // namespace rmq::remoting
