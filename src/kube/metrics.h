#pragma once

// Typed views of the resource metrics API (metrics-server):
//   metrics.k8s.io/v1beta1 NodeMetrics  GET /apis/metrics.k8s.io/v1beta1/nodes
//   metrics.k8s.io/v1beta1 PodMetrics   GET /apis/metrics.k8s.io/v1beta1/pods
// Usage is "cpu" (often in nanocores, "153736287n", rounded up to millicores by Quantity) and
// "memory" (working set bytes, usually "1402736Ki").

#include <chrono>
#include <string>
#include <vector>

#include "kube/objects.h"

namespace keelson::kube {

/// metrics.k8s.io NodeMetrics.
struct NodeMetrics {
  ObjectMeta metadata;                  ///< name is the node's name.
  Time timestamp;                       ///< End of the sampling window.
  std::chrono::milliseconds window{0};  ///< Sampling window ("20.035s" → 20035ms, rounded).
  ResourceList usage;
};

/// PodMetrics.containers[].
struct ContainerMetrics {
  std::string name;
  ResourceList usage;
};

/// metrics.k8s.io PodMetrics.
struct PodMetrics {
  ObjectMeta metadata;  ///< name and namespace are the pod's.
  Time timestamp;
  std::chrono::milliseconds window{0};
  std::vector<ContainerMetrics> containers;
};

}  // namespace keelson::kube
