#pragma once

// What remediation proposes for one finding: one action of the actuator (or none), with the
// reason in plain words. Produced by the planner (planner.h), judged by the policy (policy.h),
// run by the remediation loop through the Actuator.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "act/drain.h"
#include "act/set_resources.h"
#include "act/target.h"

namespace keelson::act {

/// The actuator verb a proposal runs.
enum class ActionKind {
  kNone,            ///< Nothing to run: the proposal is an explanation.
  kRolloutRestart,  ///< Actuator::rolloutRestart of a workload.
  kRestartPod,      ///< Actuator::restartPod (delete one pod so its controller recreates it).
  kSetResources,    ///< Actuator::setResources on a workload's pod template.
  kCordon,          ///< Actuator::cordon of a node.
  kDrain,           ///< Actuator::drain of a node.
  kScale,           ///< Actuator::scale (no rule proposes it today; the policy still guards it).
};

/// The verb as the audit log names it: "none", "rollout restart", "restart pod", "set resources",
/// "cordon", "drain", "scale".
std::string_view actionKindName(ActionKind kind) noexcept;

/// One action with its parameters.
struct ProposedAction {
  ActionKind kind = ActionKind::kNone;
  ObjectRef target;             ///< The workload, pod or node; unset for kNone.
  ResourcesOptions resources;   ///< kSetResources: the container and the new values.
  bool force = false;           ///< kRestartPod: delete a pod no controller recreates.
  DrainOptions drain;           ///< kDrain.
  std::optional<int> replicas;  ///< kScale: the replica count asked for.
};

/// The proposal for one finding.
struct Proposal {
  std::string finding_id;
  std::string finding_kind;
  double confidence = 1.0;  ///< See findingConfidence (planner.h).
  ProposedAction action;
  /// Why this action, or why none, in plain words ("pod shop/web-1 is controlled by
  /// Deployment web: restart its pods").
  std::string reason;
  /// What the action would change, one line each ("container app: limits.memory 256Mi ->
  /// 320Mi"); empty when the verb's own result says it.
  std::vector<std::string> changes;
};

/// The proposal's action as one line a person reads: "rollout restart deployment.apps/web -n
/// shop", "set resources deployment.apps/web -n shop -c app --limits memory=320Mi", "none".
std::string describeAction(const ProposedAction& action);

}  // namespace keelson::act
