#include "schedule/framework/topology_spread.h"

#include <string>

#include "schedule/framework/matching.h"

namespace keelson::schedule::framework::detail {

std::optional<kube::LabelSelector> spreadSelector(const kube::TopologySpreadConstraint& constraint,
                                                  const kube::Pod& pod) {
  std::optional<kube::LabelSelector> selector = constraint.label_selector;
  if (!selector) return selector;
  for (const auto& key : constraint.match_label_keys) {
    if (const kube::InternedString* v = label(pod.metadata.labels, key)) {
      selector->match_expressions.push_back({key, "In", {*v}});
    }
  }
  return selector;
}

bool nodeCounts(const kube::TopologySpreadConstraint& constraint, const kube::Pod& pod,
                const kube::Node& node) {
  // nodeAffinityPolicy defaults to Honor, nodeTaintsPolicy to Ignore.
  if (constraint.node_affinity_policy != "Ignore" &&
      !podMatchesNodeSelectorAndAffinity(pod, node)) {
    return false;
  }
  return constraint.node_taints_policy != "Honor" || untoleratedTaint(pod, node) == nullptr;
}

int countMatchingPods(const std::vector<const kube::Pod*>& pods,
                      const std::optional<kube::LabelSelector>& selector,
                      std::string_view namespace_name) {
  if (!selector) return 0;
  int matching = 0;
  for (const kube::Pod* existing : pods) {
    if (kube::isSet(existing->metadata.deletion_timestamp)) continue;
    if (existing->metadata.namespace_name != namespace_name) continue;
    if (selectorMatches(*selector, existing->metadata.labels)) ++matching;
  }
  return matching;
}

}  // namespace keelson::schedule::framework::detail
