#pragma once
// A core::Clock whose time moves only when a test says so. Waits on it end when their
// condition holds, when they are stopped, or when advance() carries the time to their deadline,
// never because real time passed: tests that use it assert on what happened, not on how long
// it took. Shared by unit and integration tests.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "core/clock.h"

namespace keelson::testing {

/// Thread-safe: any thread may read, wait on and advance it. Starts at an arbitrary steady time
/// and at `wall_start` (2027-01-15T08:00:00Z unless given).
class FakeClock final : public core::Clock {
 public:
  explicit FakeClock(
      core::WallTime wall_start = core::WallTime(std::chrono::seconds(1'800'000'000)))
      : wall_(wall_start) {}

  core::SteadyTime steadyNow() const override {
    std::lock_guard lock(mutex_);
    return steady_;
  }
  core::WallTime wallNow() const override {
    std::lock_guard lock(mutex_);
    return wall_;
  }

  bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable_any& cv,
                 std::stop_token stop, core::SteadyTime deadline,
                 const std::function<bool()>& ready) const override {
    if (ready()) return true;
    // Requested when the caller's stop is, or when advance() reaches the deadline; the
    // condition variable's own stop-token wait then wakes without a lost notification.
    std::stop_source ends;
    std::stop_callback forward(stop, [&ends] { ends.request_stop(); });
    std::uint64_t id = 0;
    {
      std::lock_guard clock_lock(mutex_);
      if (steady_ >= deadline) return ready();
      id = next_id_++;
      waits_.emplace(id, Wait{deadline, ends});
    }
    waits_changed_.notify_all();
    cv.wait(lock, ends.get_token(), ready);
    {
      std::lock_guard clock_lock(mutex_);
      waits_.erase(id);
    }
    return ready();
  }

  /// Moves both clocks forward by `by` (not negative) and ends the waits whose deadline that
  /// reaches, before returning (their threads may still be waking up).
  void advance(std::chrono::nanoseconds by) {
    std::vector<std::stop_source> due;
    {
      std::lock_guard lock(mutex_);
      steady_ += by;
      wall_ += std::chrono::duration_cast<core::WallTime::duration>(by);
      for (auto it = waits_.begin(); it != waits_.end();) {
        if (it->second.deadline > steady_) {
          ++it;
          continue;
        }
        due.push_back(it->second.ends);
        it = waits_.erase(it);
      }
    }
    for (auto& source : due) source.request_stop();
  }

  /// Waits (in real time, at most `limit`) until at least `count` waits are pending, i.e. the
  /// code under test is blocked on this clock. False if that did not happen in time.
  bool awaitWaits(std::size_t count,
                  std::chrono::milliseconds limit = std::chrono::seconds(10)) const {
    std::unique_lock lock(mutex_);
    return waits_changed_.wait_for(lock, limit, [&] { return waits_.size() >= count; });
  }

  /// The earliest deadline of a pending wait that has one (not SteadyTime::max()).
  std::optional<core::SteadyTime> nextDeadline() const {
    std::lock_guard lock(mutex_);
    std::optional<core::SteadyTime> next;
    for (const auto& [id, wait] : waits_) {
      if (wait.deadline != core::SteadyTime::max() && (!next || wait.deadline < *next)) {
        next = wait.deadline;
      }
    }
    return next;
  }

 private:
  struct Wait {
    core::SteadyTime deadline;
    std::stop_source ends;
  };

  mutable std::mutex mutex_;  // guards everything below
  mutable std::condition_variable waits_changed_;
  core::SteadyTime steady_{std::chrono::seconds(1000)};
  core::WallTime wall_;
  mutable std::uint64_t next_id_ = 0;
  mutable std::map<std::uint64_t, Wait> waits_;
};

}  // namespace keelson::testing
