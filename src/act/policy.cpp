#include "act/policy.h"

#include <fmt/format.h>

#include <algorithm>

namespace keelson::act {

PolicyVerdict evaluatePolicy(const ProposedAction& action, const PolicyState& state,
                             const PolicyOptions& options, core::WallTime now) {
  if (action.kind == ActionKind::kNone) return {};
  const std::string& ns = action.target.namespace_name;
  if (!ns.empty() && options.excluded_namespaces.contains(ns)) {
    return {false, fmt::format("namespace {} is excluded (kube-system and keelson always; "
                               "--exclude-namespace adds others)",
                               ns)};
  }
  if (action.kind == ActionKind::kScale && action.replicas && *action.replicas <= 0) {
    return {false, fmt::format("{} would be scaled to 0, which the policy never does",
                               action.target.display())};
  }
  if (action.kind == ActionKind::kCordon || action.kind == ActionKind::kDrain) {
    for (const std::string& node : state.held_nodes) {
      if (node == action.target.name) continue;
      return {false, fmt::format("node {} is still cordoned by remediation: one node at a time "
                                 "(uncordon it first)",
                                 node)};
    }
  }
  const auto since = now - std::chrono::hours(1);
  const auto in_window = std::count_if(state.recent_actions.begin(), state.recent_actions.end(),
                                       [&](core::WallTime t) { return t > since && t <= now; });
  if (in_window >= options.max_actions_per_hour) {
    return {false, fmt::format("{} remediation action{} in the last hour, the limit "
                               "(--max-actions-per-hour {})",
                               in_window, in_window == 1 ? "" : "s", options.max_actions_per_hour)};
  }
  return {};
}

}  // namespace keelson::act
