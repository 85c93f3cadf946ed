#include "schedule/framework/volume_binding.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "schedule/framework/matching.h"
#include "schedule/framework/volume_claims.h"

namespace keelson::schedule::framework {
namespace {

struct BoundClaim {
  const kube::PersistentVolumeClaim* pvc = nullptr;
  const kube::PersistentVolume* pv = nullptr;  ///< nullptr: the claim's PV does not exist.
};

struct DelayedClaim {
  const kube::PersistentVolumeClaim* pvc = nullptr;
  std::string storage_class;
  bool can_provision = false;  ///< The class has a provisioner other than no-provisioner.
  std::vector<const kube::PersistentVolume*> candidates;  ///< Available PVs matching the claim.
};

struct VolumeBindingState final : PluginState {
  std::vector<BoundClaim> bound;
  std::vector<DelayedClaim> delayed;
};

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
  return quantityOf(pv.spec.capacity, "storage") >= quantityOf(pvc.spec.requests, "storage");
}

bool admits(const kube::PersistentVolume& pv, const kube::Node& node) {
  return !pv.spec.node_affinity || nodeSelectorMatches(*pv.spec.node_affinity, node);
}

Status reject(std::string_view category, std::string message) {
  return Status::reject(Code::kUnschedulableAndUnresolvable, VolumeBinding::kName,
                        {{std::string(category), std::move(message)}});
}

}  // namespace

PreFilterResult VolumeBinding::preFilter(const PodInfo& pod, const Snapshot& snapshot) const {
  const PodClaims claims = podClaims(pod.pod(), snapshot);
  auto state = std::make_unique<VolumeBindingState>();
  for (const auto* pvc : claims.bound) {
    state->bound.push_back({pvc, snapshot.findVolume(pvc->spec.volume_name)});
  }
  for (const auto* pvc : claims.unbound_delayed) {
    DelayedClaim claim{pvc, claimClass(*pvc, snapshot), false, {}};
    const kube::StorageClass* sc = snapshot.findStorageClass(claim.storage_class);
    claim.can_provision = sc != nullptr && sc->provisioner != "kubernetes.io/no-provisioner";
    for (const kube::PersistentVolume* pv : snapshot.objects().pvs) {
      if (pvMatchesClaim(*pv, *pvc, claim.storage_class)) claim.candidates.push_back(pv);
    }
    state->delayed.push_back(std::move(claim));
  }
  PreFilterResult result{Status::success(), std::nullopt, "", nullptr};
  if (claims.unusable) {
    result.status = Status::reject(Code::kUnschedulableAndUnresolvable, kName, {*claims.unusable});
  } else if (!claims.unbound_immediate.empty()) {
    std::string names;
    for (const auto& n : claims.unbound_immediate) names += (names.empty() ? "" : ", ") + n;
    result.status = reject(
        kReasonUnboundImmediate,
        fmt::format("{}: {} (no PersistentVolume matched; the claim must bind before scheduling)",
                    kReasonUnboundImmediate, names));
  }
  result.state = std::move(state);
  return result;
}

Status VolumeBinding::filter(const PodInfo& /*pod*/, const NodeInfo& node,
                             const PluginState* state) const {
  const auto& st = stateAs<VolumeBindingState>(state);
  const kube::Node& n = *node.node;
  bool missing_pv = false;
  for (const auto& claim : st.bound) {
    if (claim.pv == nullptr) {
      missing_pv = true;
      continue;
    }
    if (!admits(*claim.pv, n)) {
      return reject(kReasonVolumeNodeAffinity,
                    fmt::format("claim {} is bound to PV {} whose node affinity excludes this node",
                                claim.pvc->metadata.name, claim.pv->metadata.name));
    }
  }
  if (missing_pv) {
    return reject(kReasonBoundToMissingPV,
                  "a claim is bound to a PersistentVolume that does not exist");
  }
  for (const auto& claim : st.delayed) {
    const bool found =
        std::any_of(claim.candidates.begin(), claim.candidates.end(),
                    [&](const kube::PersistentVolume* pv) { return admits(*pv, n); });
    if (found || claim.can_provision) continue;
    return reject(kReasonNoPVToBind,
                  fmt::format("claim {} (class {}) has no available PV usable from this node and "
                              "the class cannot provision",
                              claim.pvc->metadata.name, claim.storage_class));
  }
  return Status::success();
}

}  // namespace keelson::schedule::framework
