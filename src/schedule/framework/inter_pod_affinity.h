#pragma once

#include <string_view>

#include "schedule/framework/plugin.h"

namespace keelson::schedule::framework {

/// InterPodAffinity: the pod's required podAffinity terms must each find a matching pod in the
/// node's topology domain (the first pod of a group whose terms match itself may go anywhere
/// with the topology keys); no pod matching its required podAntiAffinity may run in the node's
/// domain; and no existing pod's required anti-affinity may match the pod in that domain. Terms
/// select pods by labelSelector (with matchLabelKeys / mismatchLabelKeys merged in) in their
/// namespaces (the owner's by default; a namespaceSelector {} means all). Rejects unmatched
/// affinity with UnschedulableAndUnresolvable, anti-affinity with Unschedulable.
class InterPodAffinity final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "InterPodAffinity";
  static constexpr std::string_view kReasonAffinity = "node(s) didn't match pod affinity rules";
  static constexpr std::string_view kReasonAntiAffinity =
      "node(s) didn't match pod anti-affinity rules";
  static constexpr std::string_view kReasonExistingAntiAffinity =
      "node(s) didn't satisfy existing pods anti-affinity rules";

  std::string_view name() const override { return kName; }
  PreFilterResult preFilter(const PodInfo& pod, const Snapshot& snapshot) const override;
  Status filter(const PodInfo& pod, const NodeInfo& node, const PluginState* state) const override;
};

}  // namespace keelson::schedule::framework
