#pragma once

// `keelson serve`: the in-cluster diagnosis API. A ClusterCache (list+watch informers) feeds the
// HTTP server's routes; background threads sample the host and list metrics.k8s.io node metrics.

#include <chrono>
#include <stop_token>
#include <string>

#include "app/capture.h"
#include "app/serve_security.h"
#include "kube/cluster_config.h"
#include "server/server.h"

namespace keelson::app {

/// Everything `keelson serve` is configured with (flags and the spec's environment variables).
struct ServeOptions {
  kube::ConfigOptions kube;                      ///< --kubeconfig, --context, in-cluster.
  std::chrono::milliseconds api_timeout{30000};  ///< K8S_TIMEOUT: one API list request.
  std::string node_name;          ///< --node: node mode (ClusterCacheOptions::node_name).
  server::ServerOptions server;   ///< PORT, READ_TIMEOUT, WRITE_TIMEOUT, deadline.
  ServeSecurityOptions security;  ///< TLS and delegated authentication/authorisation.
  /// --max-staleness: after its first sync the cache stays ready (and keeps answering) during
  /// an API server outage until it is this old.
  std::chrono::milliseconds max_staleness{std::chrono::minutes(5)};
  int pod_restart_threshold = 5;                  ///< POD_RESTART_THRESHOLD (namespace analysis).
  HostCaptureOptions host;                        ///< --host-root and the sampling interval.
  bool serve_host = true;                         ///< Sample the host for /api/v1/host.
  std::chrono::milliseconds host_refresh{15000};  ///< Between host captures.
  std::chrono::milliseconds metrics_refresh{15000};  ///< Between metrics.k8s.io node listings.
  /// Test builds (KEELSON_TEST_HOOKS) only: when > 0, GET /api/v1/test/slow sleeps this long
  /// before answering, so tests can exceed the request deadline.
  std::chrono::milliseconds test_handler_delay{0};
  std::chrono::milliseconds drain{5000};  ///< SIGTERM: how long in-flight requests may finish.
};

/// Runs the server until `stop` is requested: loads the cluster configuration, starts the
/// cache, the host sampler and the server (which answers at once; /readyz is 503 until the
/// cache has synced, then while the cache is younger than `options.max_staleness`; every
/// envelope's metadata carries the cache's age as "cacheAge", in seconds), then on stop shuts the
/// server down gracefully (stop accepting, finish in-flight requests within `options.drain`),
/// then the cache. Returns the exit code (0). Throws Error when the configuration, a certificate
/// or the security flags cannot be loaded, or the port cannot be bound.
int runServe(const ServeOptions& options, std::stop_token stop);

}  // namespace keelson::app
