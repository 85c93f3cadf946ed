#pragma once

// Matching helpers shared by the Filter plugins: label selectors, node selectors and
// affinity, taints and tolerations, with Kubernetes' semantics (apimachinery labels,
// component-helpers nodeaffinity, v1helper.TolerationsTolerateTaint). Pure; thread-compatible.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/node.h"
#include "kube/objects.h"
#include "kube/pod.h"

namespace keelson::schedule::framework {

/// The value of `key` in `labels`, or nullptr when the label is absent.
const kube::InternedString* label(const kube::StringMap& labels, std::string_view key);

/// True when `values` (a std::vector or kube::List of std::string or kube::InternedString) holds
/// `value`.
template <class Strings>
bool contains(const Strings& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

/// One matchExpressions entry (In, NotIn, Exists, DoesNotExist; NotIn matches an absent label;
/// an unknown operator matches nothing).
bool labelRequirementMatches(const kube::LabelSelectorRequirement& r,
                             const kube::StringMap& labels);

/// metav1.LabelSelector semantics: matchLabels and matchExpressions ANDed; {} selects everything.
/// (A missing selector, nullopt, selects nothing: callers handle it.)
bool selectorMatches(const kube::LabelSelector& selector, const kube::StringMap& labels);

/// A NodeSelectorRequirement against a label or field value (nullptr: absent). Gt/Lt compare
/// integers and fail when either side is not one, or the label is absent.
bool nodeRequirementMatches(const kube::NodeSelectorRequirement& r,
                            const kube::InternedString* value);

/// A NodeSelectorTerm: matchExpressions on labels and matchFields (metadata.name only, In/NotIn)
/// ANDed; a term with neither matches nothing (nodeaffinity.NewNodeSelector).
bool termMatches(const kube::NodeSelectorTerm& term, const kube::Node& node);

/// A NodeSelector: its terms ORed; no terms match nothing.
bool nodeSelectorMatches(const kube::NodeSelector& selector, const kube::Node& node);

/// The pod's requiredDuringSchedulingIgnoredDuringExecution node affinity, or nullptr.
const kube::NodeSelector* requiredNodeAffinity(const kube::Pod& pod);

/// spec.nodeSelector and required node affinity both match (NodeAffinity's Filter).
bool podMatchesNodeSelectorAndAffinity(const kube::Pod& pod, const kube::Node& node);

/// One toleration against one taint ("" effect: all effects; Exists with "" key: every taint;
/// "" operator means Equal).
bool tolerates(const kube::Toleration& toleration, const kube::Taint& taint);

/// Some toleration of the pod tolerates `taint`.
bool podTolerates(const kube::Pod& pod, const kube::Taint& taint);

/// The NoSchedule taints the node lifecycle controller puts on a node for its conditions
/// (TaintNodesByCondition): Ready=False → node.kubernetes.io/not-ready, Ready=Unknown →
/// node.kubernetes.io/unreachable, MemoryPressure, DiskPressure, PIDPressure and
/// NetworkUnavailable True → node.kubernetes.io/memory-pressure, disk-pressure, pid-pressure,
/// network-unavailable. Taints already in spec.taints are left out. Values are empty.
std::vector<kube::Taint> conditionTaints(const kube::Node& node);

/// The node's first NoSchedule/NoExecute taint the pod does not tolerate, or nullptr
/// (TaintToleration's Filter; PreferNoSchedule is a score, not a filter).
const kube::Taint* untoleratedTaint(const kube::Pod& pod, const kube::Node& node);

}  // namespace keelson::schedule::framework
