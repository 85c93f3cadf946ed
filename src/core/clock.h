#pragma once
// The one source of time: code that reads the time, measures an interval or waits takes a
// Clock, so that tests move time themselves (tests/common/fake_clock.h) instead of sleeping.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>

namespace keelson::core {

/// Monotonic time: intervals, deadlines, timeouts, rates. Never goes back.
using SteadyTime = std::chrono::steady_clock::time_point;
/// Wall-clock (UTC) time: timestamps shown to people or compared with the API server's.
using WallTime = std::chrono::system_clock::time_point;

/// Reads monotonic and wall-clock time and waits on a condition variable until a deadline on
/// its own monotonic time. Durations are std::chrono types, so units are in the types.
/// Implementations are thread-safe: any number of threads may read and wait at once.
class Clock {
 public:
  virtual ~Clock() = default;

  /// Monotonic now.
  virtual SteadyTime steadyNow() const = 0;
  /// Wall-clock now.
  virtual WallTime wallNow() const = 0;

  /// With `lock` held (on the mutex guarding what `ready` reads), waits on `cv` until `ready()`
  /// is true, `stop` is requested, or steadyNow() reaches `deadline` (SteadyTime::max(): no
  /// deadline), whichever comes first; like std::condition_variable_any::wait_until, `lock` is
  /// released while waiting and held again on return. Returns ready(). Whoever makes `ready`
  /// true notifies `cv`.
  virtual bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable_any& cv,
                         std::stop_token stop, SteadyTime deadline,
                         const std::function<bool()>& ready) const = 0;

  /// waitUntil with the deadline `timeout` from now (saturating: a huge timeout never ends).
  bool waitFor(std::unique_lock<std::mutex>& lock, std::condition_variable_any& cv,
               std::stop_token stop, std::chrono::nanoseconds timeout,
               const std::function<bool()>& ready) const;

  /// Blocks until steadyNow() reaches `deadline` or `stop` is requested. Returns false when
  /// stopped (then the caller should wind down), true when the deadline was reached.
  bool sleepUntil(SteadyTime deadline, std::stop_token stop = {}) const;
  /// sleepUntil `duration` from now; a duration that is not positive returns at once.
  bool sleepFor(std::chrono::nanoseconds duration, std::stop_token stop = {}) const;

  /// `from` + `duration`, or SteadyTime::max() where that would overflow.
  static SteadyTime saturatingAdd(SteadyTime from, std::chrono::nanoseconds duration) noexcept;
};

/// The process-wide real clock: std::chrono::steady_clock, std::chrono::system_clock and
/// std::condition_variable_any waits. Never null; the same object on every call.
std::shared_ptr<const Clock> systemClock();

}  // namespace keelson::core
