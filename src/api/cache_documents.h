#pragma once

// The pod and namespace documents computed from a kube::ClusterCache, shared by `keelson serve`'s
// routes (serve_routes.cpp) and `keelson diagnose` (which runs a ClusterCache of its own), so
// both answer from the same code. Nothing here calls the API server, except for a pod's events
// in node mode (cachedPodEvents).

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <stop_token>
#include <string_view>
#include <vector>

#include "analysis/namespace_errors.h"
#include "analysis/scheduling.h"
#include "core/error.h"
#include "kube/cluster_cache.h"
#include "kube/event.h"
#include "kube/pod.h"

namespace keelson::api {

/// The cached pod `namespace_name`/`name`, or nullopt when the cache does not hold it. Throws
/// Error(kBadInput) when the namespace is not an RFC 1123 label or the name not an RFC 1123
/// subdomain.
std::optional<kube::Pod> cachedPod(const kube::ClusterCache& cache, std::string_view namespace_name,
                                   std::string_view name);

/// The core/v1 events of `pod` (podEvents: oldest first): from the events informer in cluster
/// mode; in node mode, which caches no events, listed from the API server by the pod's uid
/// (ClusterCache::listPodEvents: one request, throws what it throws; `cancel` aborts it).
std::vector<kube::Event> cachedPodEvents(const kube::ClusterCache& cache, const kube::Pod& pod,
                                         std::stop_token cancel = {});

/// schedulingDocument (serve_pods.h) of `pod` against the cache's current objects, analysed in
/// place through a SchedulingView (nothing is copied, so a busy cluster's constant pod updates
/// cost nothing extra here). The analysis weighs every node and every pod, so it throws
/// Error(kConflict) in node mode (ClusterCache::requireClusterMode).
nlohmann::json cachedSchedulingDocument(const kube::ClusterCache& cache, const kube::Pod& pod);

/// failureEventsDocument (diagnose_documents.h) of `pod` and its events (cachedPodEvents, which
/// throws what it throws) at `now`.
nlohmann::json cachedFailureEventsDocument(const kube::ClusterCache& cache, const kube::Pod& pod,
                                           kube::Time now, std::stop_token cancel = {});

/// namespaceErrorDocument of `namespace_name` from the cached pods, ReplicaSets and events at
/// `now`; nullopt when the cache holds no such namespace. The namespace's pods run on every
/// node, so it throws Error(kConflict) in node mode (ClusterCache::requireClusterMode); then
/// Error(kBadInput) on a name that is not an RFC 1123 label. Throws Error(kTimeout) once
/// `cancel` is requested (checked before and after the analysis). Reads the cache in place: only
/// the namespace's pods of workload controllers (kube::kPodsByControllerKind), its ReplicaSets
/// and its events are visited, and only problematic pods' events are copied.
std::optional<nlohmann::json> cachedNamespaceErrorDocument(
    const kube::ClusterCache& cache, std::string_view namespace_name,
    const analysis::NamespaceErrorOptions& options, kube::Time now, std::stop_token cancel = {});

}  // namespace keelson::api
