#pragma once

// The local policy `keelson remediate --auto-approve` acts within: what may run without a person
// approving it. Pure: the caller gathers the state (the audit log's recent remediation writes,
// the nodes remediation holds cordoned) and the policy only judges.
//
// Rules, in order:
//   - never in an excluded namespace (kube-system and keelson always; --exclude-namespace adds);
//   - never scale to 0;
//   - one node at a time: no cordon or drain while another node that remediation cordoned or
//     drained is still unschedulable;
//   - at most max_actions_per_hour writes by remediation in any hour (a sliding window of the
//     hour before `now`; dry runs and refused actions, which wrote nothing, do not count).

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "act/proposal.h"
#include "core/clock.h"

namespace keelson::act {

/// The namespaces excluded whatever the flags say.
inline const std::set<std::string>& defaultExcludedNamespaces() {
  static const std::set<std::string> namespaces = {"kube-system", "keelson"};
  return namespaces;
}

/// The policy's limits.
struct PolicyOptions {
  int max_actions_per_hour = 5;  ///< --max-actions-per-hour (0: nothing may run).
  std::set<std::string> excluded_namespaces = defaultExcludedNamespaces();
};

/// What the policy judges against.
struct PolicyState {
  /// When each remediation write of the last hour or more started (any order).
  std::vector<core::WallTime> recent_actions;
  /// Nodes remediation cordoned or drained that are still unschedulable.
  std::set<std::string> held_nodes;
};

/// The policy's answer.
struct PolicyVerdict {
  bool allowed = true;
  std::string reason;  ///< Why not, naming the rule and the flag that sets it; "" when allowed.
};

/// Judges `action` at `now`. A kNone action is allowed (it runs nothing). Pure; thread-safe.
PolicyVerdict evaluatePolicy(const ProposedAction& action, const PolicyState& state,
                             const PolicyOptions& options, core::WallTime now);

}  // namespace keelson::act
