#pragma once

#include <string_view>

#include "schedule/framework/plugin.h"

namespace keelson::schedule::framework {

/// VolumeZone: the zone and region labels (topology.kubernetes.io/*, and the deprecated
/// failure-domain.beta.kubernetes.io/*) of the PVs the pod's claims are bound to must match the
/// node's; a PV value "a__b" allows either. Rejects with UnschedulableAndUnresolvable.
class VolumeZone final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "VolumeZone";
  static constexpr std::string_view kReason = "node(s) had no available volume zone";

  std::string_view name() const override { return kName; }
  PreFilterResult preFilter(const PodInfo& pod, const Snapshot& snapshot) const override;
  Status filter(const PodInfo& pod, const NodeInfo& node, const PluginState* state) const override;
};

}  // namespace keelson::schedule::framework
