#pragma once

// The Score plugins of kube-scheduler's default profile, built from one configuration
// (KubeSchedulerConfiguration's score weights and NodeResourcesFit's scoringStrategy), and the
// parser for the CLI's weight overrides.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schedule/framework/node_resources_fit_score.h"
#include "schedule/framework/score_plugin.h"

namespace keelson::schedule::framework {

/// The Score plugins makeScorePlugins builds, in kube-scheduler's default profile order
/// (config/v1 getDefaultPlugins), with their default weights there.
inline constexpr std::array<std::pair<std::string_view, std::int64_t>, 6> kDefaultScoreWeights{{
    {"TaintToleration", 3},
    {"NodeAffinity", 2},
    {"NodeResourcesFit", 1},
    {"PodTopologySpread", 2},
    {"InterPodAffinity", 2},
    {"NodeResourcesBalancedAllocation", 1},
}};

/// The largest weight setPluginWeight accepts: big enough for any profile, small enough that
/// the weighted sum of every plugin's kMaxNodeScore cannot overflow.
inline constexpr std::int64_t kMaxPluginWeight = 1'000'000;

/// How to build the Score plugins. The defaults are kube-scheduler's default profile.
struct ScoreConfig {
  /// NodeResourcesFit's scoringStrategy.type.
  ScoringStrategy strategy = ScoringStrategy::kLeastAllocated;
  /// NodeResourcesFit's scoringStrategy.resources (also the names
  /// NodeResourcesBalancedAllocation weighs).
  std::vector<ResourceSpec> resources = defaultScoringResources();
  /// scoringStrategy.requestedToCapacityRatio.shape (RequestedToCapacityRatio only).
  std::vector<UtilizationShapePoint> shape;
  /// Plugin name → weight; 0 disables the plugin. Defaults: kDefaultScoreWeights.
  std::map<std::string, std::int64_t, std::less<>> weights{kDefaultScoreWeights.begin(),
                                                           kDefaultScoreWeights.end()};
  /// InterPodAffinityArgs.hardPodAffinityWeight (0-100).
  std::int64_t hard_pod_affinity_weight = 1;
  /// NodeAffinityArgs.addedAffinity's preferred terms, applied to every pod.
  kube::List<kube::PreferredSchedulingTerm> added_node_affinity;
};

/// The enabled (weight > 0) Score plugins of `config`, in kDefaultScoreWeights order. Throws
/// Error(kBadInput) when a plugin's arguments are invalid (see each plugin's constructor) or
/// `config.weights` names an unknown plugin or holds a weight outside 0-kMaxPluginWeight.
std::vector<WeightedScorePlugin> makeScorePlugins(const ScoreConfig& config);

/// Sets the weight of the Score plugin `name` (0 disables it). Throws Error(kBadInput) naming
/// the plugin when it is not one of kDefaultScoreWeights (listing them) or when `weight` is
/// outside 0-kMaxPluginWeight.
void setPluginWeight(ScoreConfig& config, std::string_view name, std::int64_t weight);

/// The default ScoreConfig with the weights of `spec` applied: comma-separated
/// `PluginName=weight` pairs, e.g. "TaintToleration=3,NodeAffinity=0"; blanks around names and
/// numbers are allowed; "" keeps the defaults. Throws Error(kBadInput) naming the offending
/// entry when one lacks '=', has a weight that is not a non-negative integer, names an unknown
/// plugin or one already given, or has a weight outside 0-kMaxPluginWeight.
ScoreConfig parseScoreWeights(std::string_view spec);

/// NodeResourcesFit's scoring strategy from its kube-scheduler name: "LeastAllocated",
/// "MostAllocated" or "RequestedToCapacityRatio". Throws Error(kBadInput) listing them otherwise.
ScoringStrategy parseScoringStrategy(std::string_view name);

/// A RequestedToCapacityRatio shape from comma-separated `utilization=score` pairs, e.g.
/// "0=0,100=10" (bin packing): utilization 0-100 strictly increasing, score 0-10. Throws
/// Error(kBadInput) naming the offending pair.
std::vector<UtilizationShapePoint> parseScoringShape(std::string_view spec);

}  // namespace keelson::schedule::framework
