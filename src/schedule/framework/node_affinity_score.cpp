#include "schedule/framework/node_affinity_score.h"

#include <utility>

#include "schedule/framework/matching.h"

namespace keelson::schedule::framework {

std::int64_t preferredTermsScore(const kube::List<kube::PreferredSchedulingTerm>& terms,
                                 const kube::Node& node) {
  std::int64_t sum = 0;
  for (const kube::PreferredSchedulingTerm& term : terms) {
    // termMatches already treats a term with no requirements as matching nothing.
    if (term.weight != 0 && termMatches(term.preference, node)) sum += term.weight;
  }
  return sum;
}

NodeAffinityScore::NodeAffinityScore(kube::List<kube::PreferredSchedulingTerm> added_preferred)
    : added_preferred_(std::move(added_preferred)) {}

std::int64_t NodeAffinityScore::score(const PodInfo& pod, const NodeInfo& node,
                                      const PluginState* /*state*/) const {
  std::int64_t count = preferredTermsScore(added_preferred_, *node.node);
  const auto& affinity = pod.pod().spec.affinity;
  if (affinity && affinity->node_affinity) {
    count += preferredTermsScore(affinity->node_affinity->preferred, *node.node);
  }
  return count;
}

void NodeAffinityScore::normalizeScores(const PodInfo& /*pod*/, const PluginState* /*state*/,
                                        std::span<std::int64_t> scores) const {
  defaultNormalizeScore(kMaxNodeScore, false, scores);
}

}  // namespace keelson::schedule::framework
