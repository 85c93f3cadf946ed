#pragma once

// The remediation planner: which action answers which finding of `keelson monitor`. Pure: it
// reads the finding and, for findings about a pod, the pod's owner as resolvePodOwner found it
// (owner.h); it calls nothing.
//
//   crash_loop, restart_burst  rollout restart of the owning Deployment/StatefulSet/DaemonSet;
//                              restart pod when the controller is something else (a Job, a
//                              ReplicaSet of its own); a bare pod only with `force`.
//   oom_risk                   set resources: the owner's memory limit raised by
//                              max(step_fraction, what the forecast needs over the horizon),
//                              rounded up to a whole Mi; a request above the new limit is lowered
//                              to it (requests never exceed limits).
//   throttling                 set resources: the CPU limit raised by max(step_fraction, what
//                              brings usage to cpu_target_utilisation of it), whole millicores.
//   node_pressure              cordon the node; drain it with `allow_drain`.
//   pending_too_long,
//   image_pull_failure         no action: a new pod or a restart does not fix either; the
//                              explanation says what to look at.
//   anomaly                    no action, unless an anomaly rule names its series
//                              (SERIES=restart: as crash_loop).
//
// A finding's confidence is evidence.score when the detector gave one (anomalies), else 1.0: the
// other kinds come from deterministic rules over what the API server reported.

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "act/owner.h"
#include "act/proposal.h"
#include "analysis/insights.h"

namespace keelson::act {

/// The planner's knobs (the flags of `keelson remediate`).
struct PlannerOptions {
  bool force = false;        ///< --force: restart a bare pod (delete it; nothing recreates it).
  bool allow_drain = false;  ///< --allow-drain: drain a node under pressure instead of cordoning.
  double step_fraction = 0.25;  ///< The smallest raise of a limit, as a fraction of it.
  /// How far ahead an oom_risk's memory growth (slope_bytes_per_second) is provided for.
  std::chrono::seconds forecast_horizon{3600};
  /// A raised CPU limit leaves usage at most at this fraction of it.
  double cpu_target_utilisation = 0.8;
  /// Anomaly rules: series -> action; the one action is "restart" (as crash_loop).
  std::map<std::string, std::string> anomaly_rules;
  DrainOptions drain;  ///< With allow_drain.
};

/// evidence.score when present (anomalies), else 1.0. Pure.
double findingConfidence(const analysis::Finding& finding) noexcept;

/// True when plan() needs the owner of the finding's pod for `options` (crash_loop,
/// restart_burst, oom_risk, throttling, and anomalies with a rule). Pure.
bool needsPodOwner(const analysis::Finding& finding, const PlannerOptions& options);

/// The proposal for `finding`. `owner` is the pod's owner when needsPodOwner() (nullopt
/// otherwise, or when it could not be read: then the proposal is kNone and says so). Pure.
Proposal plan(const analysis::Finding& finding, const std::optional<PodOwner>& owner,
              const PlannerOptions& options);

/// Parses an anomaly rule "SERIES=ACTION" (--anomaly-rule) into `rules`. Throws
/// Error(kBadInput) naming the text for a missing '=', an empty series or an unknown action.
void addAnomalyRule(std::map<std::string, std::string>& rules, const std::string& text);

}  // namespace keelson::act
