#pragma once

// Helpers for the tests of the scheduler's threaded parts: a stop token that fires after a
// deadline, so that a blocking call under test cannot hang the test, and a queue's depths.

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <stop_token>
#include <thread>
#include <utility>

#include "schedule/scheduling_queue.h"

namespace keelson::schedule::testing {

/// Requests stop on its token once `timeout` has passed (or never, if destroyed first). Generous
/// timeouts only: the tests use it to bound a hang, not to time anything.
class Deadline {
 public:
  explicit Deadline(std::chrono::milliseconds timeout)
      : timer_([this, timeout](std::stop_token own) {
          std::mutex m;
          std::condition_variable_any cv;
          std::unique_lock lock(m);
          if (!cv.wait_for(lock, own, timeout, [] { return false; }) && !own.stop_requested()) {
            source_.request_stop();
          }
        }) {}
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  std::stop_token token() const { return source_.get_token(); }
  /// True once the deadline passed.
  bool expired() const { return source_.stop_requested(); }

 private:
  std::stop_source source_;
  std::jthread timer_;  ///< Last: stopped and joined first.
};

/// The time since `start`, in milliseconds.
inline std::chrono::milliseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

/// A queue's depths in the order active, backoff, unschedulable, in_flight.
using Depths = std::array<std::size_t, 4>;

/// `q.depths()` as Depths, to compare with one EXPECT_EQ.
inline Depths depthsOf(const SchedulingQueue& q) {
  const QueueDepths d = q.depths();
  return {d.active, d.backoff, d.unschedulable, d.in_flight};
}

}  // namespace keelson::schedule::testing
