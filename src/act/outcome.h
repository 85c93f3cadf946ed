#pragma once

// Whether a remediation worked: after the settle period the finding is looked up again in the
// insights file. Pure.
//
//   worse         it is open with a higher severity (info < warning < critical), or a finding
//                 of another kind (or of a higher severity) that was not open before the action
//                 is now open about a related subject;
//   not_resolved  it is still open, or it closed but the same kind of finding is now open about
//                 a related subject (a rollout moved the crash to a new pod);
//   resolved      it is closed, or gone from the file, and nothing related is new.
//
// Related: the same subject; for an action on a workload, also the pods it names the way its
// controller does (namespace equal, pod name "<workload>-..."): a rollout replaces pods, so the
// same crash shows up under a new pod name.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "act/target.h"
#include "analysis/insight_tracker.h"

namespace keelson::act {

/// How a remediated finding ended up.
enum class RemediationOutcome { kResolved, kNotResolved, kWorse };

/// "resolved", "not_resolved", "worse".
std::string_view remediationOutcomeName(RemediationOutcome outcome) noexcept;

/// The verdict and what it rests on.
struct OutcomeCheck {
  RemediationOutcome outcome = RemediationOutcome::kNotResolved;
  std::string details;  ///< e.g. "finding closed at 2026-...", "new finding crash_loop/...".
};

/// Judges `before` (the finding acted on) against `after` (the insights file's findings now).
/// `open_before` are the ids open when the action ran; `workload` the workload acted on, if any.
/// Pure.
OutcomeCheck evaluateOutcome(const analysis::TrackedFinding& before,
                             const std::set<std::string>& open_before,
                             const std::vector<analysis::TrackedFinding>& after,
                             const std::optional<ObjectRef>& workload);

/// info 0, warning 1, critical 2; anything else -1. Pure.
int severityRank(std::string_view severity) noexcept;

}  // namespace keelson::act
