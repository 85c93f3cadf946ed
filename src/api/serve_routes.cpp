#include "api/serve_routes.h"

#include <utility>

#include "api/openapi.h"

namespace keelson::api {

void addServeRoutes(server::Router& router, const kube::ClusterCache& cache,
                    const analysis::ClusterTotals& totals, ServeRouteSources sources) {
  server::addHealthRoutes(router, std::move(sources.readiness));
  router.get("/metrics", [metrics = std::move(sources.metrics)](const server::Request&) {
    return server::Response::text(metrics ? metrics() : std::string(),
                                  std::string(server::kPrometheusContentType));
  });
  addApiRoutes(router, cache, totals, std::move(sources.host), sources.node_name,
               sources.pod_restart_threshold);
  addUtilizationRoute(router, cache, std::move(sources.node_metrics));
  addOpenApiRoute(router);
}

}  // namespace keelson::api
