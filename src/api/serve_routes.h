#pragma once
// Every route of `keelson serve`, in one place, so that the server and the tests that check the
// API's description (docs/openapi.json) see the same set.

#include <functional>
#include <string>

#include "analysis/pod_totals.h"
#include "api/routes.h"
#include "api/utilization.h"
#include "kube/cluster_cache.h"
#include "server/server.h"

namespace keelson::api {

/// What serve's routes read besides the cache and the totals.
struct ServeRouteSources {
  server::ReadinessCheck readiness;  ///< /readyz's reasons (null: always ready).
  /// /metrics' body in the Prometheus text format 0.0.4 (called per scrape; thread-safe).
  std::function<std::string()> metrics;
  HostDocument host;               ///< /api/v1/host (empty: host sampling disabled).
  NodeMetricsSource node_metrics;  ///< /api/v1/nodes/{node}/utilization.
  std::string node_name;           ///< Node mode's node ("" in cluster mode).
  int pod_restart_threshold = 5;   ///< POD_RESTART_THRESHOLD of the namespace analysis.
};

/// Adds /healthz and /readyz (server::addHealthRoutes), /metrics (`get` on the non-resource
/// URL), the API routes (addApiRoutes, addUtilizationRoute) and /openapi.json
/// (addOpenApiRoute). `cache` and `totals` must outlive the router.
void addServeRoutes(server::Router& router, const kube::ClusterCache& cache,
                    const analysis::ClusterTotals& totals, ServeRouteSources sources);

}  // namespace keelson::api
