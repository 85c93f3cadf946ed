#include "schedule/framework/affinity_terms.h"

#include "schedule/framework/matching.h"

namespace keelson::schedule::framework::detail {

TermNamespaces termNamespaces(const kube::PodAffinityTerm& term, const std::string& owner_ns,
                              const std::vector<const kube::Namespace*>& namespaces) {
  TermNamespaces out;
  out.names.insert(term.namespaces.begin(), term.namespaces.end());
  if (term.namespace_selector) {
    const auto& sel = *term.namespace_selector;
    if (sel.match_labels.empty() && sel.match_expressions.empty()) {
      out.all = true;
    } else {
      for (const kube::Namespace* ns : namespaces) {
        if (selectorMatches(sel, ns->metadata.labels)) out.names.insert(ns->metadata.name);
      }
    }
  } else if (term.namespaces.empty()) {
    out.names.insert(owner_ns);
  }
  return out;
}

std::optional<kube::LabelSelector> termSelector(const kube::PodAffinityTerm& term,
                                                const kube::Pod& owner) {
  if (!term.label_selector) return std::nullopt;
  kube::LabelSelector sel = *term.label_selector;
  for (const auto& key : term.match_label_keys) {
    if (const kube::InternedString* v = label(owner.metadata.labels, key)) {
      sel.match_expressions.push_back({key, "In", {*v}});
    }
  }
  for (const auto& key : term.mismatch_label_keys) {
    if (const kube::InternedString* v = label(owner.metadata.labels, key)) {
      sel.match_expressions.push_back({key, "NotIn", {*v}});
    }
  }
  return sel;
}

bool ResolvedTerm::matches(const kube::Pod& candidate) const {
  if (!selector) return false;
  if (!namespaces.all && !namespaces.names.contains(candidate.metadata.namespace_name)) {
    return false;
  }
  return selectorMatches(*selector, candidate.metadata.labels);
}

ResolvedTerm resolve(const kube::PodAffinityTerm& term, const kube::Pod& owner,
                     const Snapshot& snapshot) {
  return ResolvedTerm{
      term.topology_key,
      termNamespaces(term, owner.metadata.namespace_name, snapshot.objects().namespaces),
      termSelector(term, owner)};
}

}  // namespace keelson::schedule::framework::detail
