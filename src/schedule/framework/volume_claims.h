#pragma once

// The pod's PersistentVolumeClaims as VolumeBinding's PreFilter sorts them; VolumeZone reads the
// bound ones too. Pure; thread-compatible.

#include <optional>
#include <string>
#include <vector>

#include "kube/pod.h"
#include "kube/storage.h"
#include "schedule/framework/snapshot.h"
#include "schedule/framework/status.h"

namespace keelson::schedule::framework {

/// The claims of the pod's persistentVolumeClaim volumes, in volume order.
struct PodClaims {
  std::vector<const kube::PersistentVolumeClaim*> bound;  ///< spec.volumeName is set.
  /// Unbound, of a StorageClass with volumeBindingMode WaitForFirstConsumer.
  std::vector<const kube::PersistentVolumeClaim*> unbound_delayed;
  /// Unbound and binding immediately: names of claims the pod must wait for.
  std::vector<std::string> unbound_immediate;
  /// A claim that does not exist or is being deleted. Sorting stops at it, so the lists above
  /// hold only the claims of earlier volumes.
  std::optional<Reason> unusable;
};

/// Sorts the claims of `pod`'s volumes (looked up in the pod's namespace).
PodClaims podClaims(const kube::Pod& pod, const Snapshot& snapshot);

/// The claim's StorageClass name: spec.storageClassName, else the default class's name, else "".
std::string claimClass(const kube::PersistentVolumeClaim& pvc, const Snapshot& snapshot);

}  // namespace keelson::schedule::framework
