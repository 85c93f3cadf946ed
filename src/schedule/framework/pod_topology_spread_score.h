#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "schedule/framework/score_plugin.h"

namespace keelson::schedule::framework {

/// PodTopologySpread as a Score plugin, for the pod's ScheduleAnyway topologySpreadConstraints.
/// kube-scheduler's system default constraints (zone and hostname spreading for pods that
/// declare none, PodTopologySpreadArgs.defaultingType System) are NOT applied: a pod without
/// ScheduleAnyway constraints is skipped and every node scores 0.
///
/// Feasible nodes lacking a constraint's topologyKey are ignored (raw and normalised score 0).
/// Each constraint's weight is log(n + 2), n being the number of its topology values among the
/// other feasible nodes (for kubernetes.io/hostname: the number of those nodes). PreScore counts,
/// per value, the matching pods (same namespace, not being deleted, labelSelector with
/// matchLabelKeys) on every node of the snapshot that carries every topologyKey and passes the
/// constraint's nodeAffinityPolicy / nodeTaintsPolicy (hostname: the scored node's own pods).
/// Raw score: round(Σ count * weight + (maxSkew - 1)) over constraints. normalizeScores, with
/// min and max over the scored nodes (max starting at 0): 100 when max is 0, else
/// 100 * (max + min - score) / max (integer division), so fewer matching pods score higher.
/// Immutable; thread-safe.
class PodTopologySpreadScore final : public ScorePlugin {
 public:
  static constexpr std::string_view kName = "PodTopologySpread";

  std::string_view name() const override { return kName; }
  std::unique_ptr<const PluginState> preScore(
      const PodInfo& pod, const Snapshot& snapshot,
      std::span<const NodeInfo* const> feasible) const override;
  std::int64_t score(const PodInfo& pod, const NodeInfo& node,
                     const PluginState* state) const override;
  void normalizeScores(const PodInfo& pod, const PluginState* state,
                       std::span<std::int64_t> scores) const override;
};

}  // namespace keelson::schedule::framework
