#pragma once

// The pod and namespace documents computed from a kube::ClusterCache, shared by `keelson serve`'s
// routes (serve_routes.cpp) and `keelson diagnose` (which runs a ClusterCache of its own), so
// both answer from the same code. Nothing here calls the API server.

#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "analysis/namespace_errors.h"
#include "analysis/scheduling.h"
#include "kube/cluster_cache.h"
#include "kube/event.h"
#include "kube/pod.h"

namespace keelson::app {

/// The SchedulingSnapshot of the cache's current nodes, pods, PVCs, PVs, storage classes and
/// namespaces, rebuilt only when one of them changed (informer snapshots are immutable and
/// replaced on change, so pointer identity is version identity). Thread-safe; `cache` must
/// outlive it.
class SchedulingSnapshots {
 public:
  explicit SchedulingSnapshots(const kube::ClusterCache& cache) : cache_(cache) {}

  /// The current snapshot (shared with other callers until something changes).
  std::shared_ptr<const analysis::SchedulingSnapshot> get();

 private:
  template <class T>
  using Snap = std::shared_ptr<const kube::ObjectSnapshot<T>>;
  using Key =
      std::tuple<Snap<kube::Node>, Snap<kube::Pod>, Snap<kube::PersistentVolumeClaim>,
                 Snap<kube::PersistentVolume>, Snap<kube::StorageClass>, Snap<kube::Namespace>>;

  const kube::ClusterCache& cache_;
  std::mutex mutex_;
  Key key_;
  std::shared_ptr<const analysis::SchedulingSnapshot> built_;
};

/// The cached pod `namespace_name`/`name`, or nullopt when the cache does not hold it. Throws
/// Error(kBadInput) when the namespace is not an RFC 1123 label or the name not an RFC 1123
/// subdomain.
std::optional<kube::Pod> cachedPod(const kube::ClusterCache& cache, std::string_view namespace_name,
                                   std::string_view name);

/// The cached core/v1 events of `pod` (podEvents: oldest first).
std::vector<kube::Event> cachedPodEvents(const kube::ClusterCache& cache, const kube::Pod& pod);

/// schedulingDocument (serve_pods.h) of `pod` against the cache's current objects.
nlohmann::json cachedSchedulingDocument(const kube::ClusterCache& cache,
                                        SchedulingSnapshots& snapshots, const kube::Pod& pod);

/// failureEventsDocument (diagnose_documents.h) of `pod` and its cached events at `now`.
nlohmann::json cachedFailureEventsDocument(const kube::ClusterCache& cache, const kube::Pod& pod,
                                           kube::Time now);

/// namespaceErrorDocument of `namespace_name` from the cached pods, ReplicaSets and events at
/// `now`; nullopt when the cache holds no such namespace. Throws Error(kBadInput) on a name that
/// is not an RFC 1123 label. In DaemonSet mode (ClusterCacheOptions::node_name) the cache holds
/// only one node's pods, so only those are analyzed.
std::optional<nlohmann::json> cachedNamespaceErrorDocument(
    const kube::ClusterCache& cache, std::string_view namespace_name,
    const analysis::NamespaceErrorOptions& options, kube::Time now);

}  // namespace keelson::app
