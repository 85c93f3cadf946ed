#include "schedule/framework/inter_pod_affinity_score.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "schedule/framework/affinity_terms.h"
#include "schedule/framework/matching.h"

namespace keelson::schedule::framework {
namespace {

using detail::resolve;
using detail::ResolvedTerm;

struct WeightedTerm {
  ResolvedTerm term;
  std::int64_t weight = 0;
};

/// Credits per topology key, then per value (preScoreState.topologyScore).
using TopologyScore =
    std::map<std::string, std::map<std::string, std::int64_t, std::less<>>, std::less<>>;

struct InterPodAffinityScoreState final : PluginState {
  TopologyScore topology_score;  ///< Empty: nothing matched, the plugin is skipped.
};

std::vector<WeightedTerm> resolveAll(const kube::List<kube::WeightedPodAffinityTerm>& terms,
                                     const kube::Pod& owner, const Snapshot& snapshot) {
  std::vector<WeightedTerm> out;
  out.reserve(terms.size());
  for (const auto& t : terms) out.push_back({resolve(t.term, owner, snapshot), t.weight});
  return out;
}

/// Adds weight * multiplier to `node`'s domain of `term` when `term` matches `pod`.
void credit(TopologyScore& scores, const ResolvedTerm& term, std::int64_t weight,
            const kube::Pod& pod, const kube::Node& node, std::int64_t multiplier) {
  if (!term.matches(pod)) return;
  const kube::InternedString* value = label(node.metadata.labels, term.topology_key);
  if (value == nullptr) return;
  scores[term.topology_key][*value] += weight * multiplier;
}

void creditAll(TopologyScore& scores, const std::vector<WeightedTerm>& terms, const kube::Pod& pod,
               const kube::Node& node, std::int64_t multiplier) {
  for (const WeightedTerm& t : terms) credit(scores, t.term, t.weight, pod, node, multiplier);
}

/// The incoming pod's preferred terms, resolved once.
struct IncomingTerms {
  std::vector<WeightedTerm> affinity;
  std::vector<WeightedTerm> anti_affinity;
};

IncomingTerms incomingTerms(const kube::Pod& pod, const Snapshot& snapshot) {
  IncomingTerms out;
  const auto& affinity = pod.spec.affinity;
  if (!affinity) return out;
  if (affinity->pod_affinity) {
    out.affinity = resolveAll(affinity->pod_affinity->preferred, pod, snapshot);
  }
  if (affinity->pod_anti_affinity) {
    out.anti_affinity = resolveAll(affinity->pod_anti_affinity->preferred, pod, snapshot);
  }
  return out;
}

}  // namespace

InterPodAffinityScore::InterPodAffinityScore(std::int64_t hard_pod_affinity_weight)
    : hard_pod_affinity_weight_(hard_pod_affinity_weight) {
  if (hard_pod_affinity_weight < 0 || hard_pod_affinity_weight > 100) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("InterPodAffinity: hardPodAffinityWeight {}, expected 0-100",
                            hard_pod_affinity_weight));
  }
}

std::unique_ptr<const PluginState> InterPodAffinityScore::preScore(
    const PodInfo& pod_info, const Snapshot& snapshot,
    std::span<const NodeInfo* const> /*feasible*/) const {
  const kube::Pod& pod = pod_info.pod();
  const IncomingTerms incoming = incomingTerms(pod, snapshot);
  auto st = std::make_unique<InterPodAffinityScoreState>();
  // Without preferred terms of its own, only existing pods' terms can score the pod.
  const bool own_terms = !incoming.affinity.empty() || !incoming.anti_affinity.empty();
  for (const NodeInfo& info : snapshot.nodes()) {
    // The pods first: most nodes have none to visit, and their Node is then never read.
    const auto& pods = own_terms ? info.pods : info.pods_with_affinity;
    if (pods.empty()) continue;
    const kube::Node& node = *info.node;
    if (node.metadata.labels.empty()) continue;
    for (const kube::Pod* existing : pods) {
      creditAll(st->topology_score, incoming.affinity, *existing, node, 1);
      creditAll(st->topology_score, incoming.anti_affinity, *existing, node, -1);
      const auto& affinity = existing->spec.affinity;
      if (!affinity) continue;
      if (affinity->pod_affinity) {
        if (hard_pod_affinity_weight_ > 0) {
          for (const auto& term : affinity->pod_affinity->required) {
            credit(st->topology_score, resolve(term, *existing, snapshot),
                   hard_pod_affinity_weight_, pod, node, 1);
          }
        }
        creditAll(st->topology_score,
                  resolveAll(affinity->pod_affinity->preferred, *existing, snapshot), pod, node, 1);
      }
      if (affinity->pod_anti_affinity) {
        creditAll(st->topology_score,
                  resolveAll(affinity->pod_anti_affinity->preferred, *existing, snapshot), pod,
                  node, -1);
      }
    }
  }
  return st;
}

std::int64_t InterPodAffinityScore::score(const PodInfo& /*pod*/, const NodeInfo& node,
                                          const PluginState* state) const {
  std::int64_t sum = 0;
  for (const auto& [key, values] : stateAs<InterPodAffinityScoreState>(state).topology_score) {
    const kube::InternedString* value = label(node.node->metadata.labels, key);
    if (value == nullptr) continue;
    const auto it = values.find(*value);
    if (it != values.end()) sum += it->second;
  }
  return sum;
}

void InterPodAffinityScore::normalizeScores(const PodInfo& /*pod*/, const PluginState* state,
                                            std::span<std::int64_t> scores) const {
  if (stateAs<InterPodAffinityScoreState>(state).topology_score.empty())
    return;  // Skipped: all 0 already.
  if (scores.empty()) return;
  const auto [min_it, max_it] = std::minmax_element(scores.begin(), scores.end());
  const std::int64_t lowest = *min_it;
  const std::int64_t spread = *max_it - lowest;
  for (std::int64_t& s : scores) {
    double f = 0;
    if (spread > 0) {
      f = static_cast<double>(kMaxNodeScore) *
          (static_cast<double>(s - lowest) / static_cast<double>(spread));
    }
    s = static_cast<std::int64_t>(f);
  }
}

}  // namespace keelson::schedule::framework
