#include "api/routes.h"

#include <fmt/format.h>

#include <charconv>
#include <memory>
#include <utility>

#include "analysis/cluster_summary.h"
#include "api/cache_documents.h"
#include "docs/capture_document.h"
#include "docs/pod_describe.h"
#include "docs/pod_documents.h"

namespace keelson::api {
namespace {

using server::Request;
using server::Response;

void requireSynced(const kube::ClusterCache& cache) {
  if (!cache.hasSynced()) {
    throw Error(ErrorCode::kUnavailable, "the cluster cache has not synced yet");
  }
}

Response podNotFound(const Request& request, const std::string& node_name) {
  std::string details = fmt::format("Pod '{}' not found in namespace '{}'", request.param("pod"),
                                    request.param("ns"));
  if (!node_name.empty()) {
    details += fmt::format(" (this agent caches only the pods of node '{}')", node_name);
  }
  return Response::failure(404, "RESOURCE_NOT_FOUND", "Pod not found", details);
}

// The scheduling document, or with `explain` its plain-language explanation.
Response scheduling(const kube::ClusterCache& cache, SharedSchedulingState& shared,
                    const std::string& node_name, const Request& request, bool explain) {
  // Before the lookup: in node mode no pod has an answer here, not only the node's own.
  cache.requireClusterMode("the scheduling analysis");
  requireSynced(cache);
  const auto pod = cachedPod(cache, request.param("ns"), request.param("pod"));
  if (!pod) return podNotFound(request, node_name);
  return Response::okJsonText(*shared.document(cache, *pod, explain));
}

Response resources(const kube::ClusterCache& cache, const std::string& node_name,
                   const Request& request) {
  requireSynced(cache);
  const auto pod = cachedPod(cache, request.param("ns"), request.param("pod"));
  if (!pod) return podNotFound(request, node_name);
  return Response::ok(docs::resourcesDocument(*pod));
}

// The describe document, kept per pod object until the cache's events change.
Response describe(const kube::ClusterCache& cache, KeptPodDocuments& kept,
                  const std::string& node_name, const Request& request) {
  requireSynced(cache);
  const auto pod = cachedPod(cache, request.param("ns"), request.param("pod"));
  if (!pod) return podNotFound(request, node_name);
  const auto build = [&](const std::vector<kube::Event>& events) {
    return docs::podDescribeDocument(*pod, events);
  };
  return Response::okJsonText(
      *kept.text(cache, *pod, "describe", nullptr, build, request.cancellation));
}

Response failureEvents(const kube::ClusterCache& cache, const std::string& node_name,
                       const Request& request) {
  requireSynced(cache);
  const auto pod = cachedPod(cache, request.param("ns"), request.param("pod"));
  if (!pod) return podNotFound(request, node_name);
  return Response::ok(cachedFailureEventsDocument(cache, *pod, std::chrono::system_clock::now(),
                                                  request.cancellation));
}

Response healthScore(const kube::ClusterCache& cache, const std::string& node_name,
                     const Request& request) {
  requireSynced(cache);
  const auto pod = cachedPod(cache, request.param("ns"), request.param("pod"));
  if (!pod) return podNotFound(request, node_name);
  return Response::ok(cachedHealthScoreDocument(cache, *pod, std::chrono::system_clock::now(),
                                                request.cancellation));
}

Response namespaceErrors(const kube::ClusterCache& cache, int restart_threshold,
                         const Request& request) {
  requireSynced(cache);
  analysis::NamespaceErrorOptions options;
  options.restart_threshold = restart_threshold;
  const auto doc = cachedNamespaceErrorDocument(
      cache, request.param("ns"), options, std::chrono::system_clock::now(), request.cancellation);
  if (!doc) {
    return Response::failure(404, "RESOURCE_NOT_FOUND", "Namespace not found",
                             fmt::format("Namespace '{}' not found", request.param("ns")));
  }
  return Response::ok(*doc);
}

// ?severity=critical|warning and ?type=<issue type> of /api/v1/cluster/pod-issues.
analysis::PodIssueFilter podIssueFilter(const Request& request) {
  analysis::PodIssueFilter filter;
  if (const auto severity = request.query("severity")) {
    if (*severity != "critical" && *severity != "warning") {
      throw Error(ErrorCode::kBadInput, "severity=" + *severity + ": expected critical or warning");
    }
    filter.critical = *severity == "critical";
  }
  if (const auto type = request.query("type")) {
    filter.type = analysis::parseIssueType(*type);
    if (!filter.type) {
      throw Error(ErrorCode::kBadInput,
                  "type=" + *type +
                      ": expected CrashLoopBackOff, ImagePullError, Failed, HighRestarts, "
                      "Unschedulable, ResourceConstraints or Pending");
    }
  }
  return filter;
}

// ?limit=N (1 to kMaxPodIssuesLimit, default kDefaultPodIssuesLimit) and ?continue=TOKEN.
analysis::PodIssuesPage podIssuesPage(const Request& request) {
  analysis::PodIssuesPage page;
  page.limit = kDefaultPodIssuesLimit;
  if (const auto text = request.query("limit")) {
    std::size_t limit = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc() || end != text->data() + text->size() || limit < 1 ||
        limit > kMaxPodIssuesLimit) {
      throw Error(
          ErrorCode::kBadInput,
          fmt::format("limit={}: expected a whole number from 1 to {}", *text, kMaxPodIssuesLimit));
    }
    page.limit = limit;
  }
  page.after = request.query("continue").value_or("");
  return page;
}

Response clusterPodIssues(const kube::ClusterCache& cache, int restart_threshold,
                          const Request& request) {
  requireSynced(cache);
  analysis::NamespaceErrorOptions options;
  options.restart_threshold = restart_threshold;
  return Response::ok(cachedClusterPodIssuesDocument(
      cache, request.query("namespace").value_or(""), options, podIssueFilter(request),
      podIssuesPage(request), std::chrono::system_clock::now(), request.cancellation));
}

// The pods a /api/v1/cluster request lists: ?namespace=NS, or every pod with
// ?allNamespaces=true.
analysis::PodScope clusterScope(const Request& request) {
  analysis::PodScope scope;
  const auto ns = request.query("namespace");
  const auto all = request.query("allNamespaces");
  scope.list_pods = ns.has_value() || (all && *all == "true");
  scope.namespace_name = all && *all == "true" ? "" : ns.value_or("");
  return scope;
}

Response cluster(const kube::ClusterCache& cache, const analysis::ClusterTotals& totals,
                 const Request& request) {
  requireSynced(cache);
  // The handles keep the snapshots alive while the summary reads them in place. Counts and
  // node sums come from the totals the pods informer's handlers keep: the pods' snapshot (which
  // is rebuilt after every change) is taken only when pods are listed.
  const auto nodes = cache.nodes().snapshot();
  const analysis::PodScope scope = clusterScope(request);
  analysis::ClusterObjects objects;
  objects.nodes = kube::pointersOf(*nodes);
  kube::SnapshotHandle<kube::Pod> pods;
  if (scope.list_pods) {
    pods = cache.pods().snapshot();
    kube::appendPointers(
        scope.namespace_name.empty() ? pods->all() : pods->list(scope.namespace_name),
        objects.pods);
  }
  const auto summary =
      analysis::summarizeCluster(objects, totals.current(), scope, request.cancellation);
  return Response::okJsonText(docs::toJsonText(summary, request.cancellation));
}

// A check on a core/v1 resource.
server::ResourceAttributes coreAccess(std::string verb, std::string resource,
                                      std::string namespace_name = {}, std::string name = {}) {
  return {.verb = std::move(verb),
          .group = "",
          .version = "v1",
          .resource = std::move(resource),
          .subresource = "",
          .namespace_name = std::move(namespace_name),
          .name = std::move(name)};
}

// Pod routes reveal one pod: `get pods` on it. They read the cache only (Lane::kQuick), except
// where `reads_events` in node mode: the cache holds no events there, so the pod's are listed
// from the API server (a blocking call, on the worker pool).
server::RouteOptions podRoute(const kube::ClusterCache& cache, bool reads_events) {
  const bool blocks = reads_events && cache.events() == nullptr;
  return {.lane = blocks ? server::Lane::kStandard : server::Lane::kQuick,
          .open = false,
          .access = [](const Request& r) {
            return std::vector<server::AccessAttributes>{
                coreAccess("get", "pods", r.param("ns"), r.param("pod"))};
          }};
}

}  // namespace

std::optional<std::chrono::milliseconds> informerStaleness(
    const kube::InformerFreshness& status, std::chrono::system_clock::time_point now,
    const ReadinessPolicy& policy) {
  using std::chrono::milliseconds;
  if (!status.has_synced) return std::nullopt;
  if (status.consecutive_failures == 0 || status.last_failure < status.last_contact) {
    return milliseconds(0);
  }
  // The longest wait before the next attempt (no jitter), plus the attempt's own time.
  const auto retry_due =
      kube::informerBackoffDelay(policy.backoff, status.consecutive_failures, 0.0) + policy.grace;
  if (now - status.last_failure > retry_due) return milliseconds(0);  // retried, connected
  // Current until the watch broke: the first failure of this streak.
  return std::max(milliseconds(0),
                  std::chrono::duration_cast<milliseconds>(now - status.failing_since));
}

std::optional<std::chrono::milliseconds> cacheAge(
    const std::vector<kube::InformerFreshness>& statuses, std::chrono::system_clock::time_point now,
    const ReadinessPolicy& policy) {
  std::chrono::milliseconds oldest{0};
  for (const auto& status : statuses) {
    const auto staleness = informerStaleness(status, now, policy);
    if (!staleness) return std::nullopt;
    oldest = std::max(oldest, *staleness);
  }
  return oldest;
}

std::vector<std::string> readinessReasons(const std::vector<kube::InformerStatus>& statuses,
                                          std::chrono::system_clock::time_point now,
                                          const ReadinessPolicy& policy) {
  std::vector<std::string> reasons;
  for (const auto& status : statuses) {
    const auto staleness = informerStaleness(status, now, policy);
    if (!staleness) {
      reasons.push_back(fmt::format("{}: not synced{}", status.resource,
                                    status.last_error.empty() ? "" : ": " + status.last_error));
    } else if (*staleness > policy.max_staleness) {
      reasons.push_back(fmt::format(
          "{}: cache {}s old (max staleness {}s), API server unreachable ({} failures): {}",
          status.resource, std::chrono::duration_cast<std::chrono::seconds>(*staleness).count(),
          std::chrono::duration_cast<std::chrono::seconds>(policy.max_staleness).count(),
          status.consecutive_failures, status.last_error));
    }
  }
  return reasons;
}

void addApiRoutes(server::Router& router, const kube::ClusterCache& cache,
                  const analysis::ClusterTotals& totals, HostDocument host, std::string node_name,
                  int pod_restart_threshold) {
  // The summary is computed from every node and pod: `list nodes`, and `list pods` in the listed
  // namespace (?namespace=NS) or cluster-wide.
  router.get("/api/v1/cluster",
             [&cache, &totals](const Request& r) {
               cache.requireClusterMode("the cluster summary");
               return cluster(cache, totals, r);
             },
             {.lane = server::Lane::kExpensive, .open = false, .access = [](const Request& r) {
                const auto scope = clusterScope(r);
                return std::vector<server::AccessAttributes>{
                    coreAccess("list", "nodes"), coreAccess("list", "pods", scope.namespace_name)};
              }});
  // Every pod in scope is checked: `list pods` in ?namespace=NS, or cluster-wide.
  router.get("/api/v1/cluster/pod-issues",
             [&cache, pod_restart_threshold](const Request& r) {
               cache.requireClusterMode("the cluster pod issues");
               return clusterPodIssues(cache, pod_restart_threshold, r);
             },
             {.lane = server::Lane::kExpensive, .open = false, .access = [](const Request& r) {
                return std::vector<server::AccessAttributes>{
                    coreAccess("list", "pods", r.query("namespace").value_or(""))};
              }});
  // The nodes' pods and requests, built once per cache change and shared by the requests.
  auto shared_scheduling = std::make_shared<SharedSchedulingState>();
  router.get(
      "/api/v1/pods/{ns}/{pod}/scheduling",
      [&cache, shared_scheduling, node_name](const Request& r) {
        return scheduling(cache, *shared_scheduling, node_name, r, false);
      },
      podRoute(cache, false));
  router.get(
      "/api/v1/pods/{ns}/{pod}/scheduling/explain",
      [&cache, shared_scheduling, node_name](const Request& r) {
        return scheduling(cache, *shared_scheduling, node_name, r, true);
      },
      podRoute(cache, false));
  router.get(
      "/api/v1/pods/{ns}/{pod}/resources",
      [&cache, node_name](const Request& r) { return resources(cache, node_name, r); },
      podRoute(cache, false));
  auto kept_descriptions = std::make_shared<KeptPodDocuments>();
  router.get(
      "/api/v1/pods/{ns}/{pod}/describe",
      [&cache, kept_descriptions, node_name](const Request& r) {
        return describe(cache, *kept_descriptions, node_name, r);
      },
      podRoute(cache, true));
  router.get(
      "/api/v1/pods/{ns}/{pod}/failure-events",
      [&cache, node_name](const Request& r) { return failureEvents(cache, node_name, r); },
      podRoute(cache, true));
  router.get(
      "/api/v1/pods/{ns}/{pod}/health-score",
      [&cache, node_name](const Request& r) { return healthScore(cache, node_name, r); },
      podRoute(cache, true));
  router.get(
      "/api/v1/namespace/{ns}/error",
      [&cache, pod_restart_threshold](const Request& r) {
        return namespaceErrors(cache, pod_restart_threshold, r);
      },
      {.lane = server::Lane::kExpensive, .open = false, .access = [](const Request& r) {
         return std::vector<server::AccessAttributes>{coreAccess("list", "pods", r.param("ns"))};
       }});
  // The node's processes and resources: what the kubelet serves as `nodes/stats`.
  server::ResourceAttributes host_access = coreAccess("get", "nodes", "", node_name);
  host_access.subresource = "stats";
  router.get(
      "/api/v1/host",
      [host = std::move(host)](const Request&) {
        if (!host) {
          return Response::failure(503, "SERVICE_UNAVAILABLE", "host sampling is disabled",
                                   "started with --no-host or HOST_MONITORING_ENABLED=false");
        }
        const auto doc = host();
        if (!doc) {
          return Response::failure(503, "SERVICE_UNAVAILABLE", "host snapshot not ready",
                                   "the first host capture has not completed yet");
        }
        return Response::ok(*doc);
      },
      {.lane = server::Lane::kStandard, .open = false, .access = [host_access](const Request&) {
         return std::vector<server::AccessAttributes>{host_access};
       }});
}

}  // namespace keelson::api
