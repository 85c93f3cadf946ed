#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "schedule/framework/score_plugin.h"

namespace keelson::schedule::framework {

/// InterPodAffinity as a Score plugin. PreScore walks every pod on every node of the snapshot
/// (labelled nodes only) and credits the existing pod's topology domain (its node's value of
/// the term's topologyKey):
///   + weight for each preferred podAffinity term of the pod that matches the existing pod,
///   - weight for each preferred podAntiAffinity term of the pod that matches it,
///   + hardPodAffinityWeight for each required podAffinity term of the existing pod that
///     matches the pod,
///   + weight / - weight for each preferred podAffinity / podAntiAffinity term of the existing
///     pod that matches the pod.
/// Terms match as in the Filter (namespaces, namespaceSelector, labelSelector with
/// matchLabelKeys / mismatchLabelKeys). A node's raw score is the sum of the credits of the
/// domains it belongs to. normalizeScores maps [min, max] of the raw scores to [0, 100]
/// (int64(100 * (s - min) / (max - min)) in floating point; all 0 when max == min); when no term
/// matched anything the plugin is skipped: every node scores 0. Immutable; thread-safe.
class InterPodAffinityScore final : public ScorePlugin {
 public:
  static constexpr std::string_view kName = "InterPodAffinity";
  /// InterPodAffinityArgs.hardPodAffinityWeight's default.
  static constexpr std::int64_t kDefaultHardPodAffinityWeight = 1;

  /// `hard_pod_affinity_weight`: 0-100 (0 ignores existing pods' required affinity terms).
  /// Throws Error(kBadInput) when it is outside that range.
  explicit InterPodAffinityScore(
      std::int64_t hard_pod_affinity_weight = kDefaultHardPodAffinityWeight);

  std::string_view name() const override { return kName; }
  std::unique_ptr<const PluginState> preScore(
      const PodInfo& pod, const Snapshot& snapshot,
      std::span<const NodeInfo* const> feasible) const override;
  std::int64_t score(const PodInfo& pod, const NodeInfo& node,
                     const PluginState* state) const override;
  void normalizeScores(const PodInfo& pod, const PluginState* state,
                       std::span<std::int64_t> scores) const override;

 private:
  std::int64_t hard_pod_affinity_weight_;
};

}  // namespace keelson::schedule::framework
