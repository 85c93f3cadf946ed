#pragma once

#include <string_view>

#include "schedule/framework/plugin.h"

namespace keelson::schedule::framework {

/// VolumeBinding: the pod's PersistentVolumeClaims must be usable from the node. PreFilter
/// rejects the pod everywhere when a claim is missing, being deleted, or unbound with immediate
/// binding. Filter: a bound claim's PV must exist and its node affinity admit the node; an
/// unbound WaitForFirstConsumer claim needs an available matching PV (class, volume mode,
/// access modes, capacity) reachable from the node, or a class that can provision. Storage
/// capacity tracking is not modelled. Rejects with UnschedulableAndUnresolvable.
class VolumeBinding final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "VolumeBinding";
  static constexpr std::string_view kReasonUnboundImmediate =
      "pod has unbound immediate PersistentVolumeClaims";
  // v1.36 wording; releases before said "node(s) had volume node affinity conflict".
  static constexpr std::string_view kReasonVolumeNodeAffinity =
      "node(s) didn't match PersistentVolume's node affinity";
  static constexpr std::string_view kReasonNoPVToBind =
      "node(s) didn't find available persistent volumes to bind";
  static constexpr std::string_view kReasonBoundToMissingPV =
      "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";

  std::string_view name() const override { return kName; }
  PreFilterResult preFilter(const PodInfo& pod, const Snapshot& snapshot) const override;
  Status filter(const PodInfo& pod, const NodeInfo& node, const PluginState* state) const override;
};

}  // namespace keelson::schedule::framework
