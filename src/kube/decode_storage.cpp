// core/v1 PersistentVolume, PersistentVolumeClaim and storage.k8s.io/v1 StorageClass decoding.
#include <array>
#include <string>
#include <string_view>

#include "kube/decode_internal.h"

namespace keelson::kube::detail {
namespace {

// PersistentVolumeSource's fields: a PV spec holds exactly one of them.
constexpr std::array<std::string_view, 22> kPersistentVolumeSources = {"awsElasticBlockStore",
                                                                       "azureDisk",
                                                                       "azureFile",
                                                                       "cephfs",
                                                                       "cinder",
                                                                       "csi",
                                                                       "fc",
                                                                       "flexVolume",
                                                                       "flocker",
                                                                       "gcePersistentDisk",
                                                                       "glusterfs",
                                                                       "hostPath",
                                                                       "iscsi",
                                                                       "local",
                                                                       "nfs",
                                                                       "photonPersistentDisk",
                                                                       "portworxVolume",
                                                                       "quobyte",
                                                                       "rbd",
                                                                       "scaleIO",
                                                                       "storageos",
                                                                       "vsphereVolume"};

bool isPersistentVolumeSource(std::string_view key) {
  for (std::string_view source : kPersistentVolumeSources) {
    if (key == source) return true;
  }
  return false;
}

void decodePersistentVolumeSpec(od::value value, PersistentVolumeSpec& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "capacity") return read(field, out.capacity);
    if (key == "accessModes") return read(field, out.access_modes);
    if (key == "claimRef") return readOptional(field, out.claim_ref, decodeObjectReference);
    if (key == "storageClassName") return read(field, out.storage_class_name);
    if (key == "persistentVolumeReclaimPolicy") return read(field, out.reclaim_policy);
    if (key == "volumeMode") return read(field, out.volume_mode);
    if (key == "nodeAffinity") {
      return forEachField(field, [&](std::string_view name, od::value v) {
        if (name == "required") readOptional(v, out.node_affinity, decodeNodeSelector);
      });
    }
    if (isPersistentVolumeSource(key) && !isNull(field)) {
      out.source_type = std::string(key);
      VolumeSourceInfo info;
      decodeVolumeSource(field, info);
      out.source = std::move(info.reference);
    }
  });
}

void decodePersistentVolumeStatus(od::value value, PersistentVolumeStatus& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "phase") return read(field, out.phase);
    if (key == "reason") return read(field, out.reason);
    if (key == "message") return read(field, out.message);
  });
}

void decodePersistentVolumeClaimSpec(od::value value, PersistentVolumeClaimSpec& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "accessModes") return read(field, out.access_modes);
    if (key == "storageClassName") return read(field, out.storage_class_name);
    if (key == "volumeName") return read(field, out.volume_name);
    if (key == "volumeMode") return read(field, out.volume_mode);
    if (key == "resources") {
      return forEachField(field, [&](std::string_view name, od::value v) {
        if (name == "requests") return read(v, out.requests);
        if (name == "limits") return read(v, out.limits);
      });
    }
  });
}

void decodePersistentVolumeClaimStatus(od::value value, PersistentVolumeClaimStatus& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "phase") return read(field, out.phase);
    if (key == "accessModes") return read(field, out.access_modes);
    if (key == "capacity") return read(field, out.capacity);
    if (key == "conditions") return readArray(field, out.conditions, decodeCondition);
  });
}

}  // namespace

void decode(od::value value, PersistentVolume& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "metadata") return decodeObjectMeta(field, out.metadata);
    if (key == "spec") return decodePersistentVolumeSpec(field, out.spec);
    if (key == "status") return decodePersistentVolumeStatus(field, out.status);
    if (key == "kind") return expectKind(field, "PersistentVolume");
  });
}

void decode(od::value value, PersistentVolumeClaim& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "metadata") return decodeObjectMeta(field, out.metadata);
    if (key == "spec") return decodePersistentVolumeClaimSpec(field, out.spec);
    if (key == "status") return decodePersistentVolumeClaimStatus(field, out.status);
    if (key == "kind") return expectKind(field, "PersistentVolumeClaim");
  });
}

void decode(od::value value, StorageClass& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "metadata") return decodeObjectMeta(field, out.metadata);
    if (key == "provisioner") return read(field, out.provisioner);
    if (key == "reclaimPolicy") return read(field, out.reclaim_policy);
    if (key == "volumeBindingMode") return read(field, out.volume_binding_mode);
    if (key == "allowVolumeExpansion") return read(field, out.allow_volume_expansion);
    if (key == "parameters") return read(field, out.parameters);
    if (key == "kind") return expectKind(field, "StorageClass");
  });
}

}  // namespace keelson::kube::detail
