#include "app/serve_routes.h"

#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <optional>
#include <tuple>
#include <utility>

#include "analysis/cluster_summary.h"
#include "analysis/scheduling.h"
#include "app/capture.h"
#include "app/pod_describe.h"
#include "app/serve_pods.h"

namespace keelson::app {
namespace {

using server::Request;
using server::Response;

template <class T>
std::vector<T> copyAll(const kube::Informer<T>& informer) {
  const auto snapshot = informer.snapshot();
  std::vector<T> out;
  out.reserve(snapshot->size());
  for (const auto& object : snapshot->all()) out.push_back(*object);
  return out;
}

// The SchedulingSnapshot of the cache's current snapshots, rebuilt only when one of them
// changed (informer snapshots are immutable and replaced on change, so pointer identity is
// version identity). Thread-safe.
class SchedulingSnapshots {
 public:
  explicit SchedulingSnapshots(const kube::ClusterCache& cache) : cache_(cache) {}

  std::shared_ptr<const analysis::SchedulingSnapshot> get() {
    Key key{cache_.nodes().snapshot(),
            cache_.pods().snapshot(),
            cache_.persistentVolumeClaims().snapshot(),
            cache_.persistentVolumes().snapshot(),
            cache_.storageClasses().snapshot(),
            cache_.namespaces().snapshot()};
    const std::lock_guard lock(mutex_);
    if (built_ && key_ == key) return built_;
    auto snapshot = std::make_shared<analysis::SchedulingSnapshot>();
    snapshot->nodes = copyAll(*std::get<0>(key));
    snapshot->pods = copyAll(*std::get<1>(key));
    snapshot->pvcs = copyAll(*std::get<2>(key));
    snapshot->pvs = copyAll(*std::get<3>(key));
    snapshot->storage_classes = copyAll(*std::get<4>(key));
    snapshot->namespaces = copyAll(*std::get<5>(key));
    key_ = std::move(key);
    built_ = std::move(snapshot);
    return built_;
  }

 private:
  template <class T>
  using Snap = std::shared_ptr<const kube::ObjectSnapshot<T>>;
  using Key =
      std::tuple<Snap<kube::Node>, Snap<kube::Pod>, Snap<kube::PersistentVolumeClaim>,
                 Snap<kube::PersistentVolume>, Snap<kube::StorageClass>, Snap<kube::Namespace>>;

  template <class T>
  static std::vector<T> copyAll(const kube::ObjectSnapshot<T>& snapshot) {
    std::vector<T> out;
    out.reserve(snapshot.size());
    for (const auto& object : snapshot.all()) out.push_back(*object);
    return out;
  }

  const kube::ClusterCache& cache_;
  std::mutex mutex_;
  Key key_;
  std::shared_ptr<const analysis::SchedulingSnapshot> built_;
};

Response scheduling(const kube::ClusterCache& cache, SchedulingSnapshots& snapshots,
                    const std::string& node_name, const Request& request) {
  requireSynced(cache);
  const std::optional<kube::Pod> pod = findPod(cache, request);
  if (!pod) return podNotFound(request, node_name);
  const auto snapshot = snapshots.get();
  const analysis::SchedulingAnalysis analysis = analysis::analyzeScheduling(*pod, *snapshot);
  return Response::ok(schedulingDocument(*pod, analysis, cachedPodEvents(cache, *pod)));
}

Response resources(const kube::ClusterCache& cache, const std::string& node_name,
                   const Request& request) {
  requireSynced(cache);
  const std::optional<kube::Pod> pod = findPod(cache, request);
  if (!pod) return podNotFound(request, node_name);
  return Response::ok(resourcesDocument(*pod));
}

Response cluster(const kube::ClusterCache& cache, const Request& request) {
  requireSynced(cache);
  analysis::ClusterState state;
  state.nodes = copyAll(cache.nodes());
  state.pods = copyAll(cache.pods());
  analysis::PodScope scope;
  const auto ns = request.query("namespace");
  const auto all = request.query("allNamespaces");
  scope.list_pods = ns.has_value() || (all && *all == "true");
  scope.namespace_name = all && *all == "true" ? "" : ns.value_or("");
  return Response::ok(toJson(analysis::summarizeCluster(state, scope)));
}

bool alnum(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

void requireSynced(const kube::ClusterCache& cache) {
  if (!cache.hasSynced()) {
    throw Error(ErrorCode::kUnavailable, "the cluster cache has not synced yet");
  }
}

void validatePodName(std::string_view ns, std::string_view name) {
  if (!isDnsLabel(ns)) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("namespace '{}' is not a valid name (RFC 1123 label: at most 63 of "
                            "a-z, 0-9 and '-')",
                            ns));
  }
  if (!isDnsSubdomain(name)) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("pod name '{}' is not a valid name (RFC 1123 subdomain: at most 253 "
                            "of a-z, 0-9, '-' and '.')",
                            name));
  }
}

std::optional<kube::Pod> findPod(const kube::ClusterCache& cache, const Request& request) {
  validatePodName(request.param("ns"), request.param("pod"));
  const auto pods = cache.pods().snapshot();
  const kube::Pod* pod = pods->get(request.param("ns"), request.param("pod"));
  if (pod == nullptr) return std::nullopt;
  return *pod;
}

Response podNotFound(const Request& request, const std::string& node_name) {
  std::string details = fmt::format("Pod '{}' not found in namespace '{}'", request.param("pod"),
                                    request.param("ns"));
  if (!node_name.empty()) {
    details += fmt::format(" (this agent caches only the pods of node '{}')", node_name);
  }
  return Response::failure(404, "RESOURCE_NOT_FOUND", "Pod not found", details);
}

std::vector<kube::Event> cachedPodEvents(const kube::ClusterCache& cache, const kube::Pod& pod) {
  std::vector<kube::Event> events;
  for (const auto& event : cache.events().snapshot()->list(pod.metadata.namespace_name)) {
    events.push_back(*event);
  }
  return podEvents(pod, events);
}

bool isDnsLabel(std::string_view name) noexcept {
  if (name.empty() || name.size() > 63 || !alnum(name.front()) || !alnum(name.back())) {
    return false;
  }
  for (const char c : name) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

bool isDnsSubdomain(std::string_view name) noexcept {
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    const std::string_view label = name.substr(start, dot - start);
    // Subdomain labels follow the label rule without its 63-character limit on the whole name.
    if (label.empty() || !alnum(label.front()) || !alnum(label.back())) return false;
    for (const char c : label) {
      if (!alnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::vector<std::string> readinessReasons(const std::vector<kube::InformerStatus>& statuses,
                                          std::chrono::system_clock::time_point now,
                                          const ReadinessPolicy& policy) {
  std::vector<std::string> reasons;
  for (const auto& status : statuses) {
    if (!status.has_synced) {
      reasons.push_back(fmt::format("{}: not synced{}", status.resource,
                                    status.last_error.empty() ? "" : ": " + status.last_error));
      continue;
    }
    if (status.consecutive_failures == 0 || status.last_failure < status.last_contact) continue;
    // The longest wait before the next attempt (no jitter), plus the attempt's own time.
    const auto retry_due =
        kube::informerBackoffDelay(policy.backoff, status.consecutive_failures, 0.0) + policy.grace;
    if (now - status.last_failure > retry_due) continue;  // retried since, and connected
    const auto since = std::chrono::duration_cast<std::chrono::seconds>(now - status.last_contact);
    reasons.push_back(fmt::format("{}: API server unreachable for {}s ({} failures): {}",
                                  status.resource, since.count(), status.consecutive_failures,
                                  status.last_error));
  }
  return reasons;
}

void addApiRoutes(server::Router& router, const kube::ClusterCache& cache, HostDocument host,
                  std::string node_name) {
  router.get("/api/v1/cluster", [&cache](const Request& r) { return cluster(cache, r); });
  auto snapshots = std::make_shared<SchedulingSnapshots>(cache);
  router.get("/api/v1/pods/{ns}/{pod}/scheduling",
             [&cache, snapshots, node_name](const Request& r) {
               return scheduling(cache, *snapshots, node_name, r);
             });
  router.get("/api/v1/pods/{ns}/{pod}/resources",
             [&cache, node_name](const Request& r) { return resources(cache, node_name, r); });
  addPodDescribeRoute(router, cache, node_name);
  router.get("/api/v1/host", [host = std::move(host)](const Request&) {
    const auto doc = host ? host() : nullptr;
    if (!doc) {
      return Response::failure(503, "SERVICE_UNAVAILABLE", "host snapshot not ready",
                               "the first host capture has not completed yet");
    }
    return Response::ok(*doc);
  });
}

}  // namespace keelson::app
