#pragma once

// The indexes ClusterCache keeps on its pods and core/v1 events informers (Informer::addIndex),
// and their keys. A namespace's pods need no index: ObjectSnapshot::list(namespace) finds them
// in O(log n).

#include <string>
#include <string_view>
#include <vector>

#include "kube/event.h"
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

/// Events by the pod they are about (regarding.kind "Pod"), keyed "<namespace>/<pod name>"
/// (eventPodKey) with the event's own namespace, where the API server files a pod's events. A
/// pod's events are then found without visiting the thousands its namespace may hold (the
/// bucket also holds events of an earlier pod of the same name: check the uid).
inline constexpr std::string_view kEventsByPod = "pod";

/// The key of kEventsByPod for pod `name` in `namespace_name`. Does not throw (but may throw
/// std::bad_alloc).
std::string eventPodKey(std::string_view namespace_name, std::string_view name);

/// The IndexFunc of kEventsByPod: { eventPodKey(event namespace, regarding.name) } for an event
/// about a Pod, else {}.
std::vector<std::string> eventPodKeys(const Event& event);

}  // namespace keelson::kube
