#pragma once

#include <string_view>

#include "schedule/framework/plugin.h"

namespace keelson::schedule::framework {

/// PodTopologySpread: for each DoNotSchedule topologySpreadConstraint, placing the pod in the
/// node's domain must keep (matching pods in the domain + the pod) - (global minimum over
/// domains) <= maxSkew. PreFilter counts matching pods (same namespace, not being deleted) per
/// domain over the nodes that carry every constraint's topology key and pass the
/// nodeAffinityPolicy (default Honor) and nodeTaintsPolicy (default Ignore); minDomains makes the
/// minimum 0 while fewer domains exist. Filter rejects a node without a topology key with
/// UnschedulableAndUnresolvable, an excessive skew with Unschedulable.
class PodTopologySpread final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "PodTopologySpread";
  static constexpr std::string_view kReason =
      "node(s) didn't match pod topology spread constraints";
  static constexpr std::string_view kReasonMissingLabel =
      "node(s) didn't match pod topology spread constraints (missing required label)";

  std::string_view name() const override { return kName; }
  PreFilterResult preFilter(const PodInfo& pod, const Snapshot& snapshot) const override;
  Status filter(const PodInfo& pod, const NodeInfo& node, const PluginState* state) const override;
};

}  // namespace keelson::schedule::framework
