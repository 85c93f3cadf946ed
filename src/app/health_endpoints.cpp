#include "app/health_endpoints.h"

#include <utility>

namespace keelson::app {

server::ServerOptions healthServerOptions(const std::string& address, std::uint16_t port,
                                          std::shared_ptr<server::Registry> registry) {
  server::ServerOptions o;
  o.address = address;
  o.port = port;
  o.io_threads = 1;
  o.worker_threads = 1;
  o.registry = std::move(registry);
  return o;
}

server::Router healthRoutes(std::function<Readiness()> readiness,
                            std::shared_ptr<const server::Registry> registry) {
  server::Router router;
  const server::RouteOptions open{server::Lane::kInline, true, {}};
  router.get(
      "/healthz",
      [](const server::Request&) { return server::Response::text("ok\n", "text/plain"); }, open);
  router.get(
      "/readyz",
      [readiness = std::move(readiness)](const server::Request&) {
        const Readiness r = readiness();
        return server::Response::text(r.body.dump() + "\n", "application/json",
                                      r.ready ? 200 : 503);
      },
      open);
  router.get(
      "/metrics",
      [registry = std::move(registry)](const server::Request&) {
        return server::Response::text(registry->serialize(),
                                      std::string(server::kPrometheusContentType));
      },
      open);
  return router;
}

}  // namespace keelson::app
