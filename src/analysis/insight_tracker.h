#pragma once
// Findings across ticks: the same condition on the same subject (same Finding::id) stays one
// finding while it lasts, and is closed on the first tick it no longer holds.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/insights.h"

namespace keelson::analysis {

/// A finding with its lifetime.
struct TrackedFinding {
  Finding finding;                      ///< The latest evidence.
  kube::Time first_seen;                ///< When it (re)opened.
  kube::Time last_seen;                 ///< The latest tick it held.
  std::optional<kube::Time> closed_at;  ///< The first tick it no longer held; nullopt while open.
  int ticks = 0;                        ///< Ticks it held since it (re)opened.
  bool open() const noexcept { return !closed_at.has_value(); }
};

/// Deduplicates findings across ticks and closes them when they clear. Not thread-safe.
class InsightTracker {
 public:
  /// Applies one tick: a new id opens; an id already open gets the new evidence and last_seen;
  /// a closed id reopens (first_seen = now); an open id missing from `findings` closes at `now`.
  void update(std::vector<Finding> findings, kube::Time now);

  /// Forgets findings closed before `before` (they have been reported closed long enough).
  void forgetClosedBefore(kube::Time before);

  /// Restores a finding saved by an earlier run (the insights file), so ids stay deduplicated
  /// across restarts.
  void restore(TrackedFinding finding);

  /// All tracked findings by id.
  const std::map<std::string, TrackedFinding>& findings() const noexcept { return findings_; }

 private:
  std::map<std::string, TrackedFinding> findings_;
};

}  // namespace keelson::analysis
