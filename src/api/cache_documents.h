#pragma once

// The pod and namespace documents computed from a kube::ClusterCache, shared by `keelson serve`'s
// routes (serve_routes.cpp) and `keelson diagnose` (which runs a ClusterCache of its own), so
// both answer from the same code. Nothing here calls the API server, except for a pod's events
// in node mode (cachedPodEvents).

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/cluster_pod_issues.h"
#include "analysis/namespace_errors.h"
#include "analysis/scheduling.h"
#include "core/error.h"
#include "kube/cluster_cache.h"
#include "kube/event.h"
#include "kube/pod.h"
#include "schedule/framework/snapshot.h"

namespace keelson::api {

/// The cached pod `namespace_name`/`name`, or nullptr when the cache does not hold it: the
/// cache's own immutable object, shared, not copied. Throws Error(kBadInput) when the namespace
/// is not an RFC 1123 label or the name not an RFC 1123 subdomain.
std::shared_ptr<const kube::Pod> cachedPod(const kube::ClusterCache& cache,
                                           std::string_view namespace_name, std::string_view name);

/// The core/v1 events of `pod` (podEvents: oldest first): from the events informer (its
/// kEventsByPod index: the namespace's other events are not visited) in cluster
/// mode; in node mode, which caches no events, listed from the API server by the pod's uid
/// (ClusterCache::listPodEvents: one request, throws what it throws; `cancel` aborts it).
std::vector<kube::Event> cachedPodEvents(const kube::ClusterCache& cache, const kube::Pod& pod,
                                         std::stop_token cancel = {});

/// The scheduling analyses' view of a ClusterCache at one moment: its snapshots of nodes, pods,
/// PVCs, PVs, StorageClasses and namespaces (held, so the view's pointers stay valid) and every
/// node's NodeInfo (schedule::framework::buildNodeInfos: its pods and their summed requests).
struct SchedulingState {
  kube::SnapshotHandle<kube::Node> nodes;
  kube::SnapshotHandle<kube::Pod> pods;
  kube::SnapshotHandle<kube::PersistentVolumeClaim> pvcs;
  kube::SnapshotHandle<kube::PersistentVolume> pvs;
  kube::SnapshotHandle<kube::StorageClass> storage_classes;
  kube::SnapshotHandle<kube::Namespace> namespaces;
  analysis::SchedulingView view;
  std::vector<schedule::framework::NodeInfo> node_infos;
};

/// Serialised per-pod documents that are pure functions of the pod object, its events and a
/// `basis` (a shared state such as a SchedulingState, or null), kept so that a pod asked for
/// again gets the same text without rebuilding it. A text is kept per document kind and pod
/// object (namespace, name, uid, resourceVersion) until the events informer's snapshot or the
/// basis changes; at most kMaxTexts are kept (all are dropped when one more would not fit).
/// Thread-safe.
class KeptPodDocuments {
 public:
  /// How many texts are kept at most: a few KB each (a scheduling document is about 8 KB at
  /// 20 nodes).
  static constexpr std::size_t kMaxTexts = 256;

  /// Builds a document of a pod from the pod's events (podEvents: oldest first).
  using Build = std::function<nlohmann::json(const std::vector<kube::Event>& events)>;

  /// The text of `build` for `pod` (nlohmann's dump with invalid UTF-8 replaced, as the
  /// server's envelope writes it): the one kept for `kind`, the pod object, the cache's events
  /// snapshot and `basis` (compared by identity), else built now and kept. Without an events
  /// informer (node mode) the pod's events are listed (cachedPodEvents, with `cancel`) and
  /// nothing is kept. Throws what `build` and cachedPodEvents throw.
  std::shared_ptr<const std::string> text(const kube::ClusterCache& cache, const kube::Pod& pod,
                                          std::string_view kind,
                                          const std::shared_ptr<const void>& basis,
                                          const Build& build, std::stop_token cancel = {});

 private:
  std::mutex mutex_;
  // The texts, valid for basis_ and events_; all guarded by mutex_.
  std::shared_ptr<const void> basis_;
  kube::SnapshotHandle<kube::Event> events_;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> texts_;
};

/// The SchedulingState of a cache, built once per change of its snapshots and shared by every
/// analysis until the next change, so that a scheduling request does not visit every pod of the
/// cluster (the build is O(pods); a request then reads O(nodes), plus O(pods on the nodes) for a
/// scheduled pod's copy without itself). Thread-safe: concurrent callers after a change wait for
/// one build.
class SharedSchedulingState {
 public:
  /// The state for the cache's current snapshots. Throws Error(kConflict) in node mode
  /// (ClusterCache::requireClusterMode), Error(kBadInput) if a request sum overflows.
  std::shared_ptr<const SchedulingState> current(const kube::ClusterCache& cache);

  /// The schedulingDocument of `pod` against current(), or with `explain` its
  /// schedulingExplanation, serialised; kept (KeptPodDocuments) until the state or the cache's
  /// events change. Throws what current() and cachedPodEvents throw. Thread-safe.
  std::shared_ptr<const std::string> document(const kube::ClusterCache& cache, const kube::Pod& pod,
                                              bool explain);

 private:
  std::mutex mutex_;
  std::shared_ptr<const SchedulingState> state_;  // guarded by mutex_
  KeptPodDocuments documents_;
};

/// schedulingDocument (serve_pods.h) of `pod` against the cache's current objects, analysed in
/// place through a SchedulingView (nothing is copied), with the nodes' NodeInfos built for this
/// call (every pod visited: one-off callers such as keelson diagnose; serve's repeated requests
/// use SharedSchedulingState::document). The analysis weighs every node and every pod, so it
/// throws Error(kConflict) in node mode (ClusterCache::requireClusterMode).
nlohmann::json cachedSchedulingDocument(const kube::ClusterCache& cache, const kube::Pod& pod);

/// failureEventsDocument (diagnose_documents.h) of `pod` and its events (cachedPodEvents, which
/// throws what it throws) at `now`.
nlohmann::json cachedFailureEventsDocument(const kube::ClusterCache& cache, const kube::Pod& pod,
                                           kube::Time now, std::stop_token cancel = {});

/// healthScoreDocument (diagnose_documents.h) of `pod` and its events (cachedPodEvents, which
/// throws what it throws) at `now`.
nlohmann::json cachedHealthScoreDocument(const kube::ClusterCache& cache, const kube::Pod& pod,
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

/// clusterPodIssuesDocument of the cached pods of `namespace_name` ("" for every namespace) at
/// `now`, one page of them. Every pod in scope is checked (podIssues: cheap, no copy); only the
/// listed pods' ReplicaSets and events are read. Throws Error(kConflict) in node mode, then
/// Error(kBadInput) for a `namespace_name` that is not an RFC 1123 label or a `page.after` that is
/// not "namespace/name", and Error(kTimeout) once `cancel` is requested.
nlohmann::json cachedClusterPodIssuesDocument(const kube::ClusterCache& cache,
                                              const std::string& namespace_name,
                                              const analysis::NamespaceErrorOptions& options,
                                              const analysis::PodIssueFilter& filter,
                                              const analysis::PodIssuesPage& page, kube::Time now,
                                              const std::stop_token& cancel = {});

}  // namespace keelson::api
