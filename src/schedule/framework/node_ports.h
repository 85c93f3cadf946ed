#pragma once

#include <string_view>

#include "schedule/framework/plugin.h"

namespace keelson::schedule::framework {

/// NodePorts: no host port the pod asks for (containers and restartable init containers) may be
/// in use on the node with the same protocol and an overlapping host IP (empty or 0.0.0.0
/// overlaps every IP). Rejects with Unschedulable, listing every clash.
class NodePorts final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "NodePorts";
  static constexpr std::string_view kReason =
      "node(s) didn't have free ports for the requested pod ports";

  std::string_view name() const override { return kName; }
  Status filter(const PodInfo& pod, const NodeInfo& node, const PluginState* state) const override;
};

}  // namespace keelson::schedule::framework
