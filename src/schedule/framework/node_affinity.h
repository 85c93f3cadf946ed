#pragma once

#include <string_view>

#include "schedule/framework/plugin.h"

namespace keelson::schedule::framework {

/// NodeAffinity: the node's labels must match the pod's spec.nodeSelector and its required
/// node affinity (matchFields on metadata.name included). PreFilter narrows the nodes to those
/// that every term pins with matchFields metadata.name In [...], and rejects the pod when the
/// pins conflict. Rejects with UnschedulableAndUnresolvable.
class NodeAffinity final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "NodeAffinity";
  static constexpr std::string_view kReason = "node(s) didn't match Pod's node affinity/selector";
  static constexpr std::string_view kReasonConflict = "pod affinity terms conflict";

  std::string_view name() const override { return kName; }
  PreFilterResult preFilter(const PodInfo& pod, const Snapshot& snapshot) const override;
  Status filter(const PodInfo& pod, const NodeInfo& node, const PluginState* state) const override;
};

}  // namespace keelson::schedule::framework
