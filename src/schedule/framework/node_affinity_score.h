#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "schedule/framework/score_plugin.h"

namespace keelson::schedule::framework {

/// The sum of the weights of `terms` whose preference matches `node`
/// (nodeaffinity.PreferredSchedulingTerms.Score): terms of weight 0 and terms with neither
/// matchExpressions nor matchFields are ignored. Pure.
std::int64_t preferredTermsScore(const kube::List<kube::PreferredSchedulingTerm>& terms,
                                 const kube::Node& node);

/// NodeAffinity as a Score plugin: the raw score is preferredTermsScore of the pod's
/// preferredDuringSchedulingIgnoredDuringExecution node affinity plus that of the profile's
/// added affinity (NodeAffinityArgs.addedAffinity's preferred terms, which apply to every pod);
/// normalizeScores is defaultNormalizeScore(kMaxNodeScore, reverse = false). Immutable;
/// thread-safe.
class NodeAffinityScore final : public ScorePlugin {
 public:
  static constexpr std::string_view kName = "NodeAffinity";

  /// `added_preferred`: the profile's added preferred terms (none by default).
  explicit NodeAffinityScore(kube::List<kube::PreferredSchedulingTerm> added_preferred = {});

  std::string_view name() const override { return kName; }
  std::int64_t score(const PodInfo& pod, const NodeInfo& node,
                     const PluginState* state) const override;
  void normalizeScores(const PodInfo& pod, const PluginState* state,
                       std::span<std::int64_t> scores) const override;

 private:
  kube::List<kube::PreferredSchedulingTerm> added_preferred_;
};

}  // namespace keelson::schedule::framework
