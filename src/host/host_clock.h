#pragma once

#include <chrono>
#include <memory>

namespace keelson::host {

/// The time source of the host collectors: a monotonic clock for intervals and rates, a wall
/// clock for timestamps, and sleep. Injected so that tests control time (a fake that advances
/// on sleepFor) and never wait. Implementations must be thread-safe.
class HostClock {
 public:
  virtual ~HostClock() = default;

  /// Monotonic time, used for sampling intervals and per-second rates.
  virtual std::chrono::steady_clock::time_point steadyNow() = 0;

  /// Wall-clock time, used for snapshot timestamps.
  virtual std::chrono::system_clock::time_point wallNow() = 0;

  /// Blocks the calling thread for `duration` (no-op if not positive).
  virtual void sleepFor(std::chrono::nanoseconds duration) = 0;

  /// The process-wide real clock (std::chrono clocks and std::this_thread::sleep_for).
  static std::shared_ptr<HostClock> system();
};

}  // namespace keelson::host
