#pragma once

// Wakes the backend's waiting deliveries when an action is created: a long poll
// (GET /v1/agents/{id}/actions?wait=N) waits here between looks at the database. It is also the
// seam for a push channel: a WebSocket session (a later step) would wait on the same signal and
// send what Storage::deliverActions hands it.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stop_token>

#include "core/clock.h"

namespace keelson::backend {

/// A generation counter with a condition variable. Thread-safe.
class ActionSignal {
 public:
  /// `clock` measures the waits; null: core::systemClock().
  explicit ActionSignal(std::shared_ptr<const core::Clock> clock = nullptr);

  /// The current generation: pass it to waitPast after looking at the database, so a change
  /// made between the look and the wait is not missed.
  std::uint64_t generation() const;
  /// Advances the generation and wakes every waiter (after an action was stored).
  void notify();
  /// Wakes every waiter for good: waitPast returns at once from now on (server shutdown).
  void shutdown();
  /// Waits until the generation is past `seen`, `deadline` (on the clock's steady time) passes,
  /// `stop` is requested or shutdown() was called. Returns true when the generation moved.
  bool waitPast(std::uint64_t seen, core::SteadyTime deadline, std::stop_token stop) const;

 private:
  std::shared_ptr<const core::Clock> clock_;
  mutable std::mutex mutex_;
  mutable std::condition_variable_any changed_;
  std::uint64_t generation_ = 0;  // guarded by mutex_
  bool shut_down_ = false;        // guarded by mutex_
};

}  // namespace keelson::backend
