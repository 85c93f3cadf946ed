#pragma once

// The cache and cluster series of `keelson serve`'s /metrics, read from the ClusterCache at
// scrape time.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "kube/cluster_cache.h"
#include "server/metrics.h"

namespace keelson::app {

/// Registers, on `registry`:
/// - counters keelson_informer_watch_restarts_total, keelson_informer_relists_total,
///   keelson_informer_failures_total and keelson_informer_decode_errors_total {resource}, which
///   follow the informers' own cumulative counts (update() adds what grew since the last call);
/// - gauges computed at scrape time: keelson_cache_objects{resource},
///   keelson_informer_synced{resource} (1/0), keelson_informer_consecutive_failures{resource},
///   keelson_informer_last_contact_timestamp_seconds{resource} (Unix time, 0: never);
/// - cluster gauges from the cache: keelson_cluster_nodes, keelson_cluster_nodes_ready,
///   keelson_cluster_nodes_unschedulable, keelson_cluster_pods{phase}, keelson_cluster_namespaces.
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
  };
  const kube::ClusterCache& cache_;
  server::CounterFamily& watch_restarts_;
  server::CounterFamily& relists_;
  server::CounterFamily& failures_;
  server::CounterFamily& decode_errors_;
  std::mutex mutex_;
  std::map<std::string, Seen> seen_;  // by resource
};

}  // namespace keelson::app
