#pragma once
// Clean shutdown on SIGTERM/SIGINT: the main thread blocks both before it
// starts any thread (so every thread inherits the mask) and later waits for
// one with sigwait — no async signal handler, no global flag.

namespace rmq::server {

// Call first in main, before any thread exists.
void BlockTerminationSignals();
// Returns the signal received (SIGTERM or SIGINT).
int WaitForTerminationSignal();

}  // namespace rmq::server
