#pragma once
// Clean shutdown on SIGINT and SIGTERM for long-running commands (monitor, serve).

#include <stop_token>
#include <thread>

namespace keelson::core {

/// While alive, SIGINT and SIGTERM request stop on token() instead of killing the process; a
/// second signal exits at once (status 128 + signal) for an operator whose first request is stuck
/// behind a slow tick. Create it in main's thread before starting any other thread: the signals
/// are blocked in the creating thread, threads started later inherit the mask, and one dedicated
/// thread receives them with sigwait. Restores the previous mask on destruction.
class StopOnSignals {
 public:
  StopOnSignals();
  ~StopOnSignals();
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

  /// Becomes stop_requested() on the first SIGINT or SIGTERM.
  std::stop_token token() const noexcept { return source_.get_token(); }

 private:
  std::stop_source source_;
  std::thread waiter_;
};

}  // namespace keelson::core
