#include "schedule/framework/volume_claims.h"

#include <fmt/format.h>

namespace keelson::schedule::framework {

std::string claimClass(const kube::PersistentVolumeClaim& pvc, const Snapshot& snapshot) {
  if (pvc.spec.storage_class_name) return *pvc.spec.storage_class_name;
  for (const kube::StorageClass* sc : snapshot.objects().storage_classes) {
    if (sc->isDefault()) return sc->metadata.name;
  }
  return "";
}

PodClaims podClaims(const kube::Pod& pod, const Snapshot& snapshot) {
  PodClaims out;
  for (const auto& volume : pod.spec.volumes) {
    if (volume.type != "persistentVolumeClaim") continue;
    const kube::PersistentVolumeClaim* pvc =
        snapshot.findClaim(pod.metadata.namespace_name, volume.reference);
    if (pvc == nullptr) {
      const std::string reason =
          fmt::format("persistentvolumeclaim \"{}\" not found", volume.reference);
      out.unusable = Reason{reason, reason};
      return out;
    }
    if (kube::isSet(pvc->metadata.deletion_timestamp)) {
      const std::string reason =
          fmt::format("persistentvolumeclaim \"{}\" is being deleted", volume.reference);
      out.unusable = Reason{reason, reason};
      return out;
    }
    if (!pvc->spec.volume_name.empty()) {
      out.bound.push_back(pvc);
      continue;
    }
    const std::string cls = claimClass(*pvc, snapshot);
    const kube::StorageClass* sc = cls.empty() ? nullptr : snapshot.findStorageClass(cls);
    if (sc != nullptr && sc->volume_binding_mode == "WaitForFirstConsumer") {
      out.unbound_delayed.push_back(pvc);
    } else {
      out.unbound_immediate.push_back(pvc->metadata.name);
    }
  }
  return out;
}

}  // namespace keelson::schedule::framework
