#pragma once

// Internal to the InterPodAffinity plugins (Filter and Score): pod affinity terms resolved
// against a snapshot (kube-scheduler's framework.AffinityTerm). Pure; thread-compatible.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "schedule/framework/snapshot.h"

namespace keelson::schedule::framework::detail {

/// The namespaces a pod affinity term selects.
struct TermNamespaces {
  bool all = false;  ///< namespaceSelector {}: every namespace.
  std::set<std::string, std::less<>> names;
};

/// The term's namespaces (and the namespaces of `namespaces` its namespaceSelector matches);
/// the owner's namespace `owner_ns` when it names none and has no selector.
TermNamespaces termNamespaces(const kube::PodAffinityTerm& term, const std::string& owner_ns,
                              const std::vector<const kube::Namespace*>& namespaces);

/// The term's label selector with matchLabelKeys / mismatchLabelKeys of `owner` merged in;
/// nullopt (selects nothing) when the term has no labelSelector.
std::optional<kube::LabelSelector> termSelector(const kube::PodAffinityTerm& term,
                                                const kube::Pod& owner);

/// A term with its namespaces and selector resolved.
struct ResolvedTerm {
  std::string topology_key;
  TermNamespaces namespaces;
  std::optional<kube::LabelSelector> selector;

  /// `candidate` is in one of the namespaces and its labels match the selector.
  bool matches(const kube::Pod& candidate) const;
};

/// `term` of `owner` resolved against the snapshot's namespaces.
ResolvedTerm resolve(const kube::PodAffinityTerm& term, const kube::Pod& owner,
                     const Snapshot& snapshot);

}  // namespace keelson::schedule::framework::detail
