#pragma once
// The health port of a long-running mode (agent, scheduler): GET /healthz ("ok" while the
// process serves), /readyz (the mode's readiness document, 200 when ready, else 503) and
// /metrics (its registry, Prometheus text), unauthenticated, on a small server of its own.

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "server/metrics.h"
#include "server/server.h"

namespace keelson::app {

/// What /readyz answers: the status code follows `ready`; `body` is the JSON document.
struct Readiness {
  bool ready = false;
  nlohmann::json body;
};

/// Options of the health server on `address`:`port` (0: any free port) with one I/O thread and
/// one worker, exporting `registry` on /metrics.
server::ServerOptions healthServerOptions(const std::string& address, std::uint16_t port,
                                          std::shared_ptr<server::Registry> registry);

/// /healthz, /readyz (from `readiness`, called on each request on the server's thread: it must
/// be thread-safe) and /metrics (`registry`, which must outlive the router).
server::Router healthRoutes(std::function<Readiness()> readiness,
                            std::shared_ptr<const server::Registry> registry);

}  // namespace keelson::app
