#pragma once

// The cluster cache: one Informer per kind keelson's endpoints read, started and stopped
// together. Every endpoint answers from these snapshots; none calls the API server.

#include <chrono>
#include <memory>
#include <string>
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
  /// When non-empty, only pods with spec.nodeName=<node_name> are cached (DaemonSet mode,
  /// `--node NAME`). Every other kind is cached cluster-wide.
  std::string node_name;
  /// Also watch events.k8s.io/v1 events (besides core/v1 events). They are the same objects
  /// seen through another API version, so this doubles the events held; off by default.
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

/// Informers for pods, nodes, events (core/v1 and optionally events.k8s.io/v1), namespaces,
/// deployments, replicasets, statefulsets, daemonsets, jobs, poddisruptionbudgets,
/// persistentvolumes, persistentvolumeclaims and storageclasses: 13 (or 14) named threads.
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

  /// True when every informer has listed once.
  bool hasSynced() const;
  /// Waits until hasSynced() or the timeout passes; returns hasSynced().
  bool waitForSync(std::chrono::milliseconds timeout) const;
  /// One status per informer, in a fixed order (pods, nodes, events, ...).
  std::vector<InformerStatus> statuses() const;

  const Informer<Pod>& pods() const noexcept { return *pods_; }
  const Informer<Node>& nodes() const noexcept { return *nodes_; }
  /// core/v1 events (/api/v1/events).
  const Informer<Event>& events() const noexcept { return *events_; }
  /// events.k8s.io/v1 events, or nullptr when options.events_v1 is off.
  const Informer<Event>* eventsV1() const noexcept { return events_v1_.get(); }
  const Informer<Namespace>& namespaces() const noexcept { return *namespaces_; }
  const Informer<Deployment>& deployments() const noexcept { return *deployments_; }
  const Informer<ReplicaSet>& replicaSets() const noexcept { return *replica_sets_; }
  const Informer<StatefulSet>& statefulSets() const noexcept { return *stateful_sets_; }
  const Informer<DaemonSet>& daemonSets() const noexcept { return *daemon_sets_; }
  const Informer<Job>& jobs() const noexcept { return *jobs_; }
  const Informer<PodDisruptionBudget>& podDisruptionBudgets() const noexcept { return *pdbs_; }
  const Informer<PersistentVolume>& persistentVolumes() const noexcept { return *pvs_; }
  const Informer<PersistentVolumeClaim>& persistentVolumeClaims() const noexcept { return *pvcs_; }
  const Informer<StorageClass>& storageClasses() const noexcept { return *storage_classes_; }

  /// Every informer, in statuses() order.
  std::vector<InformerBase*> informers() const;

 private:
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
