#include "schedule/framework/pod_topology_spread_score.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "schedule/framework/matching.h"
#include "schedule/framework/topology_spread.h"

namespace keelson::schedule::framework {
namespace {

constexpr std::string_view kHostnameLabel = "kubernetes.io/hostname";

struct SoftConstraint {
  const kube::TopologySpreadConstraint* spec = nullptr;
  std::optional<kube::LabelSelector> selector;
  /// Topology value → matching pods, for the values of the scored (not ignored) nodes; unused
  /// for kubernetes.io/hostname (counted per node in score()).
  std::map<std::string, std::int64_t, std::less<>> counts;
  double weight = 0;  ///< topologyNormalizingWeight: log(values + 2).
};

struct PodTopologySpreadScoreState final : PluginState {
  std::vector<SoftConstraint> constraints;     ///< Empty: skipped.
  std::set<std::string, std::less<>> ignored;  ///< Feasible nodes lacking a topology key.
  std::vector<bool> ignored_in_order;          ///< The same, in `feasible` order.
};

bool hasAllKeys(const kube::Node& node, const std::vector<SoftConstraint>& constraints) {
  return std::all_of(constraints.begin(), constraints.end(), [&](const SoftConstraint& c) {
    return label(node.metadata.labels, c.spec->topology_key) != nullptr;
  });
}

/// Seeds each constraint's values from the feasible nodes and sets the weights.
void initDomains(PodTopologySpreadScoreState& st, std::span<const NodeInfo* const> feasible) {
  std::vector<std::int64_t> sizes(st.constraints.size(), 0);
  for (const NodeInfo* info : feasible) {
    const kube::Node& node = *info->node;
    const bool ignored = !hasAllKeys(node, st.constraints);
    st.ignored_in_order.push_back(ignored);
    if (ignored) {
      st.ignored.insert(node.metadata.name);
      continue;
    }
    for (size_t i = 0; i < st.constraints.size(); ++i) {
      SoftConstraint& c = st.constraints[i];
      if (c.spec->topology_key == kHostnameLabel) continue;
      if (c.counts.try_emplace(*label(node.metadata.labels, c.spec->topology_key), 0).second) {
        ++sizes[i];
      }
    }
  }
  const auto scored = static_cast<std::int64_t>(feasible.size() - st.ignored.size());
  for (size_t i = 0; i < st.constraints.size(); ++i) {
    SoftConstraint& c = st.constraints[i];
    const std::int64_t size = c.spec->topology_key == kHostnameLabel ? scored : sizes[i];
    c.weight = std::log(static_cast<double>(size + 2));
  }
}

/// Adds the matching pods of every node that counts to the seeded values.
void countPods(PodTopologySpreadScoreState& st, const kube::Pod& pod, const Snapshot& snapshot) {
  for (const NodeInfo& info : snapshot.nodes()) {
    const kube::Node& node = *info.node;
    if (!hasAllKeys(node, st.constraints)) continue;
    for (SoftConstraint& c : st.constraints) {
      if (!detail::nodeCounts(*c.spec, pod, node)) continue;
      const auto it = c.counts.find(*label(node.metadata.labels, c.spec->topology_key));
      if (it == c.counts.end()) continue;  // No scored node there (or hostname).
      it->second += detail::countMatchingPods(info.pods, c.selector, pod.metadata.namespace_name);
    }
  }
}

}  // namespace

std::unique_ptr<const PluginState> PodTopologySpreadScore::preScore(
    const PodInfo& pod_info, const Snapshot& snapshot,
    std::span<const NodeInfo* const> feasible) const {
  const kube::Pod& pod = pod_info.pod();
  auto st = std::make_unique<PodTopologySpreadScoreState>();
  if (snapshot.nodes().empty()) return st;
  for (const auto& c : pod.spec.topology_spread_constraints) {
    if (c.when_unsatisfiable != "ScheduleAnyway") continue;
    st->constraints.push_back(SoftConstraint{&c, detail::spreadSelector(c, pod), {}, 0});
  }
  if (st->constraints.empty()) return st;
  initDomains(*st, feasible);
  countPods(*st, pod, snapshot);
  return st;
}

std::int64_t PodTopologySpreadScore::score(const PodInfo& pod, const NodeInfo& node,
                                           const PluginState* state) const {
  const auto& st = stateAs<PodTopologySpreadScoreState>(state);
  if (st.constraints.empty() || st.ignored.contains(node.node->metadata.name)) return 0;
  double sum = 0;
  for (const SoftConstraint& c : st.constraints) {
    const kube::InternedString* value = label(node.node->metadata.labels, c.spec->topology_key);
    if (value == nullptr) continue;
    std::int64_t count = 0;
    if (c.spec->topology_key == kHostnameLabel) {
      count = detail::countMatchingPods(node.pods, c.selector, pod.pod().metadata.namespace_name);
    } else if (const auto it = c.counts.find(*value); it != c.counts.end()) {
      count = it->second;
    }
    // maxSkew - 1 waters down the differences between domains.
    sum += static_cast<double>(count) * c.weight + static_cast<double>(c.spec->max_skew - 1);
  }
  return static_cast<std::int64_t>(std::llround(sum));
}

void PodTopologySpreadScore::normalizeScores(const PodInfo& /*pod*/, const PluginState* state,
                                             std::span<std::int64_t> scores) const {
  const auto& st = stateAs<PodTopologySpreadScoreState>(state);
  if (st.constraints.empty()) return;  // Skipped: all 0 already.
  assert(st.ignored_in_order.size() == scores.size());
  std::int64_t lowest = std::numeric_limits<std::int64_t>::max();
  std::int64_t highest = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (st.ignored_in_order[i]) continue;
    lowest = std::min(lowest, scores[i]);
    highest = std::max(highest, scores[i]);
  }
  for (size_t i = 0; i < scores.size(); ++i) {
    if (st.ignored_in_order[i]) {
      scores[i] = 0;
    } else if (highest == 0) {
      scores[i] = kMaxNodeScore;
    } else {
      scores[i] = kMaxNodeScore * (highest + lowest - scores[i]) / highest;
    }
  }
}

}  // namespace keelson::schedule::framework
