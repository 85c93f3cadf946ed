#pragma once

// The indexes ClusterCache keeps on its pods informer (Informer::addIndex), and their keys.
// A namespace's pods need no index: ObjectSnapshot::list(namespace) finds them in O(log n).

#include <string>
#include <string_view>
#include <vector>

#include "kube/pod.h"

namespace keelson::kube {

/// Pods by the kind of their controller (the owner reference with controller=true), keyed
/// "<namespace>/<Kind>" (podControllerKindKey), e.g. "shop/ReplicaSet". Pods without a
/// controller are in no bucket. The namespace analysis reads only the workload kinds' buckets,
/// so its work grows with the workload pods analysed, not with the namespace's bare pods.
inline constexpr std::string_view kPodsByControllerKind = "controllerKind";

/// The key of kPodsByControllerKind for `kind` in `namespace_name`. Does not throw (but may
/// throw std::bad_alloc).
std::string podControllerKindKey(std::string_view namespace_name, std::string_view kind);

/// The IndexFunc of kPodsByControllerKind: { podControllerKindKey(namespace, controller kind) },
/// or {} for a pod without a controller.
std::vector<std::string> podControllerKindKeys(const Pod& pod);

}  // namespace keelson::kube
