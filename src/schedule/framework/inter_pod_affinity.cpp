#include "schedule/framework/inter_pod_affinity.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "schedule/framework/affinity_terms.h"
#include "schedule/framework/matching.h"

namespace keelson::schedule::framework {
namespace {

using detail::resolve;
using detail::ResolvedTerm;

using TopologyPair = std::pair<std::string, std::string>;

struct InterPodAffinityState final : PluginState {
  std::vector<ResolvedTerm> affinity;
  std::vector<ResolvedTerm> anti_affinity;
  std::map<TopologyPair, int> affinity_counts;
  std::map<TopologyPair, int> anti_affinity_counts;
  std::map<TopologyPair, int> existing_anti_affinity_counts;
  bool pod_matches_own_affinity = false;
};

Status reject(Code code, std::string_view category, std::string message) {
  return Status::reject(code, InterPodAffinity::kName,
                        {{std::string(category), std::move(message)}});
}

}  // namespace

PreFilterResult InterPodAffinity::preFilter(const PodInfo& pod_info,
                                            const Snapshot& snapshot) const {
  const kube::Pod& pod = pod_info.pod();
  auto st = std::make_unique<InterPodAffinityState>();
  if (pod.spec.affinity) {
    if (pod.spec.affinity->pod_affinity) {
      for (const auto& t : pod.spec.affinity->pod_affinity->required) {
        st->affinity.push_back(resolve(t, pod, snapshot));
      }
    }
    if (pod.spec.affinity->pod_anti_affinity) {
      for (const auto& t : pod.spec.affinity->pod_anti_affinity->required) {
        st->anti_affinity.push_back(resolve(t, pod, snapshot));
      }
    }
  }
  st->pod_matches_own_affinity =
      !st->affinity.empty() && std::all_of(st->affinity.begin(), st->affinity.end(),
                                           [&](const ResolvedTerm& t) { return t.matches(pod); });
  // Without terms of its own, only existing pods' anti-affinity can reject the pod.
  const bool own_terms = !st->affinity.empty() || !st->anti_affinity.empty();
  for (const NodeInfo& info : snapshot.nodes()) {
    // The pods first: most nodes have none to visit, and their Node is then never read.
    const auto& pods = own_terms ? info.pods : info.pods_with_affinity;
    if (pods.empty()) continue;
    const auto& labels = info.node->metadata.labels;
    for (const kube::Pod* existing : pods) {
      for (const auto& t : st->affinity) {
        const kube::InternedString* v = label(labels, t.topology_key);
        if (v != nullptr && t.matches(*existing)) ++st->affinity_counts[{t.topology_key, *v}];
      }
      for (const auto& t : st->anti_affinity) {
        const kube::InternedString* v = label(labels, t.topology_key);
        if (v != nullptr && t.matches(*existing)) {
          ++st->anti_affinity_counts[{t.topology_key, *v}];
        }
      }
      const auto& aff = existing->spec.affinity;
      if (!aff || !aff->pod_anti_affinity) continue;
      for (const auto& term : aff->pod_anti_affinity->required) {
        const ResolvedTerm t = resolve(term, *existing, snapshot);
        const kube::InternedString* v = label(labels, t.topology_key);
        if (v != nullptr && t.matches(pod)) {
          ++st->existing_anti_affinity_counts[{t.topology_key, *v}];
        }
      }
    }
  }
  return PreFilterResult{Status::success(), std::nullopt, "", std::move(st)};
}

Status InterPodAffinity::filter(const PodInfo& /*pod*/, const NodeInfo& node,
                                const PluginState* state) const {
  const auto& st = stateAs<InterPodAffinityState>(state);
  const auto& labels = node.node->metadata.labels;
  // satisfyPodAffinity
  bool pods_exist = true;
  bool keys_missing = false;
  for (const auto& t : st.affinity) {
    const kube::InternedString* v = label(labels, t.topology_key);
    if (v == nullptr) {
      keys_missing = true;
      break;
    }
    const auto it = st.affinity_counts.find({t.topology_key, *v});
    if (it == st.affinity_counts.end() || it->second <= 0) pods_exist = false;
  }
  bool affinity_ok = !keys_missing;
  if (affinity_ok && !pods_exist) {
    // The first pod of a group with affinity to itself may go anywhere with the topology keys.
    affinity_ok = st.affinity_counts.empty() && st.pod_matches_own_affinity;
  }
  if (!affinity_ok) {
    return reject(Code::kUnschedulableAndUnresolvable, kReasonAffinity,
                  keys_missing
                      ? std::string("node lacks a topology key of the pod's affinity terms")
                      : std::string("no pod matching the pod's required affinity terms "
                                    "runs in this node's topology domain"));
  }
  // satisfyPodAntiAffinity
  for (const auto& t : st.anti_affinity) {
    const kube::InternedString* v = label(labels, t.topology_key);
    if (v == nullptr) continue;
    const auto it = st.anti_affinity_counts.find({t.topology_key, *v});
    if (it != st.anti_affinity_counts.end() && it->second > 0) {
      return reject(Code::kUnschedulable, kReasonAntiAffinity,
                    fmt::format("{} pod(s) matching the pod's anti-affinity run in {}={}",
                                it->second, t.topology_key, *v));
    }
  }
  // satisfyExistingPodsAntiAffinity
  for (const auto& [pair, n] : st.existing_anti_affinity_counts) {
    const kube::InternedString* v = label(labels, pair.first);
    if (n > 0 && v != nullptr && *v == pair.second) {
      return reject(Code::kUnschedulable, kReasonExistingAntiAffinity,
                    fmt::format("{} existing pod(s) in {}={} have anti-affinity against this pod",
                                n, pair.first, pair.second));
    }
  }
  return Status::success();
}

}  // namespace keelson::schedule::framework
