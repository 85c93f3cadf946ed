#pragma once

// Typed views of storage objects:
//   core/v1 PersistentVolume       GET /api/v1/persistentvolumes
//   core/v1 PersistentVolumeClaim  GET /api/v1/persistentvolumeclaims
//   storage.k8s.io/v1 StorageClass GET /apis/storage.k8s.io/v1/storageclasses

#include <optional>
#include <string>
#include <vector>

#include "kube/objects.h"

namespace keelson::kube {

/// core/v1 PersistentVolumeSpec.
struct PersistentVolumeSpec {
  ResourceList capacity;                     ///< "storage"
  std::vector<std::string> access_modes;     ///< "ReadWriteOnce", "ReadOnlyMany", ...
  std::optional<ObjectReference> claim_ref;  ///< The bound (or reserved-for) claim.
  std::string storage_class_name;
  std::string reclaim_policy;  ///< persistentVolumeReclaimPolicy: "Retain", "Delete", ...
  std::string volume_mode;     ///< "Filesystem" or "Block".
  /// nodeAffinity.required: the nodes that can reach the volume (local volumes, zonal disks).
  std::optional<NodeSelector> node_affinity;
  /// The volume source's field name: "csi", "hostPath", "local", "nfs", ...
  std::string source_type;
  /// Its main reference: the CSI driver, the hostPath/local path, "server:path" for NFS.
  std::string source;
};

/// core/v1 PersistentVolumeStatus.
struct PersistentVolumeStatus {
  std::string phase;  ///< "Pending", "Available", "Bound", "Released" or "Failed".
  std::string reason;
  std::string message;
};

/// core/v1 PersistentVolume.
struct PersistentVolume {
  ObjectMeta metadata;
  PersistentVolumeSpec spec;
  PersistentVolumeStatus status;
};

/// core/v1 PersistentVolumeClaimSpec.
struct PersistentVolumeClaimSpec {
  std::vector<std::string> access_modes;
  /// nullopt: the default class applies; "": explicitly no class (static binding only).
  std::optional<std::string> storage_class_name;
  std::string volume_name;  ///< The bound PV's name, once bound.
  std::string volume_mode;
  ResourceList requests;  ///< resources.requests ("storage").
  ResourceList limits;    ///< resources.limits
};

/// core/v1 PersistentVolumeClaimStatus.
struct PersistentVolumeClaimStatus {
  std::string phase;  ///< "Pending", "Bound" or "Lost".
  std::vector<std::string> access_modes;
  ResourceList capacity;
  List<Condition> conditions;
};

/// core/v1 PersistentVolumeClaim.
struct PersistentVolumeClaim {
  ObjectMeta metadata;
  PersistentVolumeClaimSpec spec;
  PersistentVolumeClaimStatus status;
};

/// storage.k8s.io/v1 StorageClass.
struct StorageClass {
  ObjectMeta metadata;
  std::string provisioner;          ///< e.g. "ebs.csi.aws.com", "rancher.io/local-path".
  std::string reclaim_policy;       ///< "Delete" (default) or "Retain".
  std::string volume_binding_mode;  ///< "Immediate" (default) or "WaitForFirstConsumer".
  bool allow_volume_expansion = false;
  StringMap parameters;

  /// True when annotated storageclass.kubernetes.io/is-default-class: "true".
  bool isDefault() const {
    const auto it = metadata.annotations.find("storageclass.kubernetes.io/is-default-class");
    return it != metadata.annotations.end() && it->second == "true";
  }
};

}  // namespace keelson::kube
