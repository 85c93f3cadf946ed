#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "schedule/framework/score_plugin.h"

namespace keelson::schedule::framework {

/// NodeResourcesBalancedAllocation: favours nodes whose resources would be used in equal
/// fractions with the pod on them. For each configured resource the node has, fraction =
/// min(1, (node's requests + pod's requests) / allocatable); std = |f1 - f2| / 2 for two
/// resources, the population standard deviation for more, 0 for fewer; score = (1 - std) * 100,
/// truncated. Like upstream (which sets useRequested) it counts plain requests
/// (NodeInfo.requested, PodInfo.requests()), not the non-zero ones NodeResourcesFit scores with;
/// cpu in millicores, the rest in whole units; a scalar resource the pod does not request is left
/// out. A best-effort pod (requesting none of the resources) is skipped as in kube-scheduler
/// v1.33+ (issue 129138): every node scores 0. Scores are in [0, kMaxNodeScore] and are not
/// normalised. Immutable; thread-safe.
class BalancedAllocation final : public ScorePlugin {
 public:
  static constexpr std::string_view kName = "NodeResourcesBalancedAllocation";

  /// `resources`: the resource names weighed (NodeResourcesBalancedAllocationArgs.resources;
  /// their weights do not enter the formula). Throws Error(kBadInput) when it is empty or names
  /// a resource twice.
  explicit BalancedAllocation(std::vector<std::string> resources = {"cpu", "memory"});

  std::string_view name() const override { return kName; }
  std::unique_ptr<const PluginState> preScore(
      const PodInfo& pod, const Snapshot& snapshot,
      std::span<const NodeInfo* const> feasible) const override;
  std::int64_t score(const PodInfo& pod, const NodeInfo& node,
                     const PluginState* state) const override;

 private:
  std::vector<std::string> resources_;
};

}  // namespace keelson::schedule::framework
