#pragma once

#include <string_view>

#include "schedule/framework/plugin.h"

namespace keelson::schedule::framework {

/// TaintToleration: the pod must tolerate every NoSchedule and NoExecute taint of the node
/// (PreferNoSchedule is a score, not a filter). Rejects with UnschedulableAndUnresolvable,
/// naming the first untolerated taint.
class TaintToleration final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "TaintToleration";
  static constexpr std::string_view kReason = "node(s) had untolerated taint(s)";

  std::string_view name() const override { return kName; }
  Status filter(const PodInfo& pod, const NodeInfo& node, const PluginState* state) const override;
};

}  // namespace keelson::schedule::framework
