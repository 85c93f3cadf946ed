#pragma once

// GET /api/v1/nodes/{node}/utilization: a node's usage from the resource metrics API
// (metrics.k8s.io/v1beta1 NodeMetrics, GET /apis/metrics.k8s.io/v1beta1/nodes, served by
// metrics-server) as a percentage of the node's capacity and allocatable (status.capacity and
// status.allocatable from the cached Node). Requests never call the API server: the metrics are
// listed on a background thread (NodeMetricsSampler) and the route reads the latest list.

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/background_sampler.h"
#include "kube/client.h"
#include "kube/cluster_cache.h"
#include "kube/metrics.h"
#include "kube/node.h"
#include "server/server.h"

namespace keelson::api {

/// One listing of metrics.k8s.io NodeMetrics.
struct NodeMetricsSample {
  std::vector<kube::NodeMetrics> nodes;              ///< Sorted by node name.
  std::chrono::system_clock::time_point fetched_at;  ///< When the list was answered (or failed).
  /// Why the list failed ("metrics.k8s.io is not served ..." for a 404 or 503 of the aggregation
  /// layer, else the API error); empty when it succeeded.
  std::string error;

  /// The node's metrics, or nullptr when metrics-server has no sample for it.
  const kube::NodeMetrics* find(std::string_view node_name) const noexcept;
};

/// Lists GET /apis/metrics.k8s.io/v1beta1/nodes once: every node's metrics, or with `node_name`
/// (node mode) that node's only (fieldSelector=metadata.name=<node_name>, which metrics-server
/// filters, so that a DaemonSet's agents do not each list every node). Never throws for API or
/// network failures: they are returned in `error`, so the route can answer 503 with the reason.
NodeMetricsSample sampleNodeMetrics(const kube::Client& client, const std::string& node_name = {});

/// sampleNodeMetrics(client, node_name) every `refresh` on the thread "serve-metrics". `client`
/// must outlive it.
class NodeMetricsSampler : public core::BackgroundSampler<NodeMetricsSample> {
 public:
  NodeMetricsSampler(const kube::Client& client, std::chrono::milliseconds refresh,
                     std::string node_name = {})
      : core::BackgroundSampler<NodeMetricsSample>(
            "serve-metrics", refresh,
            [&client, node = std::move(node_name)] { return sampleNodeMetrics(client, node); }) {}
};

/// The utilization document, in the spec's field names: nodeName; cpuUsage, cpuCapacity,
/// cpuAllocatable (canonical quantities, "500m"); cpuPercentage (usage / capacity × 100, as the
/// spec) and cpuAllocatablePercentage (usage / allocatable × 100); the same five for memory
/// (bytes, "2Gi"); timestamp (the end of metrics-server's sampling window, RFC 3339),
/// window (Go duration, "10s") and windowSeconds; fetchedAt (when keelson listed it). A
/// percentage whose denominator is missing or zero is null.
nlohmann::json utilizationDocument(const kube::Node& node, const kube::NodeMetrics& metrics,
                                   std::chrono::system_clock::time_point fetched_at);

/// The latest NodeMetricsSample, or null before the first listing completed.
using NodeMetricsSource = std::function<std::shared_ptr<const NodeMetricsSample>()>;

/// Adds GET /api/v1/nodes/{node}/utilization: 400 BAD_REQUEST for a name that is not a DNS
/// subdomain; 503 SERVICE_UNAVAILABLE while the cache has not synced, before the first listing,
/// when the metrics API failed or is not served (details say why) or has no sample for the node
/// yet; 404 RESOURCE_NOT_FOUND for a node not in the cache, or in node mode 409 CONFLICT for
/// another node than the agent's (ClusterCache::requireClusterMode); else utilizationDocument.
/// `cache` must outlive the router.
void addUtilizationRoute(server::Router& router, const kube::ClusterCache& cache,
                         NodeMetricsSource metrics);

}  // namespace keelson::api
