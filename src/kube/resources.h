#pragma once

// A pod's effective resource requests and limits, computed the way kube-scheduler
// (NodeResourcesFit) and `kubectl describe node` do: k8s.io/component-helpers/resource
// PodRequests / PodLimits, which follow the sidecar KEP (753):
//
//   containers = Σ app containers + Σ restartable (sidecar) init containers
//   init       = max over init containers i of
//                  sidecar i:  Σ sidecars up to and including i
//                  ordinary i: requests(i) + Σ sidecars declared before i
//   pod        = max(containers, init) per resource, then pod-level spec.resources (cpu,
//                memory, hugepages-*) replace the container sum when set, then + spec.overhead
//                (limits: overhead is added only to limits that are set and non-zero).
//
// A resource missing from a container counts as absent, not zero; it appears in the result as
// soon as any container (or the overhead) names it. In-place resize status (UseStatusResources)
// and DRA claim resources are not modelled: the spec is the source of truth.

#include "kube/objects.h"
#include "kube/pod.h"

namespace keelson::kube {

/// Options of podRequests / podLimits (a subset of PodResourcesOptions).
struct PodResourcesOptions {
  /// Leave spec.overhead out.
  bool exclude_overhead = false;
  /// Ignore pod-level spec.resources.
  bool skip_pod_level_resources = false;
  /// Requests only: values used for containers that do not request a resource at all (an
  /// explicit zero is kept), e.g. the scheduler's scoring defaults cpu=100m, memory=200Mi.
  ResourceList non_missing_container_requests;
};

/// The pod's effective requests per resource (see the rule above). Pure; throws
/// Error(kBadInput) only if a sum overflows Quantity's range.
ResourceList podRequests(const Pod& pod, const PodResourcesOptions& options = {});

/// The pod's effective limits per resource; a resource no container limits is absent
/// (unlimited). Pure; throws Error(kBadInput) only on overflow.
ResourceList podLimits(const Pod& pod, const PodResourcesOptions& options = {});

}  // namespace keelson::kube
