#pragma once

// Internal to the PodTopologySpread plugins (Filter and Score): a constraint's selector, the
// nodes it counts, and how many pods it matches (kube-scheduler's podtopologyspread/common.go).
// Pure; thread-compatible.

#include <optional>
#include <string_view>
#include <vector>

#include "kube/node.h"
#include "kube/pod.h"

namespace keelson::schedule::framework::detail {

/// The constraint's labelSelector with `pod`'s values for matchLabelKeys merged in (key In
/// [value]); nullopt (selects nothing) when it has no labelSelector.
std::optional<kube::LabelSelector> spreadSelector(const kube::TopologySpreadConstraint& constraint,
                                                  const kube::Pod& pod);

/// Whether `node` counts for `constraint` of `pod` (matchNodeInclusionPolicies):
/// nodeAffinityPolicy Honor (the default) requires the pod's nodeSelector and required node
/// affinity to match it; nodeTaintsPolicy Honor (default Ignore) requires the pod to tolerate
/// its NoSchedule and NoExecute taints.
bool nodeCounts(const kube::TopologySpreadConstraint& constraint, const kube::Pod& pod,
                const kube::Node& node);

/// How many of `pods` are in `namespace_name`, not being deleted, and matched by `selector`
/// (countPodsMatchSelector); 0 when `selector` is nullopt.
int countMatchingPods(const std::vector<const kube::Pod*>& pods,
                      const std::optional<kube::LabelSelector>& selector,
                      std::string_view namespace_name);

}  // namespace keelson::schedule::framework::detail
