#pragma once
// The items of the agent's metric batches (docs/protocol.md, "Metric items"): one per pod, one
// per node, one per Warning event since the previous collection. Quantities are Kubernetes
// quantity text ("500m", "256Mi"); usage is in millicores and bytes.
//
//   {"type": "pod", "namespace", "name", "node", "phase", "restarts", "readyContainers",
//    "containers", "requests": {...}, "limits": {...},
//    "cpuMillicores", "memoryBytes"  (only with metrics.k8s.io), "timestamp"}
//   {"type": "node", "name", "ready", "unschedulable", "capacity": {...}, "allocatable": {...},
//    "requested": {...}, "pods", "cpuMillicores", "memoryBytes" (with metrics), "timestamp"}
//   {"type": "event", "namespace", "kind", "name", "reason", "message", "count", "lastTimestamp"}

#include <nlohmann/json.hpp>
#include <vector>

#include "analysis/cluster_summary.h"
#include "kube/event.h"

namespace keelson::link {

/// The pod and node items of `summary` at `at` (pods in the summary's order, then nodes).
std::vector<nlohmann::json> clusterItems(const analysis::ClusterSummary& summary, kube::Time at);

/// An item for each event whose latest occurrence is after `since`.
std::vector<nlohmann::json> eventItems(const std::vector<kube::Event>& events, kube::Time since);

/// `items` cut into JSON arrays (as text) of at most `batch_size` (>= 1) items each.
std::vector<std::string> batches(const std::vector<nlohmann::json>& items, std::size_t batch_size);

}  // namespace keelson::link
