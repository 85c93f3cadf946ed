#include "schedule/framework/pod_topology_spread.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "schedule/framework/matching.h"
#include "schedule/framework/topology_spread.h"

namespace keelson::schedule::framework {
namespace {

struct SpreadConstraint {
  const kube::TopologySpreadConstraint* spec = nullptr;
  /// labelSelector with matchLabelKeys of the pod merged in; nullopt selects nothing.
  std::optional<kube::LabelSelector> selector;
  std::map<std::string, int> counts;  ///< Topology value → matching pods.
};

struct PodTopologySpreadState final : PluginState {
  std::vector<SpreadConstraint> constraints;  ///< DoNotSchedule constraints only.
};

bool nodeHasAllKeys(const kube::Node& node, const std::vector<SpreadConstraint>& constraints) {
  return std::all_of(constraints.begin(), constraints.end(), [&](const SpreadConstraint& c) {
    return label(node.metadata.labels, c.spec->topology_key) != nullptr;
  });
}

Status reject(Code code, std::string_view category, std::string message) {
  return Status::reject(code, PodTopologySpread::kName,
                        {{std::string(category), std::move(message)}});
}

}  // namespace

PreFilterResult PodTopologySpread::preFilter(const PodInfo& pod_info,
                                             const Snapshot& snapshot) const {
  const kube::Pod& pod = pod_info.pod();
  auto st = std::make_unique<PodTopologySpreadState>();
  for (const auto& c : pod.spec.topology_spread_constraints) {
    if (c.when_unsatisfiable != "DoNotSchedule") continue;
    st->constraints.push_back(SpreadConstraint{&c, detail::spreadSelector(c, pod), {}});
  }
  // Without DoNotSchedule constraints there is nothing to count (and no node to visit).
  for (const NodeInfo& info :
       st->constraints.empty() ? std::span<const NodeInfo>{} : snapshot.nodes()) {
    const kube::Node& node = *info.node;
    if (!nodeHasAllKeys(node, st->constraints)) continue;
    for (auto& c : st->constraints) {
      if (!detail::nodeCounts(*c.spec, pod, node)) continue;
      c.counts[*label(node.metadata.labels, c.spec->topology_key)] +=
          detail::countMatchingPods(info.pods, c.selector, pod.metadata.namespace_name);
    }
  }
  return PreFilterResult{Status::success(), std::nullopt, "", std::move(st)};
}

Status PodTopologySpread::filter(const PodInfo& pod, const NodeInfo& node,
                                 const PluginState* state) const {
  for (const auto& c : stateAs<PodTopologySpreadState>(state).constraints) {
    const kube::InternedString* value = label(node.node->metadata.labels, c.spec->topology_key);
    if (value == nullptr) {
      return reject(Code::kUnschedulableAndUnresolvable, kReasonMissingLabel,
                    fmt::format("node has no label {}", c.spec->topology_key));
    }
    const int self = c.selector && selectorMatches(*c.selector, pod.pod().metadata.labels) ? 1 : 0;
    int min_match = std::numeric_limits<int>::max();
    for (const auto& [domain, n] : c.counts) min_match = std::min(min_match, n);
    if (c.counts.empty()) min_match = 0;
    if (c.spec->min_domains && static_cast<int>(c.counts.size()) < *c.spec->min_domains) {
      min_match = 0;
    }
    const auto it = c.counts.find(*value);
    const int match = it == c.counts.end() ? 0 : it->second;
    const int skew = match + self - min_match;
    if (skew > c.spec->max_skew) {
      return reject(
          Code::kUnschedulable, kReason,
          fmt::format("{}={}: {} matching pod(s) + this pod, global minimum {}: skew {} "
                      "> maxSkew {}",
                      c.spec->topology_key, *value, match, min_match, skew, c.spec->max_skew));
    }
  }
  return Status::success();
}

}  // namespace keelson::schedule::framework
