#include "core/clock.h"

namespace keelson::core {
namespace {

class SystemClock final : public Clock {
 public:
  SteadyTime steadyNow() const override { return std::chrono::steady_clock::now(); }
  WallTime wallNow() const override { return std::chrono::system_clock::now(); }
  bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable_any& cv,
                 std::stop_token stop, SteadyTime deadline,
                 const std::function<bool()>& ready) const override {
    if (deadline == SteadyTime::max()) return cv.wait(lock, stop, ready);
    return cv.wait_until(lock, stop, deadline, ready);
  }
};

}  // namespace

SteadyTime Clock::saturatingAdd(SteadyTime from, std::chrono::nanoseconds duration) noexcept {
  if (duration <= std::chrono::nanoseconds::zero()) return from;
  if (SteadyTime::max() - from <= duration) return SteadyTime::max();
  return from + duration;
}

bool Clock::waitFor(std::unique_lock<std::mutex>& lock, std::condition_variable_any& cv,
                    std::stop_token stop, std::chrono::nanoseconds timeout,
                    const std::function<bool()>& ready) const {
  return waitUntil(lock, cv, std::move(stop), saturatingAdd(steadyNow(), timeout), ready);
}

bool Clock::sleepUntil(SteadyTime deadline, std::stop_token stop) const {
  std::mutex mutex;
  std::condition_variable_any cv;
  std::unique_lock lock(mutex);
  waitUntil(lock, cv, stop, deadline, [] { return false; });
  return !stop.stop_requested();
}

bool Clock::sleepFor(std::chrono::nanoseconds duration, std::stop_token stop) const {
  if (duration <= std::chrono::nanoseconds::zero()) return !stop.stop_requested();
  return sleepUntil(saturatingAdd(steadyNow(), duration), std::move(stop));
}

std::shared_ptr<const Clock> systemClock() {
  static const auto clock = std::make_shared<const SystemClock>();
  return clock;
}

}  // namespace keelson::core
