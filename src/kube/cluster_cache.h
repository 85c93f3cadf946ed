#pragma once

// The cluster cache: one Informer per kind keelson's endpoints read, started and stopped
// together. In cluster mode every endpoint answers from these snapshots. In node mode (the
// DaemonSet, `--node NAME`) only the node's pods and its Node object are cached, so that no
// agent of the DaemonSet holds (or watches) the whole cluster; a pod's events are then listed
// from the API server when asked for (listPodEvents).

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kube/client.h"
#include "kube/event.h"
#include "kube/informer.h"
#include "kube/node.h"
#include "kube/pod.h"
#include "kube/storage.h"
#include "kube/workloads.h"

namespace keelson::kube {

/// What ClusterCache watches.
struct ClusterCacheOptions {
  /// Node mode when non-empty (DaemonSet, `--node NAME`): only pods with
  /// spec.nodeName=<node_name> and the Node metadata.name=<node_name> are watched (field
  /// selectors, so the API server filters); no informer is created for any other kind. Empty:
  /// cluster mode, every kind cached cluster-wide.
  std::string node_name;
  /// Also watch events.k8s.io/v1 events (besides core/v1 events). They are the same objects
  /// seen through another API version, so this doubles the events held; off by default.
  /// Cluster mode only (ignored in node mode).
  bool events_v1 = false;
  /// timeoutSeconds of each watch request.
  std::int64_t watch_timeout_seconds = 300;
  /// List page size.
  std::int64_t page_size = 500;
  /// Waits while the API server is away.
  InformerBackoff backoff;
  /// Every informer's clock, and waitForSync's.
  std::shared_ptr<const core::Clock> clock = core::systemClock();
};

/// Cluster mode: informers for pods, nodes, events (core/v1 and optionally events.k8s.io/v1),
/// namespaces, deployments, replicasets, statefulsets, daemonsets, jobs, poddisruptionbudgets,
/// persistentvolumes, persistentvolumeclaims and storageclasses: 13 (or 14) named threads.
/// Node mode: informers for the node's pods and its Node only (2 threads); the accessors of the
/// other kinds return nullptr, and documents that need them call requireClusterMode().
///
/// Thread-safety: the accessors, statuses() and hasSynced() may be called from any thread;
/// start() and stop() from one owner thread.
class ClusterCache {
 public:
  /// A cache reading through `client`, which must outlive it. Call start().
  ClusterCache(const Client& client, ClusterCacheOptions options = {});
  ~ClusterCache();
  ClusterCache(const ClusterCache&) = delete;
  ClusterCache& operator=(const ClusterCache&) = delete;

  /// Starts every informer thread.
  void start();
  /// Stops and joins every informer thread (each within about a second; they stop in
  /// parallel). Idempotent.
  void stop() noexcept;

  /// True when every informer that exists (informers()) has listed once.
  bool hasSynced() const;
  /// Waits until hasSynced() or the timeout passes; returns hasSynced().
  bool waitForSync(std::chrono::milliseconds timeout) const;
  /// One status per informer, in a fixed order (pods, nodes, events, ...).
  std::vector<InformerStatus> statuses() const;
  /// One freshness per informer, in statuses() order: what api::cacheAge needs, cheaper.
  std::vector<InformerFreshness> freshness() const;

  /// True in node mode (ClusterCacheOptions::node_name set).
  bool nodeMode() const noexcept { return !node_name_.empty(); }
  /// The node of node mode; empty in cluster mode.
  const std::string& nodeName() const noexcept { return node_name_; }
  /// Throws Error(kConflict) naming node mode, `what` (e.g. "the cluster summary") and where to
  /// ask instead (the cluster-wide agent) when the cache is in node mode; returns otherwise.
  /// For documents computed from the whole cluster, which a node-mode cache cannot answer
  /// without being wrong.
  void requireClusterMode(std::string_view what) const;

  /// Every pod (cluster mode), or the node's pods (node mode). Indexed by kPodsByControllerKind
  /// (kube/pod_indexes.h).
  const Informer<Pod>& pods() const noexcept { return *pods_; }
  /// Every node (cluster mode), or the one node (node mode).
  const Informer<Node>& nodes() const noexcept { return *nodes_; }
  /// core/v1 events (/api/v1/events), or nullptr in node mode (see listPodEvents). Indexed by
  /// kEventsByPod (kube/pod_indexes.h).
  const Informer<Event>* events() const noexcept { return events_.get(); }
  /// events.k8s.io/v1 events, or nullptr when options.events_v1 is off or in node mode.
  const Informer<Event>* eventsV1() const noexcept { return events_v1_.get(); }
  // The cluster-wide kinds below: nullptr in node mode.
  const Informer<Namespace>* namespaces() const noexcept { return namespaces_.get(); }
  const Informer<Deployment>* deployments() const noexcept { return deployments_.get(); }
  const Informer<ReplicaSet>* replicaSets() const noexcept { return replica_sets_.get(); }
  const Informer<StatefulSet>* statefulSets() const noexcept { return stateful_sets_.get(); }
  const Informer<DaemonSet>* daemonSets() const noexcept { return daemon_sets_.get(); }
  const Informer<Job>* jobs() const noexcept { return jobs_.get(); }
  const Informer<PodDisruptionBudget>* podDisruptionBudgets() const noexcept { return pdbs_.get(); }
  const Informer<PersistentVolume>* persistentVolumes() const noexcept { return pvs_.get(); }
  const Informer<PersistentVolumeClaim>* persistentVolumeClaims() const noexcept {
    return pvcs_.get();
  }
  const Informer<StorageClass>* storageClasses() const noexcept { return storage_classes_.get(); }

  /// The core/v1 events of `pod`, listed from the API server now: one request,
  /// GET /api/v1/namespaces/<ns>/events?fieldSelector=involvedObject.uid=<uid> (the API server
  /// cannot select events by node, so node mode asks per pod instead of watching every event
  /// of the cluster). Unsorted. Throws what listAll throws: ApiError for an API failure,
  /// Error(kUnavailable) when the server cannot be reached or `stop` is requested,
  /// Error(kTimeout) when the request times out. Works in both modes; thread-safe.
  std::vector<Event> listPodEvents(const Pod& pod, std::stop_token stop = {}) const;

  /// Adds event handlers to the pods informer (Informer::addHandlers): before start(), else
  /// Error(kConflict). Not thread-safe (setup).
  void addPodHandlers(EventHandlers<Pod> handlers) { pods_->addHandlers(std::move(handlers)); }

  /// Every informer, in statuses() order.
  std::vector<InformerBase*> informers() const;

 private:
  const Client& client_;
  std::string node_name_;
  std::shared_ptr<const core::Clock> clock_;
  std::unique_ptr<Informer<Pod>> pods_;
  std::unique_ptr<Informer<Node>> nodes_;
  std::unique_ptr<Informer<Event>> events_;
  std::unique_ptr<Informer<Event>> events_v1_;
  std::unique_ptr<Informer<Namespace>> namespaces_;
  std::unique_ptr<Informer<Deployment>> deployments_;
  std::unique_ptr<Informer<ReplicaSet>> replica_sets_;
  std::unique_ptr<Informer<StatefulSet>> stateful_sets_;
  std::unique_ptr<Informer<DaemonSet>> daemon_sets_;
  std::unique_ptr<Informer<Job>> jobs_;
  std::unique_ptr<Informer<PodDisruptionBudget>> pdbs_;
  std::unique_ptr<Informer<PersistentVolume>> pvs_;
  std::unique_ptr<Informer<PersistentVolumeClaim>> pvcs_;
  std::unique_ptr<Informer<StorageClass>> storage_classes_;
};

}  // namespace keelson::kube
