#pragma once
// keelson serve's routes over a cache that is never started, for tests of the routes as a set.

#include "analysis/pod_totals.h"
#include "api/serve_routes.h"
#include "kube/cluster_cache.h"
#include "server/server.h"

namespace keelson::api::testing {

/// Every route keelson serve registers (addServeRoutes), with no sources behind them.
inline server::Router serveRouter(const kube::ClusterCache& cache) {
  static const analysis::ClusterTotals totals;
  server::Router router;
  addServeRoutes(router, cache, totals, {});
  return router;
}

}  // namespace keelson::api::testing
