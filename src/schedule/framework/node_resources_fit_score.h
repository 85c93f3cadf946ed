#pragma once

// NodeResourcesFit's Score extension (kube-scheduler's noderesources.Fit Score with its
// ScoringStrategy: LeastAllocated, MostAllocated, RequestedToCapacityRatio).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "schedule/framework/score_plugin.h"

namespace keelson::schedule::framework {

/// NodeResourcesFitArgs.scoringStrategy.type.
enum class ScoringStrategy {
  kLeastAllocated,            ///< Favours nodes with the most room left (the default).
  kMostAllocated,             ///< Favours the fullest nodes (bin packing).
  kRequestedToCapacityRatio,  ///< Utilisation mapped through a piecewise linear shape.
};

/// One resource a resource Score plugin weighs (config.ResourceSpec): "cpu", "memory",
/// "ephemeral-storage" or a scalar resource ("example.com/gpu", "hugepages-2Mi").
struct ResourceSpec {
  std::string name;
  std::int64_t weight = 1;  ///< 1-100.
};

/// One point of RequestedToCapacityRatio's shape (config.UtilizationShapePoint).
struct UtilizationShapePoint {
  std::int64_t utilization = 0;  ///< Percent, 0-100, strictly increasing along the shape.
  std::int64_t score = 0;        ///< 0-10 (config.MaxCustomPriorityScore), scaled by 10 to 0-100.
};

/// The resources LeastAllocated, MostAllocated and NodeResourcesBalancedAllocation weigh by
/// default: cpu and memory, weight 1 each.
std::vector<ResourceSpec> defaultScoringResources();

/// NodeResourcesFit as a Score plugin. For each configured resource it compares what the node's
/// pods request plus what the pod requests against the node's allocatable: cpu and memory count
/// non-zero requests (a container without a cpu request counts 100m, without memory 200Mi: see
/// NonZeroRequests), other resources plain requests; cpu in millicores, the rest in whole units.
/// A resource the node does not have, or a scalar resource the pod does not request, is left out.
///
///   LeastAllocated:  per resource (allocatable - requested) * 100 / allocatable (0 if over),
///                    then Σ score*weight / Σ weight (integer division).
///   MostAllocated:   per resource min(requested, allocatable) * 100 / allocatable, averaged
///                    the same way.
///   RequestedToCapacityRatio: per resource the shape (scores * 10) at utilisation
///                    requested * 100 / allocatable (100 when over), linearly interpolated with
///                    integer division; resources scoring 0 are left out; the weighted mean is
///                    rounded to the nearest integer.
///
/// Scores are in [0, kMaxNodeScore] and are not normalised. Immutable; thread-safe.
class NodeResourcesFitScore final : public ScorePlugin {
 public:
  static constexpr std::string_view kName = "NodeResourcesFit";

  /// Throws Error(kBadInput) naming the offending entry, as kube-scheduler's validation does,
  /// when `resources` is empty or has a weight outside 1-100 or a duplicate name, or when the
  /// strategy is RequestedToCapacityRatio and `shape` is empty, has a utilisation outside 0-100,
  /// utilisations not strictly increasing, or a score outside 0-10. `shape` is ignored by the
  /// other strategies.
  explicit NodeResourcesFitScore(ScoringStrategy strategy = ScoringStrategy::kLeastAllocated,
                                 std::vector<ResourceSpec> resources = defaultScoringResources(),
                                 std::vector<UtilizationShapePoint> shape = {});

  std::string_view name() const override { return kName; }
  std::unique_ptr<const PluginState> preScore(
      const PodInfo& pod, const Snapshot& snapshot,
      std::span<const NodeInfo* const> feasible) const override;
  std::int64_t score(const PodInfo& pod, const NodeInfo& node,
                     const PluginState* state) const override;

 private:
  ScoringStrategy strategy_;
  std::vector<ResourceSpec> resources_;
  std::vector<UtilizationShapePoint> shape_;  ///< Scores already scaled to 0-100.
};

/// kube-scheduler's helper.BuildBrokenLinearFunction on `shape` (scores as given): shape[0].score
/// at or below the first utilisation, the last score at or above the last one, and
/// s[i-1] + (s[i] - s[i-1]) * (p - u[i-1]) / (u[i] - u[i-1]) (integer division) in between.
/// `shape` must not be empty. Pure.
std::int64_t brokenLinear(std::span<const UtilizationShapePoint> shape, std::int64_t utilization);

}  // namespace keelson::schedule::framework
