#pragma once
// Typed view of the kubelet's Summary API (stats/v1alpha1 Summary), read through the API server's
// node proxy: GET /api/v1/nodes/{node}/proxy/stats/summary (RBAC: get on nodes/proxy). Only the
// per-pod network counters keelson uses are decoded; other fields are skipped.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace keelson::kube {

/// Counters of a pod's network interface, cumulative since the pod's sandbox started.
struct NetworkCounters {
  std::uint64_t rx_bytes = 0;   ///< rxBytes
  std::uint64_t tx_bytes = 0;   ///< txBytes
  std::uint64_t rx_errors = 0;  ///< rxErrors
  std::uint64_t tx_errors = 0;  ///< txErrors
};

/// One entry of Summary.pods.
struct PodStats {
  std::string namespace_name;  ///< podRef.namespace
  std::string name;            ///< podRef.name
  std::string uid;             ///< podRef.uid
  /// .network's inline counters: the pod's default interface (eth0), as the kubelet reports them;
  /// nullopt when the kubelet has no network stats for the pod (e.g. hostNetwork pods).
  std::optional<NetworkCounters> network;
};

/// The decoded Summary document.
struct StatsSummary {
  std::string node_name;  ///< node.nodeName
  std::vector<PodStats> pods;
};

}  // namespace keelson::kube
