#include "schedule/framework/volume_zone.h"

#include <fmt/format.h>

#include <array>
#include <string>
#include <vector>

#include "schedule/framework/matching.h"
#include "schedule/framework/volume_claims.h"

namespace keelson::schedule::framework {
namespace {

constexpr std::array<std::string_view, 4> kZoneLabels = {
    "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region"};

struct VolumeZoneState final : PluginState {
  std::vector<const kube::PersistentVolume*> bound_pvs;  ///< Existing PVs of bound claims.
};

/// True when `want` ("a" or "a__b__c") lists `have`.
bool zoneAllows(std::string_view want, std::string_view have) {
  while (true) {
    const size_t sep = want.find("__");
    if (want.substr(0, sep) == have) return true;
    if (sep == std::string_view::npos) return false;
    want.remove_prefix(sep + 2);
  }
}

}  // namespace

PreFilterResult VolumeZone::preFilter(const PodInfo& pod, const Snapshot& snapshot) const {
  auto state = std::make_unique<VolumeZoneState>();
  for (const auto* pvc : podClaims(pod.pod(), snapshot).bound) {
    if (const kube::PersistentVolume* pv = snapshot.findVolume(pvc->spec.volume_name)) {
      state->bound_pvs.push_back(pv);
    }
  }
  return PreFilterResult{Status::success(), std::nullopt, "", std::move(state)};
}

Status VolumeZone::filter(const PodInfo& /*pod*/, const NodeInfo& node,
                          const PluginState* state) const {
  for (const kube::PersistentVolume* pv : stateAs<VolumeZoneState>(state).bound_pvs) {
    for (std::string_view key : kZoneLabels) {
      const kube::InternedString* want = label(pv->metadata.labels, key);
      if (want == nullptr) continue;
      const kube::InternedString* have = label(node.node->metadata.labels, key);
      if (have != nullptr && zoneAllows(*want, *have)) continue;
      return Status::reject(Code::kUnschedulableAndUnresolvable, kName,
                            {{std::string(kReason),
                              fmt::format("PV {} requires {}={}", pv->metadata.name, key, *want)}});
    }
  }
  return Status::success();
}

}  // namespace keelson::schedule::framework
