#pragma once

// The interface every Score plugin implements (kube-scheduler's PreScorePlugin + ScorePlugin +
// ScoreExtensions). Like a FilterPlugin a Score plugin is immutable: what it learns about one
// pod lives in the PluginState its preScore returns, handed back to score() for every feasible
// node and to normalizeScores() once.
//
// The scheduler's flow for one pod (kube-scheduler's prioritizeNodes): preScore over the nodes
// that passed every Filter, score() each of them, normalizeScores() over all of them (scores are
// then in [0, kMaxNodeScore]), multiply by the plugin's weight, sum over plugins; the highest
// sum wins.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "schedule/framework/plugin.h"
#include "schedule/framework/snapshot.h"

namespace keelson::schedule::framework {

/// The highest score a plugin gives a node after normalisation (framework.MaxNodeScore).
inline constexpr std::int64_t kMaxNodeScore = 100;

/// A Score plugin: ranks the nodes that can take the pod. Implementations are immutable and
/// their const methods may be called from several threads at once. Pure: no I/O.
class ScorePlugin {
 public:
  virtual ~ScorePlugin() = default;

  /// kube-scheduler's plugin name, exactly ("NodeResourcesFit", "TaintToleration", ...).
  virtual std::string_view name() const = 0;

  /// Once per pod, before any score(): precomputes what score() needs from the pod, the whole
  /// snapshot and the feasible nodes (`feasible`, the nodes that passed every Filter, in
  /// snapshot order). The default keeps no state.
  virtual std::unique_ptr<const PluginState> preScore(
      const PodInfo& pod, const Snapshot& snapshot,
      std::span<const NodeInfo* const> feasible) const;

  /// The raw score of `node` for `pod`; `state` is what preScore returned (may be null).
  /// Plugins without normalizeScores return a value in [0, kMaxNodeScore].
  virtual std::int64_t score(const PodInfo& pod, const NodeInfo& node,
                             const PluginState* state) const = 0;

  /// Rescales the raw scores of every feasible node (same order as preScore's `feasible`) in
  /// place to [0, kMaxNodeScore], as the plugin's ScoreExtensions do. The default leaves them.
  virtual void normalizeScores(const PodInfo& pod, const PluginState* state,
                               std::span<std::int64_t> scores) const;
};

/// kube-scheduler's helper.DefaultNormalizeScore: scales `scores` in place so the highest becomes
/// `max_priority` (score * max_priority / highest, integer division), then, when `reverse`,
/// replaces each by max_priority - score. When every score is 0 (or negative) they stay as they
/// are, or all become max_priority when `reverse`. Pure.
void defaultNormalizeScore(std::int64_t max_priority, bool reverse, std::span<std::int64_t> scores);

/// A Score plugin with its weight in the profile (the scheduler multiplies the normalised score
/// by it).
struct WeightedScorePlugin {
  std::unique_ptr<const ScorePlugin> plugin;
  std::int64_t weight = 1;
};

}  // namespace keelson::schedule::framework
