#pragma once

// remediation_history.json, what `keelson remediate` did (--history-file; default in the current
// directory):
//
//   {"kind": "RemediationHistory", "apiVersion": "keelson/v1", "items": [ {
//      "finding": {...as in the insights file (docs/insights_file.h)...},
//      "confidence": 0..1,
//      "proposal": {"action": "rollout restart" | "restart pod" | "set resources" | "cordon" |
//                             "drain" | "scale" | "none",
//                   "target": "deployment.apps/web" | "", "namespace", "command" (one line),
//                   "parameters": {...}, "reason", "changes": [..]},
//      "llm_explanation": null | {"model", "text"},
//      "decision": "approved" | "declined" | "skipped" | "refused-by-policy" | "dry-run" |
//                  "no-action" | "below-threshold",
//      "decision_reason", "decided_at" (RFC 3339),
//      "dry_run_result": null | ActionResult (act::toJson) of the server dry run,
//      "result": null | ActionResult of the action,
//      "outcome": null (nothing was done, so nothing to check)
//               | {"status": "pending", "due_at"} (waiting for the settle period)
//               | {"status": "resolved" | "not_resolved" | "worse", "checked_at", "details"}
//               | {"status": "unchecked", "details"} (the run ended before the settle period,
//                  or no monitor tick rewrote the insights file after the action) } ]}
//
// Items are in the order they were decided. The file is replaced atomically after every change
// (core/atomic_file.h), so a reader never sees half of it.

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "act/proposal.h"
#include "analysis/insight_tracker.h"
#include "core/clock.h"

namespace keelson::act {

/// What was decided about a proposal.
enum class Decision {
  kApproved,         ///< Run (by a person, or by --auto-approve within the policy).
  kDeclined,         ///< A person said no: not asked again in this run.
  kSkipped,          ///< A person skipped it: asked again at the next pass.
  kRefusedByPolicy,  ///< --auto-approve, and the policy said no.
  kDryRun,           ///< --dry-run: shown, not run.
  kNoAction,         ///< The proposal is an explanation with nothing to run.
  kBelowThreshold,   ///< The finding's confidence is below --confidence-threshold.
};

/// "approved", "declined", "skipped", "refused-by-policy", "dry-run", "no-action",
/// "below-threshold".
std::string_view decisionName(Decision decision) noexcept;

/// The proposal as the history holds it (without the finding).
nlohmann::json proposalJson(const Proposal& proposal);

/// A new item: the finding, its proposal and the decision, with null results and outcome.
nlohmann::json historyItem(const analysis::TrackedFinding& finding, const Proposal& proposal,
                           Decision decision, const std::string& reason, core::WallTime now);

/// The history file in memory. Not thread-safe: one loop owns it.
class RemediationHistory {
 public:
  /// Reads `path`; a missing file is an empty history. Throws Error(kBadInput) naming the path
  /// when it is not a remediation history document, Error(kUnavailable) when it cannot be read.
  static RemediationHistory load(const std::filesystem::path& path);

  /// Appends `item` (historyItem's shape) and returns its index.
  std::size_t append(nlohmann::json item);
  /// Item `index`, to fill in its results and outcome.
  nlohmann::json& item(std::size_t index) { return items_.at(index); }
  /// Every item, oldest first.
  const std::vector<nlohmann::json>& items() const noexcept { return items_; }

  /// True when an earlier item approved an action for this occurrence of finding `id` (the one
  /// that opened at `first_seen`, RFC 3339) and it was not refused: remediation does not act
  /// twice on one occurrence.
  bool actedOn(const std::string& id, const std::string& first_seen) const;

  /// The whole document.
  nlohmann::json document() const;
  /// Writes document() to the path it was loaded from, atomically. Throws Error(kUnavailable)
  /// naming the path.
  void save() const;

 private:
  std::filesystem::path path_;
  std::vector<nlohmann::json> items_;
};

}  // namespace keelson::act
