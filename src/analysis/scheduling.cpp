#include "analysis/scheduling.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>
#include <string_view>
#include <unordered_map>

#include "kube/resources.h"
#include "schedule/framework/matching.h"

namespace keelson::analysis {
namespace {

using schedule::framework::contains;
using schedule::framework::label;
using schedule::framework::nodeSelectorMatches;
using schedule::framework::podMatchesNodeSelectorAndAffinity;
using schedule::framework::podTolerates;
using schedule::framework::requiredNodeAffinity;
using schedule::framework::selectorMatches;
using schedule::framework::untoleratedTaint;

// kube-scheduler's reason strings (pkg/scheduler/framework/plugins/...).
constexpr std::string_view kReasonUnschedulable = "node(s) were unschedulable";
constexpr std::string_view kReasonNodeName = "node(s) didn't match the requested node name";
constexpr std::string_view kReasonTaint = "node(s) had untolerated taint(s)";
constexpr std::string_view kReasonNodeAffinity =
    "node(s) didn't match Pod's node affinity/selector";
constexpr std::string_view kReasonPorts =
    "node(s) didn't have free ports for the requested pod ports";
constexpr std::string_view kReasonTooManyPods = "Too many pods";
constexpr std::string_view kReasonUnboundImmediate =
    "pod has unbound immediate PersistentVolumeClaims";
// v1.36 wording; releases before said "node(s) had volume node affinity conflict".
constexpr std::string_view kReasonVolumeNodeAffinity =
    "node(s) didn't match PersistentVolume's node affinity";
constexpr std::string_view kReasonNoPVToBind =
    "node(s) didn't find available persistent volumes to bind";
constexpr std::string_view kReasonBoundToMissingPV =
    "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";
constexpr std::string_view kReasonVolumeZone = "node(s) had no available volume zone";
constexpr std::string_view kReasonSpread = "node(s) didn't match pod topology spread constraints";
constexpr std::string_view kReasonSpreadLabel =
    "node(s) didn't match pod topology spread constraints (missing required label)";
constexpr std::string_view kReasonAffinity = "node(s) didn't match pod affinity rules";
constexpr std::string_view kReasonAntiAffinity = "node(s) didn't match pod anti-affinity rules";
constexpr std::string_view kReasonExistingAntiAffinity =
    "node(s) didn't satisfy existing pods anti-affinity rules";
constexpr std::string_view kReasonAffinityConflict = "pod affinity terms conflict";

bool terminated(const kube::Pod& pod) {
  return pod.status.phase == "Succeeded" || pod.status.phase == "Failed";
}

// --- resources ---------------------------------------------------------------------------------

/// Names NodeResourcesFit tracks beyond cpu, memory and ephemeral-storage
/// (schedutil.IsScalarResourceName): extended, prefixed native, hugepages, attachable volumes.
bool isScalarResource(std::string_view name) {
  return name.find('/') != std::string_view::npos || name.starts_with("hugepages-") ||
         name.starts_with("attachable-volumes-");
}

/// The amount NodeResourcesFit compares: millicores for cpu, whole units (rounded up) otherwise.
int64_t amount(std::string_view resource, const core::Quantity& q) {
  return resource == "cpu" ? q.milliValue() : q.value();
}

core::Quantity lookup(const kube::ResourceList& list, std::string_view name) {
  const auto it = list.find(name);
  return it == list.end() ? core::Quantity{} : it->second;
}

// --- snapshot indexes --------------------------------------------------------------------------

struct NodeState {
  const kube::Node* node = nullptr;
  std::vector<const kube::Pod*> pods;  ///< Non-terminated pods bound to the node.
  kube::ResourceList requested;
};

struct Context {
  const kube::Pod& pod;
  const SchedulingView& snapshot;
  std::vector<NodeState> nodes;
  std::unordered_map<std::string, const kube::Namespace*> namespaces;
  kube::ResourceList pod_requests;
};

bool samePod(const kube::Pod& a, const kube::Pod& b) {
  if (!a.metadata.uid.empty() && !b.metadata.uid.empty()) return a.metadata.uid == b.metadata.uid;
  return a.metadata.namespace_name == b.metadata.namespace_name &&
         a.metadata.name == b.metadata.name;
}

Context buildContext(const kube::Pod& pod, const SchedulingView& snapshot) {
  Context ctx{pod, snapshot, {}, {}, kube::podRequests(pod)};
  std::unordered_map<std::string_view, size_t> index;
  ctx.nodes.reserve(snapshot.nodes.size());
  for (const kube::Node* node : snapshot.nodes) {
    index.emplace(node->metadata.name, ctx.nodes.size());
    ctx.nodes.push_back(NodeState{node, {}, {}});
  }
  for (const kube::Pod* other_ptr : snapshot.pods) {
    const kube::Pod& other = *other_ptr;
    // The scheduler's cache holds bound pods that are not Succeeded/Failed; the pod under
    // analysis is left out so a scheduled pod's node is explained without counting it twice.
    if (other.spec.node_name.empty() || terminated(other) || samePod(other, pod)) continue;
    const auto it = index.find(other.spec.node_name);
    if (it == index.end()) continue;
    NodeState& state = ctx.nodes[it->second];
    state.pods.push_back(&other);
    for (const auto& [name, q] : kube::podRequests(other)) state.requested[name] += q;
  }
  for (const kube::Namespace* ns : snapshot.namespaces)
    ctx.namespaces.emplace(ns->metadata.name, ns);
  return ctx;
}

/// The namespaces a pod affinity term selects, or nullopt for "all namespaces".
struct TermNamespaces {
  bool all = false;
  std::set<std::string, std::less<>> names;
};

TermNamespaces termNamespaces(const kube::PodAffinityTerm& term, const std::string& owner_ns,
                              const Context& ctx) {
  TermNamespaces out;
  out.names.insert(term.namespaces.begin(), term.namespaces.end());
  if (term.namespace_selector) {
    const auto& sel = *term.namespace_selector;
    if (sel.match_labels.empty() && sel.match_expressions.empty()) {
      out.all = true;
    } else {
      for (const kube::Namespace* ns : ctx.snapshot.namespaces) {
        if (selectorMatches(sel, ns->metadata.labels)) out.names.insert(ns->metadata.name);
      }
    }
  } else if (term.namespaces.empty()) {
    out.names.insert(owner_ns);
  }
  return out;
}

/// The term's label selector with matchLabelKeys / mismatchLabelKeys of `owner` merged in.
std::optional<kube::LabelSelector> termSelector(const kube::PodAffinityTerm& term,
                                                const kube::Pod& owner) {
  if (!term.label_selector) return std::nullopt;
  kube::LabelSelector sel = *term.label_selector;
  for (const auto& key : term.match_label_keys) {
    if (const std::string* v = label(owner.metadata.labels, key)) {
      sel.match_expressions.push_back({key, "In", {*v}});
    }
  }
  for (const auto& key : term.mismatch_label_keys) {
    if (const std::string* v = label(owner.metadata.labels, key)) {
      sel.match_expressions.push_back({key, "NotIn", {*v}});
    }
  }
  return sel;
}

struct ResolvedTerm {
  std::string topology_key;
  TermNamespaces namespaces;
  std::optional<kube::LabelSelector> selector;

  bool matches(const kube::Pod& candidate) const {
    if (!selector) return false;
    if (!namespaces.all && !namespaces.names.contains(candidate.metadata.namespace_name)) {
      return false;
    }
    return selectorMatches(*selector, candidate.metadata.labels);
  }
};

ResolvedTerm resolve(const kube::PodAffinityTerm& term, const kube::Pod& owner,
                     const Context& ctx) {
  return ResolvedTerm{term.topology_key, termNamespaces(term, owner.metadata.namespace_name, ctx),
                      termSelector(term, owner)};
}

using TopologyPair = std::pair<std::string, std::string>;

// --- PreFilter state for InterPodAffinity and PodTopologySpread ----------------------------------

struct InterPodState {
  std::vector<ResolvedTerm> affinity;
  std::vector<ResolvedTerm> anti_affinity;
  std::map<TopologyPair, int> affinity_counts;
  std::map<TopologyPair, int> anti_affinity_counts;
  std::map<TopologyPair, int> existing_anti_affinity_counts;
  bool pod_matches_own_affinity = false;
};

InterPodState interPodPreFilter(const Context& ctx) {
  InterPodState st;
  const kube::Pod& pod = ctx.pod;
  if (pod.spec.affinity) {
    if (pod.spec.affinity->pod_affinity) {
      for (const auto& t : pod.spec.affinity->pod_affinity->required) {
        st.affinity.push_back(resolve(t, pod, ctx));
      }
    }
    if (pod.spec.affinity->pod_anti_affinity) {
      for (const auto& t : pod.spec.affinity->pod_anti_affinity->required) {
        st.anti_affinity.push_back(resolve(t, pod, ctx));
      }
    }
  }
  st.pod_matches_own_affinity =
      !st.affinity.empty() && std::all_of(st.affinity.begin(), st.affinity.end(),
                                          [&](const ResolvedTerm& t) { return t.matches(pod); });
  for (const auto& ns : ctx.nodes) {
    const auto& labels = ns.node->metadata.labels;
    for (const kube::Pod* existing : ns.pods) {
      for (const auto& t : st.affinity) {
        const std::string* v = label(labels, t.topology_key);
        if (v != nullptr && t.matches(*existing)) ++st.affinity_counts[{t.topology_key, *v}];
      }
      for (const auto& t : st.anti_affinity) {
        const std::string* v = label(labels, t.topology_key);
        if (v != nullptr && t.matches(*existing)) ++st.anti_affinity_counts[{t.topology_key, *v}];
      }
      const auto& aff = existing->spec.affinity;
      if (!aff || !aff->pod_anti_affinity) continue;
      for (const auto& term : aff->pod_anti_affinity->required) {
        const ResolvedTerm t = resolve(term, *existing, ctx);
        const std::string* v = label(labels, t.topology_key);
        if (v != nullptr && t.matches(pod))
          ++st.existing_anti_affinity_counts[{t.topology_key, *v}];
      }
    }
  }
  return st;
}

struct SpreadConstraint {
  const kube::TopologySpreadConstraint* spec = nullptr;
  std::optional<kube::LabelSelector> selector;
  std::map<std::string, int> counts;  ///< Topology value → matching pods.
};

struct SpreadState {
  std::vector<SpreadConstraint> constraints;
};

bool nodeHasAllKeys(const kube::Node& node, const std::vector<SpreadConstraint>& constraints) {
  return std::all_of(constraints.begin(), constraints.end(), [&](const SpreadConstraint& c) {
    return label(node.metadata.labels, c.spec->topology_key) != nullptr;
  });
}

SpreadState spreadPreFilter(const Context& ctx) {
  SpreadState st;
  const kube::Pod& pod = ctx.pod;
  for (const auto& c : pod.spec.topology_spread_constraints) {
    if (c.when_unsatisfiable != "DoNotSchedule") continue;
    SpreadConstraint sc{&c, c.label_selector, {}};
    if (sc.selector) {
      for (const auto& key : c.match_label_keys) {
        if (const std::string* v = label(pod.metadata.labels, key)) {
          sc.selector->match_expressions.push_back({key, "In", {*v}});
        }
      }
    }
    st.constraints.push_back(std::move(sc));
  }
  for (const auto& ns : ctx.nodes) {
    const kube::Node& node = *ns.node;
    if (!nodeHasAllKeys(node, st.constraints)) continue;
    for (auto& c : st.constraints) {
      // nodeAffinityPolicy defaults to Honor, nodeTaintsPolicy to Ignore.
      if (c.spec->node_affinity_policy != "Ignore" &&
          !podMatchesNodeSelectorAndAffinity(pod, node)) {
        continue;
      }
      if (c.spec->node_taints_policy == "Honor" && untoleratedTaint(pod, node) != nullptr) continue;
      int matching = 0;
      for (const kube::Pod* existing : ns.pods) {
        if (kube::isSet(existing->metadata.deletion_timestamp)) continue;
        if (existing->metadata.namespace_name != pod.metadata.namespace_name) continue;
        if (c.selector && selectorMatches(*c.selector, existing->metadata.labels)) ++matching;
      }
      c.counts[*label(node.metadata.labels, c.spec->topology_key)] += matching;
    }
  }
  return st;
}

// --- volumes -----------------------------------------------------------------------------------

struct PodClaims {
  std::vector<const kube::PersistentVolumeClaim*> bound;
  std::vector<const kube::PersistentVolumeClaim*> unbound_delayed;
  std::optional<SchedulingReason> prefilter_failure;
};

const kube::StorageClass* findClass(const SchedulingView& s, std::string_view name) {
  for (const kube::StorageClass* sc : s.storage_classes) {
    if (sc->metadata.name == name) return sc;
  }
  return nullptr;
}

std::string claimClass(const kube::PersistentVolumeClaim& pvc, const SchedulingView& s) {
  if (pvc.spec.storage_class_name) return *pvc.spec.storage_class_name;
  for (const kube::StorageClass* sc : s.storage_classes) {
    if (sc->isDefault()) return sc->metadata.name;
  }
  return "";
}

PodClaims podClaims(const Context& ctx) {
  PodClaims out;
  std::vector<std::string> immediate;
  for (const auto& volume : ctx.pod.spec.volumes) {
    if (volume.type != "persistentVolumeClaim") continue;
    const kube::PersistentVolumeClaim* pvc = nullptr;
    for (const kube::PersistentVolumeClaim* c : ctx.snapshot.pvcs) {
      if (c->metadata.namespace_name == ctx.pod.metadata.namespace_name &&
          c->metadata.name == volume.reference) {
        pvc = c;
      }
    }
    if (pvc == nullptr) {
      const std::string reason =
          fmt::format("persistentvolumeclaim \"{}\" not found", volume.reference);
      out.prefilter_failure = SchedulingReason{"VolumeBinding", reason, reason, true};
      return out;
    }
    if (kube::isSet(pvc->metadata.deletion_timestamp)) {
      const std::string reason =
          fmt::format("persistentvolumeclaim \"{}\" is being deleted", volume.reference);
      out.prefilter_failure = SchedulingReason{"VolumeBinding", reason, reason, true};
      return out;
    }
    if (!pvc->spec.volume_name.empty()) {
      out.bound.push_back(pvc);
      continue;
    }
    const std::string cls = claimClass(*pvc, ctx.snapshot);
    const kube::StorageClass* sc = cls.empty() ? nullptr : findClass(ctx.snapshot, cls);
    if (sc != nullptr && sc->volume_binding_mode == "WaitForFirstConsumer") {
      out.unbound_delayed.push_back(pvc);
    } else {
      immediate.push_back(pvc->metadata.name);
    }
  }
  if (!immediate.empty()) {
    std::string names;
    for (const auto& n : immediate) names += (names.empty() ? "" : ", ") + n;
    out.prefilter_failure = SchedulingReason{
        "VolumeBinding", std::string(kReasonUnboundImmediate),
        fmt::format("{}: {} (no PersistentVolume matched; the claim must bind before scheduling)",
                    kReasonUnboundImmediate, names),
        true};
  }
  return out;
}

const kube::PersistentVolume* findPV(const SchedulingView& s, std::string_view name) {
  for (const kube::PersistentVolume* pv : s.pvs) {
    if (pv->metadata.name == name) return pv;
  }
  return nullptr;
}

bool pvMatchesClaim(const kube::PersistentVolume& pv, const kube::PersistentVolumeClaim& pvc,
                    const std::string& cls) {
  if (pv.spec.claim_ref) {
    const auto& ref = *pv.spec.claim_ref;
    if (ref.name != pvc.metadata.name || ref.namespace_name != pvc.metadata.namespace_name) {
      return false;
    }
  } else if (pv.status.phase != "Available" && !pv.status.phase.empty()) {
    return false;
  }
  if (kube::isSet(pv.metadata.deletion_timestamp)) return false;
  if (pv.spec.storage_class_name != cls) return false;
  const std::string pv_mode = pv.spec.volume_mode.empty() ? "Filesystem" : pv.spec.volume_mode;
  const std::string pvc_mode = pvc.spec.volume_mode.empty() ? "Filesystem" : pvc.spec.volume_mode;
  if (pv_mode != pvc_mode) return false;
  for (const auto& mode : pvc.spec.access_modes) {
    if (!contains(pv.spec.access_modes, mode)) return false;
  }
  return lookup(pv.spec.capacity, "storage") >= lookup(pvc.spec.requests, "storage");
}

/// VolumeZone: the zone/region labels of a bound PV ("a__b" lists several values).
const std::vector<std::string_view>& zoneLabels() {
  static const std::vector<std::string_view> keys = {
      "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
      "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region"};
  return keys;
}

// --- the filters -------------------------------------------------------------------------------

struct Evaluator {
  const Context& ctx;
  const PodClaims& claims;
  const InterPodState& inter;
  const SpreadState& spread;

  void add(std::vector<SchedulingReason>& out, std::string_view plugin, std::string_view category,
           std::string message) const {
    out.push_back(
        SchedulingReason{std::string(plugin), std::string(category), std::move(message), true});
  }

  void nodeUnschedulable(const kube::Node& node, std::vector<SchedulingReason>& out) const {
    if (!node.spec.unschedulable) return;
    const kube::Taint taint{"node.kubernetes.io/unschedulable", "", "NoSchedule", {}};
    if (podTolerates(ctx.pod, taint)) return;
    add(out, "NodeUnschedulable", kReasonUnschedulable,
        fmt::format("node {} is cordoned (spec.unschedulable) and the pod does not tolerate "
                    "node.kubernetes.io/unschedulable:NoSchedule",
                    node.metadata.name));
  }

  void nodeName(const kube::Node& node, std::vector<SchedulingReason>& out) const {
    const auto& want = ctx.pod.spec.node_name;
    if (want.empty() || want == node.metadata.name) return;
    add(out, "NodeName", kReasonNodeName, fmt::format("pod requests node {}", want));
  }

  void taintToleration(const kube::Node& node, std::vector<SchedulingReason>& out) const {
    const kube::Taint* taint = untoleratedTaint(ctx.pod, node);
    if (taint == nullptr) return;
    add(out, "TaintToleration", kReasonTaint,
        fmt::format("untolerated taint {{{}: {}}} ({})", taint->key, taint->value, taint->effect));
  }

  void nodeAffinity(const kube::Node& node, std::vector<SchedulingReason>& out) const {
    std::vector<std::string> failed;
    for (const auto& [key, value] : ctx.pod.spec.node_selector) {
      const std::string* have = label(node.metadata.labels, key);
      if (have == nullptr) {
        failed.push_back(fmt::format("nodeSelector {}={}: node has no label {}", key, value, key));
      } else if (*have != value) {
        failed.push_back(fmt::format("nodeSelector {}={}: node has {}={}", key, value, key, *have));
      }
    }
    if (const kube::NodeSelector* req = requiredNodeAffinity(ctx.pod)) {
      if (!nodeSelectorMatches(*req, node)) {
        failed.push_back(fmt::format(
            "required node affinity: none of {} term(s) matches the node's labels/fields",
            req->node_selector_terms.size()));
      }
    }
    if (failed.empty()) return;
    std::string msg;
    for (const auto& f : failed) msg += (msg.empty() ? "" : "; ") + f;
    add(out, "NodeAffinity", kReasonNodeAffinity, std::move(msg));
  }

  static std::vector<kube::ContainerPort> hostPorts(const kube::Pod& pod) {
    std::vector<kube::ContainerPort> out;
    auto collect = [&](const kube::Container& c) {
      for (const auto& p : c.ports) {
        if (p.host_port > 0) out.push_back(p);
      }
    };
    for (const auto& c : pod.spec.init_containers) {
      if (c.isRestartable()) collect(c);
    }
    for (const auto& c : pod.spec.containers) collect(c);
    return out;
  }

  static bool portsConflict(const kube::ContainerPort& a, const kube::ContainerPort& b) {
    const std::string pa = a.protocol.empty() ? "TCP" : a.protocol;
    const std::string pb = b.protocol.empty() ? "TCP" : b.protocol;
    if (a.host_port != b.host_port || pa != pb) return false;
    auto wildcard = [](const std::string& ip) { return ip.empty() || ip == "0.0.0.0"; };
    return wildcard(a.host_ip) || wildcard(b.host_ip) || a.host_ip == b.host_ip;
  }

  void nodePorts(const NodeState& ns, std::vector<SchedulingReason>& out) const {
    const auto wanted = hostPorts(ctx.pod);
    if (wanted.empty()) return;
    std::vector<std::string> clashes;
    for (const kube::Pod* existing : ns.pods) {
      for (const auto& used : hostPorts(*existing)) {
        for (const auto& want : wanted) {
          if (!portsConflict(want, used)) continue;
          clashes.push_back(fmt::format(
              "{}/{} used by {}/{}", want.host_port, want.protocol.empty() ? "TCP" : want.protocol,
              existing->metadata.namespace_name, existing->metadata.name));
        }
      }
    }
    if (clashes.empty()) return;
    std::string msg = "host port(s) in use: ";
    for (size_t i = 0; i < clashes.size(); ++i) msg += (i ? ", " : "") + clashes[i];
    add(out, "NodePorts", kReasonPorts, std::move(msg));
  }

  void nodeResourcesFit(const NodeState& ns, std::vector<SchedulingReason>& out) const {
    const auto& alloc = ns.node->status.allocatable;
    const int64_t allowed_pods = lookup(alloc, "pods").value();
    const auto pod_count = static_cast<int64_t>(ns.pods.size());
    if (pod_count + 1 > allowed_pods) {
      add(out, "NodeResourcesFit", kReasonTooManyPods,
          fmt::format("Too many pods: {} pod(s) on the node, {} allowed", pod_count, allowed_pods));
    }
    for (const auto& [name, request] : ctx.pod_requests) {
      const bool fixed = name == "cpu" || name == "memory" || name == "ephemeral-storage";
      if (!fixed && !isScalarResource(name)) continue;
      const int64_t want = amount(name, request);
      if (want <= 0) continue;
      const core::Quantity allocatable = lookup(alloc, name);
      const core::Quantity used = lookup(ns.requested, name);
      if (want <= amount(name, allocatable) - amount(name, used)) continue;
      core::Quantity free = allocatable;
      free -= used;
      add(out, "NodeResourcesFit", "Insufficient " + name,
          fmt::format("Insufficient {}: requested {}, free {} of {} allocatable", name,
                      request.format(), free.format(), allocatable.format()));
    }
  }

  void volumeBinding(const kube::Node& node, std::vector<SchedulingReason>& out) const {
    bool missing_pv = false;
    for (const auto* pvc : claims.bound) {
      const kube::PersistentVolume* pv = findPV(ctx.snapshot, pvc->spec.volume_name);
      if (pv == nullptr) {
        missing_pv = true;
        continue;
      }
      if (pv->spec.node_affinity && !nodeSelectorMatches(*pv->spec.node_affinity, node)) {
        add(out, "VolumeBinding", kReasonVolumeNodeAffinity,
            fmt::format("claim {} is bound to PV {} whose node affinity excludes this node",
                        pvc->metadata.name, pv->metadata.name));
        return;
      }
    }
    if (missing_pv) {
      add(out, "VolumeBinding", kReasonBoundToMissingPV,
          "a claim is bound to a PersistentVolume that does not exist");
      return;
    }
    for (const auto* pvc : claims.unbound_delayed) {
      const std::string cls = claimClass(*pvc, ctx.snapshot);
      bool found = false;
      for (const kube::PersistentVolume* pv : ctx.snapshot.pvs) {
        if (!pvMatchesClaim(*pv, *pvc, cls)) continue;
        if (pv->spec.node_affinity && !nodeSelectorMatches(*pv->spec.node_affinity, node)) continue;
        found = true;
        break;
      }
      if (found) continue;
      const kube::StorageClass* sc = findClass(ctx.snapshot, cls);
      if (sc != nullptr && sc->provisioner != "kubernetes.io/no-provisioner") continue;
      add(out, "VolumeBinding", kReasonNoPVToBind,
          fmt::format("claim {} (class {}) has no available PV usable from this node and the "
                      "class cannot provision",
                      pvc->metadata.name, cls));
      return;
    }
  }

  void volumeZone(const kube::Node& node, std::vector<SchedulingReason>& out) const {
    for (const auto* pvc : claims.bound) {
      const kube::PersistentVolume* pv = findPV(ctx.snapshot, pvc->spec.volume_name);
      if (pv == nullptr) continue;
      for (std::string_view key : zoneLabels()) {
        const std::string* want = label(pv->metadata.labels, key);
        if (want == nullptr) continue;
        const std::string* have = label(node.metadata.labels, key);
        bool ok = false;
        if (have != nullptr) {
          std::string_view rest = *want;
          while (!ok) {
            const size_t sep = rest.find("__");
            if (rest.substr(0, sep) == *have) ok = true;
            if (sep == std::string_view::npos) break;
            rest.remove_prefix(sep + 2);
          }
        }
        if (!ok) {
          add(out, "VolumeZone", kReasonVolumeZone,
              fmt::format("PV {} requires {}={}", pv->metadata.name, key, *want));
          return;
        }
      }
    }
  }

  void podTopologySpread(const kube::Node& node, std::vector<SchedulingReason>& out) const {
    for (const auto& c : spread.constraints) {
      const std::string* value = label(node.metadata.labels, c.spec->topology_key);
      if (value == nullptr) {
        add(out, "PodTopologySpread", kReasonSpreadLabel,
            fmt::format("node has no label {}", c.spec->topology_key));
        return;
      }
      const int self = c.selector && selectorMatches(*c.selector, ctx.pod.metadata.labels) ? 1 : 0;
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
        add(out, "PodTopologySpread", kReasonSpread,
            fmt::format("{}={}: {} matching pod(s) + this pod, global minimum {}: skew {} > "
                        "maxSkew {}",
                        c.spec->topology_key, *value, match, min_match, skew, c.spec->max_skew));
        return;
      }
    }
  }

  void interPodAffinity(const kube::Node& node, std::vector<SchedulingReason>& out) const {
    const auto& labels = node.metadata.labels;
    // satisfyPodAffinity
    bool pods_exist = true;
    bool keys_missing = false;
    for (const auto& t : inter.affinity) {
      const std::string* v = label(labels, t.topology_key);
      if (v == nullptr) {
        keys_missing = true;
        break;
      }
      const auto it = inter.affinity_counts.find({t.topology_key, *v});
      if (it == inter.affinity_counts.end() || it->second <= 0) pods_exist = false;
    }
    bool affinity_ok = !keys_missing;
    if (affinity_ok && !pods_exist) {
      // The first pod of a group with affinity to itself may go anywhere with the topology keys.
      affinity_ok = inter.affinity_counts.empty() && inter.pod_matches_own_affinity;
    }
    if (!affinity_ok) {
      add(out, "InterPodAffinity", kReasonAffinity,
          keys_missing ? std::string("node lacks a topology key of the pod's affinity terms")
                       : std::string("no pod matching the pod's required affinity terms runs in "
                                     "this node's topology domain"));
      return;
    }
    // satisfyPodAntiAffinity
    for (const auto& t : inter.anti_affinity) {
      const std::string* v = label(labels, t.topology_key);
      if (v == nullptr) continue;
      const auto it = inter.anti_affinity_counts.find({t.topology_key, *v});
      if (it != inter.anti_affinity_counts.end() && it->second > 0) {
        add(out, "InterPodAffinity", kReasonAntiAffinity,
            fmt::format("{} pod(s) matching the pod's anti-affinity run in {}={}", it->second,
                        t.topology_key, *v));
        return;
      }
    }
    // satisfyExistingPodsAntiAffinity
    for (const auto& [pair, n] : inter.existing_anti_affinity_counts) {
      const std::string* v = label(labels, pair.first);
      if (n > 0 && v != nullptr && *v == pair.second) {
        add(out, "InterPodAffinity", kReasonExistingAntiAffinity,
            fmt::format("{} existing pod(s) in {}={} have anti-affinity against this pod", n,
                        pair.first, pair.second));
        return;
      }
    }
  }

  /// Every plugin's reasons in filter order; the first failing plugin's are `counted`.
  NodeEvaluation evaluate(const NodeState& ns) const {
    NodeEvaluation ev;
    const kube::Node& node = *ns.node;
    ev.name = node.metadata.name;
    auto& r = ev.reasons;
    nodeUnschedulable(node, r);
    nodeName(node, r);
    taintToleration(node, r);
    nodeAffinity(node, r);
    nodePorts(ns, r);
    nodeResourcesFit(ns, r);
    volumeBinding(node, r);
    volumeZone(node, r);
    podTopologySpread(node, r);
    interPodAffinity(node, r);
    ev.fits = r.empty();
    if (!r.empty()) {
      const std::string first = r.front().plugin;
      for (auto& reason : r) reason.counted = reason.plugin == first;
    }
    return ev;
  }
};

/// NodeAffinity's PreFilter: terms that all pin metadata.name In [...] restrict the nodes looked
/// at; nullopt when every node is eligible. An empty set is a conflict.
std::optional<std::set<std::string>> nodeNamesFromAffinity(const kube::Pod& pod) {
  const kube::NodeSelector* required = requiredNodeAffinity(pod);
  if (required == nullptr) return std::nullopt;
  std::set<std::string> names;
  for (const auto& term : required->node_selector_terms) {
    std::optional<std::set<std::string>> term_names;
    for (const auto& r : term.match_fields) {
      if (r.key != "metadata.name" || r.op != "In") continue;
      std::set<std::string> s(r.values.begin(), r.values.end());
      if (!term_names) {
        term_names = std::move(s);
      } else {
        std::set<std::string> both;
        std::set_intersection(term_names->begin(), term_names->end(), s.begin(), s.end(),
                              std::inserter(both, both.begin()));
        term_names = std::move(both);
      }
    }
    if (!term_names) return std::nullopt;
    names.insert(term_names->begin(), term_names->end());
  }
  return names;
}

std::string summarize(int total, const std::map<std::string, int>& categories,
                      const std::optional<SchedulingReason>& prefilter) {
  std::string out = fmt::format("0/{} nodes are available:", total);
  if (prefilter) return out + " " + prefilter->category + ".";
  std::vector<std::string> parts;
  for (const auto& [category, n] : categories) parts.push_back(fmt::format("{} {}", n, category));
  std::sort(parts.begin(), parts.end());  // The scheduler sorts "<count> <reason>" strings.
  if (parts.empty()) return out;
  out += " ";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out + ".";
}

void explainFit(const NodeState& ns, const Context& ctx, std::vector<std::string>& out) {
  const auto& alloc = ns.node->status.allocatable;
  for (const auto& [name, request] : ctx.pod_requests) {
    const core::Quantity allocatable = lookup(alloc, name);
    core::Quantity free = allocatable;
    free -= lookup(ns.requested, name);
    out.push_back(
        fmt::format("{}: requested {}, free {} of {} allocatable (other pods' requests "
                    "subtracted)",
                    name, request.format(), free.format(), allocatable.format()));
  }
  out.push_back(fmt::format("pods: {} other pod(s) on the node, {} allowed", ns.pods.size(),
                            lookup(alloc, "pods").value()));
  if (!ns.node->spec.taints.empty()) {
    out.push_back("tolerates every NoSchedule/NoExecute taint of the node");
  }
  if (!ctx.pod.spec.node_selector.empty() || requiredNodeAffinity(ctx.pod) != nullptr) {
    out.push_back("node labels match the pod's nodeSelector and required node affinity");
  }
}

}  // namespace

SchedulingView viewOf(const SchedulingSnapshot& snapshot) {
  const auto pointers = [](const auto& objects, auto& out) {
    out.reserve(objects.size());
    for (const auto& object : objects) out.push_back(&object);
  };
  SchedulingView view;
  pointers(snapshot.nodes, view.nodes);
  pointers(snapshot.pods, view.pods);
  pointers(snapshot.pvcs, view.pvcs);
  pointers(snapshot.pvs, view.pvs);
  pointers(snapshot.storage_classes, view.storage_classes);
  pointers(snapshot.namespaces, view.namespaces);
  return view;
}

SchedulingAnalysis analyzeScheduling(const kube::Pod& pod, const SchedulingSnapshot& snapshot) {
  return analyzeScheduling(pod, viewOf(snapshot));
}

SchedulingAnalysis analyzeScheduling(const kube::Pod& pod, const SchedulingView& snapshot) {
  SchedulingAnalysis out;
  out.pod_namespace = pod.metadata.namespace_name;
  out.pod_name = pod.metadata.name;
  out.total_nodes = static_cast<int>(snapshot.nodes.size());
  out.scheduled = !pod.spec.node_name.empty();
  out.node_name = pod.spec.node_name;

  const Context ctx = buildContext(pod, snapshot);
  const PodClaims claims = podClaims(ctx);
  const InterPodState inter = interPodPreFilter(ctx);
  const SpreadState spread = spreadPreFilter(ctx);
  const Evaluator evaluator{ctx, claims, inter, spread};

  if (out.scheduled) {
    for (const auto& ns : ctx.nodes) {
      if (ns.node->metadata.name != pod.spec.node_name) continue;
      NodeEvaluation ev = evaluator.evaluate(ns);
      explainFit(ns, ctx, out.fit_details);
      out.nodes.push_back(std::move(ev));
    }
    if (out.nodes.empty()) {
      out.fit_details.push_back(fmt::format("node {} is not in the snapshot", pod.spec.node_name));
    }
    return out;
  }

  std::optional<SchedulingReason> prefilter = claims.prefilter_failure;
  const auto pinned = nodeNamesFromAffinity(pod);
  if (!prefilter && pinned && pinned->empty()) {
    prefilter =
        SchedulingReason{"NodeAffinity", std::string(kReasonAffinityConflict),
                         "the required node affinity terms pin conflicting node names", true};
  }
  out.prefilter_failure = prefilter;

  for (const auto& ns : ctx.nodes) {
    NodeEvaluation ev;
    if (prefilter) {
      ev.name = ns.node->metadata.name;
      ev.reasons.push_back(*prefilter);
    } else if (pinned && !pinned->contains(ns.node->metadata.name)) {
      ev.name = ns.node->metadata.name;
      const std::string category = "node(s) didn't satisfy plugin(s) [NodeAffinity]";
      ev.reasons.push_back(SchedulingReason{
          "NodeAffinity", category,
          "required node affinity pins other node names (matchFields metadata.name)", true});
    } else {
      ev = evaluator.evaluate(ns);
    }
    if (ev.fits) ++out.feasible_nodes;
    std::set<std::string> seen;
    for (const auto& r : ev.reasons) {
      if (r.counted && seen.insert(r.category).second && !prefilter)
        ++out.failure_categories[r.category];
    }
    out.nodes.push_back(std::move(ev));
  }
  if (prefilter) out.failure_categories[prefilter->category] = out.total_nodes;
  if (out.feasible_nodes == 0) {
    out.failure_summary = summarize(out.total_nodes, out.failure_categories, prefilter);
  }
  return out;
}

}  // namespace keelson::analysis
