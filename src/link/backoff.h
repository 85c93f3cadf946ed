#pragma once
// Reconnects and retries of the backend link: exponential backoff with full jitter (a wait is
// uniform in [0, min(cap, base * 2^failures)]), so that many agents restarted together spread
// out instead of reconnecting in lockstep; a Retry-After from the backend wins; one success
// resets it.

#include <chrono>
#include <optional>
#include <random>

namespace keelson::link {

/// Backoff state of one retry loop. Not thread-safe: one per loop.
class Backoff {
 public:
  /// `base` the first ceiling, `cap` the largest (60 s for the link).
  explicit Backoff(std::chrono::milliseconds base = std::chrono::seconds(1),
                   std::chrono::milliseconds cap = std::chrono::seconds(60));

  /// The wait after one more failure: `retry_after` when the backend sent one (capped at
  /// `cap`), else uniform in [0, min(cap, base * 2^(failures so far))].
  std::chrono::milliseconds next(std::optional<std::chrono::seconds> retry_after = std::nullopt);

  /// After a success: the next failure starts from `base` again.
  void reset() noexcept { failures_ = 0; }

  /// Failures since the last reset.
  int failures() const noexcept { return failures_; }

 private:
  std::chrono::milliseconds base_;
  std::chrono::milliseconds cap_;
  int failures_ = 0;
  std::mt19937_64 random_;
};

}  // namespace keelson::link
