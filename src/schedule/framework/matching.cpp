// Selector, affinity and toleration matching with Kubernetes' semantics (see matching.h).

#include "schedule/framework/matching.h"

#include <algorithm>
#include <charconv>

namespace keelson::schedule::framework {

const kube::InternedString* label(const kube::StringMap& labels, std::string_view key) {
  const auto it = labels.find(key);
  return it == labels.end() ? nullptr : &it->second;
}

// --- label and node selectors ------------------------------------------------------------------

bool labelRequirementMatches(const kube::LabelSelectorRequirement& r,
                             const kube::StringMap& labels) {
  const kube::InternedString* value = label(labels, r.key);
  if (r.op == "In") return value != nullptr && contains(r.values, *value);
  if (r.op == "NotIn") return value == nullptr || !contains(r.values, *value);
  if (r.op == "Exists") return value != nullptr;
  if (r.op == "DoesNotExist") return value == nullptr;
  return false;  // An unknown operator selects nothing (LabelSelectorAsSelector fails).
}

bool selectorMatches(const kube::LabelSelector& selector, const kube::StringMap& labels) {
  for (const auto& [key, value] : selector.match_labels) {
    const kube::InternedString* have = label(labels, key);
    if (have == nullptr || *have != value) return false;
  }
  return std::all_of(selector.match_expressions.begin(), selector.match_expressions.end(),
                     [&](const auto& r) { return labelRequirementMatches(r, labels); });
}

static std::optional<int64_t> parseInt(std::string_view text) {
  int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

bool nodeRequirementMatches(const kube::NodeSelectorRequirement& r,
                            const kube::InternedString* value) {
  if (r.op == "In") return value != nullptr && contains(r.values, *value);
  if (r.op == "NotIn") return value == nullptr || !contains(r.values, *value);
  if (r.op == "Exists") return value != nullptr;
  if (r.op == "DoesNotExist") return value == nullptr;
  if (r.op == "Gt" || r.op == "Lt") {
    if (value == nullptr || r.values.size() != 1) return false;
    const auto have = parseInt(*value);
    const auto want = parseInt(r.values[0]);
    if (!have || !want) return false;
    return r.op == "Gt" ? *have > *want : *have < *want;
  }
  return false;
}

bool termMatches(const kube::NodeSelectorTerm& term, const kube::Node& node) {
  if (term.match_expressions.empty() && term.match_fields.empty()) return false;
  for (const auto& r : term.match_expressions) {
    if (!nodeRequirementMatches(r, label(node.metadata.labels, r.key))) return false;
  }
  for (const auto& r : term.match_fields) {
    if (r.key != "metadata.name") return false;
    if (r.op != "In" && r.op != "NotIn") return false;
    if (!nodeRequirementMatches(r, &node.metadata.name)) return false;
  }
  return true;
}

bool nodeSelectorMatches(const kube::NodeSelector& selector, const kube::Node& node) {
  return std::any_of(selector.node_selector_terms.begin(), selector.node_selector_terms.end(),
                     [&](const auto& term) { return termMatches(term, node); });
}

const kube::NodeSelector* requiredNodeAffinity(const kube::Pod& pod) {
  const auto& affinity = pod.spec.affinity;
  if (!affinity || !affinity->node_affinity || !affinity->node_affinity->required) return nullptr;
  return &*affinity->node_affinity->required;
}

bool podMatchesNodeSelectorAndAffinity(const kube::Pod& pod, const kube::Node& node) {
  for (const auto& [key, value] : pod.spec.node_selector) {
    const kube::InternedString* have = label(node.metadata.labels, key);
    if (have == nullptr || *have != value) return false;
  }
  const kube::NodeSelector* required = requiredNodeAffinity(pod);
  return required == nullptr || nodeSelectorMatches(*required, node);
}

// --- taints ------------------------------------------------------------------------------------

bool tolerates(const kube::Toleration& t, const kube::Taint& taint) {
  if (!t.effect.empty() && t.effect != taint.effect) return false;
  if (t.op == "Exists") return t.key.empty() || t.key == taint.key;
  if (t.op == "Equal" || t.op.empty()) return t.key == taint.key && t.value == taint.value;
  return false;
}

bool podTolerates(const kube::Pod& pod, const kube::Taint& taint) {
  return std::any_of(pod.spec.tolerations.begin(), pod.spec.tolerations.end(),
                     [&](const auto& t) { return tolerates(t, taint); });
}

std::vector<kube::Taint> conditionTaints(const kube::Node& node) {
  struct Rule {
    std::string_view type;
    std::string_view status;
    std::string_view key;
  };
  static constexpr Rule kRules[] = {
      {"Ready", "False", "node.kubernetes.io/not-ready"},
      {"Ready", "Unknown", "node.kubernetes.io/unreachable"},
      {"MemoryPressure", "True", "node.kubernetes.io/memory-pressure"},
      {"DiskPressure", "True", "node.kubernetes.io/disk-pressure"},
      {"PIDPressure", "True", "node.kubernetes.io/pid-pressure"},
      {"NetworkUnavailable", "True", "node.kubernetes.io/network-unavailable"},
  };
  std::vector<kube::Taint> out;
  for (const kube::Condition& condition : node.status.conditions) {
    for (const Rule& rule : kRules) {
      if (condition.type != rule.type || condition.status != rule.status) continue;
      const bool present =
          std::any_of(node.spec.taints.begin(), node.spec.taints.end(),
                      [&](const auto& t) { return t.key == rule.key && t.effect == "NoSchedule"; });
      if (!present) out.push_back({std::string(rule.key), "", "NoSchedule", {}});
    }
  }
  return out;
}

const kube::Taint* untoleratedTaint(const kube::Pod& pod, const kube::Node& node) {
  for (const auto& taint : node.spec.taints) {
    if (taint.effect != "NoSchedule" && taint.effect != "NoExecute") continue;
    if (!podTolerates(pod, taint)) return &taint;
  }
  return nullptr;
}

}  // namespace keelson::schedule::framework
