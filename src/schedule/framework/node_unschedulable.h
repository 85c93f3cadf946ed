#pragma once

#include <string_view>

#include "schedule/framework/plugin.h"

namespace keelson::schedule::framework {

/// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that tolerate
/// node.kubernetes.io/unschedulable:NoSchedule. Rejects with UnschedulableAndUnresolvable.
class NodeUnschedulable final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "NodeUnschedulable";
  static constexpr std::string_view kReason = "node(s) were unschedulable";

  std::string_view name() const override { return kName; }
  Status filter(const PodInfo& pod, const NodeInfo& node, const PluginState* state) const override;
};

}  // namespace keelson::schedule::framework
