#pragma once

// The cache and cluster series of `keelson serve`'s /metrics, read from the ClusterCache at
// scrape time.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "docs/capture_document.h"
#include "kube/cluster_cache.h"
#include "server/metrics.h"

namespace keelson::api {

/// Registers, on `registry`:
/// - counters keelson_informer_watch_restarts_total, keelson_informer_relists_total,
///   keelson_informer_failures_total, keelson_informer_decode_errors_total and
///   keelson_informer_handler_errors_total {resource}, which
///   follow the informers' own cumulative counts (update() adds what grew since the last call);
/// - gauges computed at scrape time: keelson_cache_objects{resource},
///   keelson_informer_synced{resource} (1/0), keelson_informer_consecutive_failures{resource},
///   keelson_informer_last_contact_timestamp_seconds{resource} (Unix time, 0: never);
/// - in cluster mode, cluster gauges from the cache: keelson_cluster_nodes,
///   keelson_cluster_nodes_ready, keelson_cluster_nodes_unschedulable, keelson_cluster_pods{phase},
///   keelson_cluster_namespaces. In node mode (ClusterCache::nodeMode) none of them: every agent of
///   a DaemonSet would export them, and sum() over the agents would count each object once per
///   node. Instead keelson_node_pods{node,phase}: the node's own pods (each phase, 0 when none).
///
/// `cache` must outlive the registry's use. Thread-safe.
class CacheMetrics {
 public:
  CacheMetrics(server::Registry& registry, const kube::ClusterCache& cache);
  CacheMetrics(const CacheMetrics&) = delete;
  CacheMetrics& operator=(const CacheMetrics&) = delete;

  /// Brings the counters up to the informers' counts. Call before each serialize().
  void update();

 private:
  struct Seen {
    std::uint64_t watch_restarts = 0;
    std::uint64_t relists = 0;
    std::uint64_t failures = 0;
    std::uint64_t decode_errors = 0;
    std::uint64_t handler_errors = 0;
  };
  const kube::ClusterCache& cache_;
  server::CounterFamily& watch_restarts_;
  server::CounterFamily& relists_;
  server::CounterFamily& failures_;
  server::CounterFamily& decode_errors_;
  server::CounterFamily& handler_errors_;
  std::mutex mutex_;
  std::map<std::string, Seen> seen_;  // by resource
};

/// The latest host capture, or null when there is none (yet).
using LatestHostCapture = std::function<std::shared_ptr<const docs::HostCapture>()>;

/// Registers host gauges computed at scrape time from the latest capture (no samples before
/// the first one): keelson_host_cpu_usage_percent, keelson_host_load_average{period="1m"|"5m"|
/// "15m"}, keelson_host_memory_total_bytes, keelson_host_memory_available_bytes,
/// keelson_host_memory_used_bytes, keelson_host_swap_used_bytes,
/// keelson_host_filesystem_size_bytes and keelson_host_filesystem_available_bytes
/// {mountpoint,device,fstype}, keelson_host_capture_timestamp_seconds. `latest` must be
/// thread-safe.
void registerHostGauges(server::Registry& registry, LatestHostCapture latest);

}  // namespace keelson::api
