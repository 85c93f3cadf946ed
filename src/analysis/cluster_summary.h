#pragma once

// The cluster part of `keelson capture`: health counts, per-node capacity, allocatable, requests
// and usage, and per-pod figures, computed from one consistent set of API objects. Pure: no I/O.

#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "analysis/pod_totals.h"
#include "kube/metrics.h"
#include "kube/node.h"
#include "kube/objects.h"
#include "kube/pod.h"

namespace keelson::analysis {

/// The API objects one snapshot is computed from (GET /api/v1/nodes, /api/v1/pods and
/// /apis/metrics.k8s.io/v1beta1/{nodes,pods}). `pods` must hold every pod in the cluster, since a
/// node's requests count pods of all namespaces; the per-pod section may still be narrowed.
struct ClusterState {
  std::vector<kube::Node> nodes;
  std::vector<kube::Pod> pods;
  /// metrics.k8s.io NodeMetrics; nullopt when the metrics API could not be read.
  std::optional<std::vector<kube::NodeMetrics>> node_metrics;
  /// metrics.k8s.io PodMetrics; nullopt when the metrics API could not be read.
  std::optional<std::vector<kube::PodMetrics>> pod_metrics;
};

/// Nodes and pods counted by state.
struct ClusterHealth {
  int total_nodes = 0;
  int ready_nodes = 0;             ///< Nodes whose Ready condition is True.
  double node_health_percent = 0;  ///< ready_nodes / total_nodes × 100; 0 with no nodes.
  int total_pods = 0;
  std::map<std::string, int> pods_by_phase;  ///< status.phase → count ("Running", "Pending", ...).
  int healthy_pods = 0;           ///< Pods Running with every container ready, plus Succeeded pods.
  double pod_health_percent = 0;  ///< healthy_pods / total_pods × 100; 0 with no pods.
};

/// metrics.k8s.io usage of a node or pod.
struct Usage {
  kube::ResourceList usage;  ///< cpu and memory, as reported.
  kube::Time timestamp;      ///< The end of the sample's window.
  std::chrono::milliseconds window{0};
};

/// One node's resources as `kubectl describe node` shows them.
struct NodeSummary {
  std::string name;
  bool ready = false;
  bool unschedulable = false;
  std::vector<kube::Taint> taints;
  kube::List<kube::Condition> conditions;
  kube::ResourceList capacity;
  kube::ResourceList allocatable;
  /// Sum of the effective requests (kube::podRequests: containers, init containers, sidecars and
  /// overhead) of the node's non-terminated pods, i.e. pods bound to it whose phase is neither
  /// Succeeded nor Failed -- the pods kubectl's "Allocated resources" counts.
  kube::ResourceList requested;
  kube::ResourceList limits;     ///< Same, for limits.
  kube::ResourceList available;  ///< allocatable − requested, per allocatable resource.
  int pods = 0;                  ///< Non-terminated pods on the node.
  std::optional<Usage> usage;    ///< nullopt when metrics.k8s.io has no sample for the node.
};

/// One pod's figures for the per-pod section.
struct PodSummary {
  std::string namespace_name;
  std::string name;
  std::string phase;
  std::string node;             ///< "" while unscheduled.
  kube::ResourceList requests;  ///< kube::podRequests.
  kube::ResourceList limits;    ///< kube::podLimits.
  int restarts = 0;             ///< Sum of restartCount over containers and init containers.
  int ready_containers = 0;
  int total_containers = 0;    ///< App containers (init containers excluded), as kubectl's READY.
  std::optional<Usage> usage;  ///< Sum over containers; nullopt without metrics.
};

/// The computed cluster section.
struct ClusterSummary {
  ClusterHealth health;
  std::vector<NodeSummary> nodes;  ///< Sorted by name.
  std::vector<PodSummary> pods;    ///< Sorted by namespace, then name.
  bool metrics_available = false;  ///< True when node metrics were read.
};

/// Which pods the per-pod section lists (`capture --namespace NS` or `-A`).
struct PodScope {
  bool list_pods = true;       ///< False: no per-pod section at all.
  std::string namespace_name;  ///< "" lists every namespace; else only this one.
};

/// The same objects as ClusterState, borrowed: pointers into objects the caller keeps alive for
/// the call (an informer's snapshot, or a ClusterState), so a cache is summarised without copying
/// its pods. Null metrics pointers mean the metrics API could not be read.
struct ClusterObjects {
  std::vector<const kube::Node*> nodes;
  std::vector<const kube::Pod*> pods;
  const std::vector<kube::NodeMetrics>* node_metrics = nullptr;
  const std::vector<kube::PodMetrics>* pod_metrics = nullptr;
};

/// Computes the cluster section from `objects`. Counts and node figures always cover the whole
/// cluster; `scope` narrows only the per-pod list. Throws Error(kBadInput) only if a quantity sum
/// overflows (over 9.2e15 units), and Error(kTimeout) "cluster summary cancelled" once `cancel`
/// is requested (checked every 256 pods).
ClusterSummary summarizeCluster(const ClusterObjects& objects, const PodScope& scope = {},
                                const std::stop_token& cancel = {});

/// The same summary with the pod counts and the nodes' requests, limits and pod counts taken
/// from `totals` (the PodTotals of every pod in the cluster, e.g. ClusterTotals::current())
/// instead of from `objects.pods`, which then need hold only the pods `scope` lists (or none):
/// how a cache answers without visiting every pod. Throws like the overload above.
ClusterSummary summarizeCluster(const ClusterObjects& objects, const PodTotals& totals,
                                const PodScope& scope, const std::stop_token& cancel = {});

/// summarizeCluster over every object of `state`.
ClusterSummary summarizeCluster(const ClusterState& state, const PodScope& scope = {});

}  // namespace keelson::analysis
