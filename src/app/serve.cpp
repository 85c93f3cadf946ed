#include "app/serve.h"

#include <cmath>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "analysis/pod_totals.h"
#include "api/metrics.h"
#include "api/routes.h"
#include "api/serve_routes.h"
#include "app/cluster_access.h"
#include "app/serve_host.h"
#include "core/log.h"
#include "core/memory.h"
#include "kube/cluster_cache.h"

namespace keelson::app {
namespace {

void waitForStop(std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait(lock, std::move(stop), [] { return false; });
}

}  // namespace

int runServe(const ServeOptions& options, std::stop_token stop) {
  // A large cluster's documents are megabytes: their buffers go back to the kernel when freed.
  core::mapLargeAllocations(core::kLargeAllocationBytes);
  const ClusterAccess access(options.kube, ClientProfile::kService, options.api_timeout);
  const kube::ClusterConfig& config = access.config();
  const kube::Client& client = access.client();
  kube::ClusterCacheOptions cache_options;
  cache_options.node_name = options.node_name;
  // /api/v1/cluster's counts, kept by the pods informer's handlers; declared first, so that it
  // outlives the cache's threads.
  analysis::ClusterTotals totals;
  const auto cache_owner = access.makeCache(cache_options);
  kube::ClusterCache& cache = *cache_owner;
  cache.addPodHandlers(totals.handlers());

  HostSampler host(options.host, options.host_refresh);
  api::NodeMetricsSampler node_metrics(client, options.metrics_refresh, options.node_name);

  api::ReadinessPolicy readiness;
  readiness.backoff = cache_options.backoff;
  // A retry that cannot connect fails within the connect timeout.
  readiness.grace = transportOptions(ClientProfile::kService, options.api_timeout).connect_timeout +
                    std::chrono::seconds(2);
  readiness.max_staleness = options.max_staleness;
  const auto cache_age_seconds = [&cache, readiness]() -> std::optional<double> {
    const auto age = api::cacheAge(cache.freshness(), std::chrono::system_clock::now(), readiness);
    if (!age) return std::nullopt;
    return std::chrono::duration<double>(*age).count();
  };

  auto registry = std::make_shared<server::Registry>();
  api::CacheMetrics cache_metrics(*registry, cache);
  registry->callbackGauge("keelson_cache_staleness_seconds",
                          "How far the cache may lag the API server: 0 while every watch is "
                          "connected, else the time since the oldest broken watch broke "
                          "(absent before the first sync).",
                          {}, [cache_age_seconds] {
                            std::vector<server::GaugeSample> out;
                            if (const auto age = cache_age_seconds()) out.push_back({{}, *age});
                            return out;
                          });
  if (options.serve_host)
    api::registerHostGauges(*registry, [&host] { return host.latestCapture(); });
  server::Router router;
  api::ServeRouteSources sources;
  sources.readiness = [&cache, readiness] {
    return api::readinessReasons(cache.statuses(), std::chrono::system_clock::now(), readiness);
  };
  sources.metrics = [registry, &cache_metrics] {
    cache_metrics.update();
    return registry->serialize();
  };
  if (options.serve_host) sources.host = [&host] { return host.latestDocument(); };
  sources.node_metrics = [&node_metrics] { return node_metrics.latest(); };
  sources.node_name = options.node_name;
  sources.pod_restart_threshold = options.pod_restart_threshold;
  api::addServeRoutes(router, cache, totals, std::move(sources));
#ifdef KEELSON_TEST_HOOKS
  if (options.test_handler_delay.count() > 0) {
    router.get("/api/v1/test/slow", [delay = options.test_handler_delay](const server::Request&) {
      std::this_thread::sleep_for(delay);
      return server::Response::ok({{"slept", true}});
    });
  }
#endif

  server::ServerOptions server_options = options.server;
  server_options.registry = registry;
  server_options.metadata = [cache_age_seconds] {
    const auto age = cache_age_seconds();
    // Milliseconds precision: the cache's age in seconds, null before the first sync.
    return nlohmann::json{
        {"cacheAge", age ? nlohmann::json(std::round(*age * 1000.0) / 1000.0) : nlohmann::json()}};
  };
  applySecurity(options.security, client, config.source.starts_with("in-cluster"), server_options);
  server::Server server(server_options, std::move(router));

  cache.start();
  if (options.serve_host) host.start();
  node_metrics.start();
  server.start();
  core::logEvent(spdlog::level::info, "keelson serve: listening",
                 {{"scheme", server_options.tls ? "https" : "http"},
                  {"address", server_options.address},
                  {"port", server.port()},
                  {"api_server", config.server},
                  {"config_source", config.source},
                  {"node", options.node_name}});

  waitForStop(std::move(stop));
  core::logEvent(spdlog::level::info, "keelson serve: stopping",
                 {{"drain_ms", options.drain.count()}});
  server.stop(options.drain);
  host.stop();
  node_metrics.stop();
  cache.stop();
  core::logEvent(spdlog::level::info, "keelson serve: stopped");
  return 0;
}

}  // namespace keelson::app
