#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "schedule/framework/score_plugin.h"

namespace keelson::schedule::framework {

/// The number of the node's PreferNoSchedule taints that no toleration of the pod tolerates
/// (tainttoleration.countIntolerableTaintsPreferNoSchedule). Pure.
std::int64_t intolerablePreferNoScheduleTaints(const kube::Pod& pod, const kube::Node& node);

/// TaintToleration as a Score plugin: the raw score is intolerablePreferNoScheduleTaints;
/// normalizeScores is defaultNormalizeScore(kMaxNodeScore, reverse = true), so the node with the
/// most intolerable PreferNoSchedule taints scores 0 and nodes without any score 100.
/// Immutable; thread-safe.
class TaintTolerationScore final : public ScorePlugin {
 public:
  static constexpr std::string_view kName = "TaintToleration";

  std::string_view name() const override { return kName; }
  std::int64_t score(const PodInfo& pod, const NodeInfo& node,
                     const PluginState* state) const override;
  void normalizeScores(const PodInfo& pod, const PluginState* state,
                       std::span<std::int64_t> scores) const override;
};

}  // namespace keelson::schedule::framework
