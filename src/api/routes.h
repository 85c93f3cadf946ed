#pragma once

// The routes of `keelson serve` over the cluster cache: /api/v1/cluster,
// /api/v1/cluster/pod-issues, /api/v1/pods/{ns}/{pod}/scheduling (and /explain), /resources,
// /describe, /failure-events and /health-score, /api/v1/namespace/{ns}/error, /api/v1/host. Every
// handler answers from the cache; none calls the API server.

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/pod_totals.h"
#include "kube/cluster_cache.h"
#include "server/server.h"

namespace keelson::api {

/// How the cache's age is judged: which informers are failing, and how old the cache may grow
/// before the agent stops being ready.
struct ReadinessPolicy {
  kube::InformerBackoff backoff;  ///< The informers' backoff (ClusterCacheOptions::backoff).
  /// Slack after the longest backoff wait: the retry's connect timeout plus scheduling slack.
  std::chrono::milliseconds grace{12000};
  /// --max-staleness: a synced cache older than this is not ready.
  std::chrono::milliseconds max_staleness{std::chrono::minutes(5)};
};

/// How far one informer's cache may lag the API server: 0 while it is connected, else the time
/// since its watch broke (InformerStatus::failing_since); nullopt before its first list. An
/// informer is failing when its last attempt failed after its last contact and that failure is
/// recent: no older than the longest backoff wait for its failure count plus `policy.grace`. An
/// informer whose last failure is older has retried since without failing, i.e. its watch is
/// connected (a quiet collection sends nothing until an event or bookmark, so consecutive_failures
/// alone would stay stale). Pure.
std::optional<std::chrono::milliseconds> informerStaleness(
    const kube::InformerFreshness& status, std::chrono::system_clock::time_point now,
    const ReadinessPolicy& policy = {});

/// The cache's age: the largest informerStaleness; nullopt while an informer has never listed.
/// Pure. `statuses` as ClusterCache::freshness() gives them.
std::optional<std::chrono::milliseconds> cacheAge(
    const std::vector<kube::InformerFreshness>& statuses, std::chrono::system_clock::time_point now,
    const ReadinessPolicy& policy = {});

/// Why the cache is not ready, one line per informer; empty when ready. Ready means every
/// informer has listed once and none is staler than `policy.max_staleness`: during an API server
/// outage the cache keeps answering (every answer carries its age) until it is that old. Pure.
std::vector<std::string> readinessReasons(const std::vector<kube::InformerStatus>& statuses,
                                          std::chrono::system_clock::time_point now,
                                          const ReadinessPolicy& policy = {});

/// Pods per page of /api/v1/cluster/pod-issues without ?limit, and the largest ?limit.
inline constexpr std::size_t kDefaultPodIssuesLimit = 100;
inline constexpr std::size_t kMaxPodIssuesLimit = 1000;

/// The latest host document, or null when there is none yet. An empty function means host
/// sampling is disabled.
using HostDocument = std::function<std::shared_ptr<const nlohmann::json>()>;

/// Adds to `router`:
/// - GET /api/v1/cluster: the capture's cluster section (docs::toJson(ClusterSummary)) computed
///   from the cached nodes and `totals` (the pod counts and per-node sums the pods informer's
///   handlers keep), without usage, so that no pod is visited unless listed; `?namespace=NS`
///   lists NS's pods, `?allNamespaces=true` every pod.
/// - GET /api/v1/cluster/pod-issues: cachedClusterPodIssuesDocument (cache_documents.h): every
///   pod's issues (podIssues with `pod_restart_threshold`), grouped by type; `?namespace=NS`
///   narrows the scope, `?severity=critical|warning` and `?type=<issue type>` filter the issues,
///   `?limit=N` (1 to kMaxPodIssuesLimit, default kDefaultPodIssuesLimit) and `?continue=TOKEN`
///   (the previous page's `continue`) page through the pods. 400 for a bad parameter.
/// - GET /api/v1/pods/{ns}/{pod}/scheduling: SharedSchedulingState::document
///   (cache_documents.h): the analysis reads the cache's objects in place, over the nodes'
///   NodeInfos built once per cache change rather than per request; the serialised answer is
///   kept per pod object until the cache's objects or events change (KeptPodDocuments).
/// - GET /api/v1/pods/{ns}/{pod}/scheduling/explain: schedulingExplanation
///   (scheduling_explanation.h) of that document, in plain language, kept the same way.
/// - GET /api/v1/pods/{ns}/{pod}/resources: resourcesDocument.
/// - GET /api/v1/pods/{ns}/{pod}/describe: podDescribeDocument (pod_describe.h) with the pod's
///   events (cachedPodEvents); the serialised answer is kept per pod object until the cache's
///   events change (KeptPodDocuments).
/// - GET /api/v1/pods/{ns}/{pod}/failure-events: failureEventsDocument (diagnose_documents.h)
///   of the pod's core/v1 events (cachedPodEvents), at the time of the request.
/// - GET /api/v1/pods/{ns}/{pod}/health-score: healthScoreDocument (diagnose_documents.h) of the
///   pod and its core/v1 events (cachedPodEvents), at the time of the request.
/// - GET /api/v1/namespace/{ns}/error: namespaceErrorDocument with `pod_restart_threshold`
///   (POD_RESTART_THRESHOLD); 404 RESOURCE_NOT_FOUND for a namespace not in the cache, 400 for a
///   name that is not a DNS label.
/// - GET /api/v1/host: the latest host document (503 before the first one; 503 saying host
///   sampling is disabled when `host` is empty).
/// Pod routes answer 400 BAD_REQUEST for a namespace that is not a DNS label or a pod name that
/// is not a DNS subdomain, 404 RESOURCE_NOT_FOUND for a pod not in the cache (saying so when the
/// cache holds only `node_name`'s pods) and 503 SERVICE_UNAVAILABLE while the cache has not synced.
/// In node mode (`cache.nodeMode()`, with `node_name` its node) the routes computed from the
/// whole cluster (cluster, pod-issues, scheduling and its explanation, namespace errors) answer 409
/// CONFLICT whose message names node mode and the cluster-wide agent
/// (ClusterCache::requireClusterMode); describe, failure-events and health-score list the pod's
/// events from the API server (one request each; 503/504 when it cannot answer). `cache` and
/// `totals` (whose handlers must have been added to the cache's pods informer,
/// ClusterCache::addPodHandlers) must outlive the router.
void addApiRoutes(server::Router& router, const kube::ClusterCache& cache,
                  const analysis::ClusterTotals& totals, HostDocument host,
                  std::string node_name = {}, int pod_restart_threshold = 5);

}  // namespace keelson::api
