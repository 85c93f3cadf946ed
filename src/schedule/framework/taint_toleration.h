#pragma once

#include <string_view>

#include "schedule/framework/plugin.h"

namespace keelson::schedule::framework {

/// TaintToleration: the pod must tolerate every NoSchedule and NoExecute taint of the node
/// (PreferNoSchedule is a score, not a filter). Rejects with UnschedulableAndUnresolvable,
/// naming the first untolerated taint.
///
/// With `condition_taints` (keelson's scheduler) a node's conditions count as the NoSchedule
/// taints the node lifecycle controller puts on it for them (conditionTaints), even before the
/// controller has done so: a NotReady node or one under pressure is then refused as
/// kube-scheduler refuses it once tainted. Off (the default), only spec.taints count, as they
/// do for kube-scheduler.
class TaintToleration final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "TaintToleration";
  static constexpr std::string_view kReason = "node(s) had untolerated taint(s)";

  explicit TaintToleration(bool condition_taints = false) : condition_taints_(condition_taints) {}

  std::string_view name() const override { return kName; }
  Status filter(const PodInfo& pod, const NodeInfo& node, const PluginState* state) const override;

 private:
  bool condition_taints_;
};

}  // namespace keelson::schedule::framework
