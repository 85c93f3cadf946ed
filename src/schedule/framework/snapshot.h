#pragma once

// What the plugins read: the API objects of one consistent moment, the pod being scheduled
// (kube-scheduler's PodInfo) and every node with the pods bound to it (NodeInfo). Pure: built
// from values, no I/O.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "kube/node.h"
#include "kube/objects.h"
#include "kube/pod.h"
#include "kube/storage.h"

namespace keelson::schedule::framework {

/// The API objects the plugins read, by pointer (GET /api/v1/nodes, /api/v1/pods,
/// /api/v1/persistentvolumeclaims, /api/v1/persistentvolumes,
/// /apis/storage.k8s.io/v1/storageclasses, /api/v1/namespaces), so that a cache can be evaluated
/// without copying its objects. `pods` must hold every pod of the cluster (all namespaces): free
/// resources, host ports, topology spread and inter-pod affinity count pods of every namespace.
/// The pointed-to objects must outlive every Snapshot built from the view.
struct ClusterView {
  std::vector<const kube::Node*> nodes;
  std::vector<const kube::Pod*> pods;
  std::vector<const kube::PersistentVolumeClaim*> pvcs;
  std::vector<const kube::PersistentVolume*> pvs;
  std::vector<const kube::StorageClass*> storage_classes;
  std::vector<const kube::Namespace*> namespaces;
};

/// The same objects, owned: e.g. listed once from the API for a one-off evaluation.
struct ClusterObjects {
  std::vector<kube::Node> nodes;
  std::vector<kube::Pod> pods;
  std::vector<kube::PersistentVolumeClaim> pvcs;
  std::vector<kube::PersistentVolume> pvs;
  std::vector<kube::StorageClass> storage_classes;
  std::vector<kube::Namespace> namespaces;
};

/// A view of every object of `objects` (which must outlive it).
ClusterView viewOf(const ClusterObjects& objects);

/// The pod being scheduled, with its effective requests computed once. Immutable;
/// thread-safe to share. `pod` must outlive it.
class PodInfo {
 public:
  /// Throws Error(kBadInput) only if a request sum overflows Quantity's range.
  explicit PodInfo(const kube::Pod& pod);
  explicit PodInfo(kube::Pod&&) = delete;  // Would dangle.

  const kube::Pod& pod() const { return *pod_; }
  /// kube::podRequests(pod): per resource name; cpu compares in millicores
  /// (Quantity::milliValue), everything else in whole units (bytes for memory and storage).
  const kube::ResourceList& requests() const { return requests_; }

 private:
  const kube::Pod* pod_;
  kube::ResourceList requests_;
};

/// What a container that requests no cpu counts for when scoring (schedutil.DefaultMilliCPURequest:
/// 100m), so that nodes full of best-effort pods do not look empty.
inline constexpr std::int64_t kDefaultMilliCpuRequest = 100;
/// What a container that requests no memory counts for when scoring
/// (schedutil.DefaultMemoryRequest: 200Mi), in bytes.
inline constexpr std::int64_t kDefaultMemoryRequestBytes = std::int64_t{200} * 1024 * 1024;

/// A pod's or a node's cpu and memory requests as the Score plugins count them (kube-scheduler's
/// NodeInfo.NonZeroRequested): a container that does not request cpu (memory) at all counts
/// kDefaultMilliCpuRequest (kDefaultMemoryRequestBytes); an explicit zero stays zero.
struct NonZeroRequests {
  std::int64_t cpu_millicores = 0;
  std::int64_t memory_bytes = 0;
};

/// The non-zero requests of `pod` (kube::podRequests with the defaults above for containers that
/// omit cpu or memory; memory rounded up to whole bytes). Pure; throws Error(kBadInput) only if a
/// sum overflows Quantity's range.
NonZeroRequests nonZeroRequests(const kube::Pod& pod);

/// One node as the plugins see it: the pods the scheduler's cache holds for it and what they
/// request.
struct NodeInfo {
  const kube::Node* node = nullptr;
  /// Pods bound to the node (spec.nodeName) that are not Succeeded or Failed, in ClusterView
  /// order; the pod being scheduled is left out.
  std::vector<const kube::Pod*> pods;
  /// The sum of `pods`' requests (kube::podRequests) per resource name.
  kube::ResourceList requested;
  /// The sum of `pods`' nonZeroRequests (what the resource Score plugins count as used).
  NonZeroRequests non_zero_requested;
  /// The `pods` with pod affinity or anti-affinity terms (kube-scheduler's PodsWithAffinity),
  /// so that InterPodAffinity visits only them when the incoming pod has no terms of its own.
  std::vector<const kube::Pod*> pods_with_affinity;

  /// Counts `pod` on the node: appends it to `pods` and adds its requests. `pod` must outlive
  /// the NodeInfo's use. Throws Error(kBadInput) only if a sum overflows Quantity's range.
  void addPod(const kube::Pod* pod);
  /// Undoes addPod(pod) (the same pointer); no-op for a pod not counted.
  void removePod(const kube::Pod* pod);
};

/// The amount of `name` in `list`, zero when absent.
core::Quantity quantityOf(const kube::ResourceList& list, std::string_view name);

/// NodeInfos for `objects.nodes` (same order) with every bound pod of `objects.pods` that is not
/// Succeeded or Failed counted on its node, except `leave_out` (matched by uid, or by
/// namespace/name without one) when given. Built once, they can be shared by many snapshots
/// (Snapshot(objects, nodes, pod)). O(pods); `objects` must outlive the result. Throws
/// Error(kBadInput) only if a request sum overflows Quantity's range.
std::vector<NodeInfo> buildNodeInfos(const ClusterView& objects,
                                     const kube::Pod* leave_out = nullptr);

/// Every node of a ClusterView with its pods, as seen by one pod being scheduled (kube-scheduler's
/// cache snapshot), and lookups of the storage objects. Immutable once built; thread-safe to
/// share. The view's objects must outlive it.
class Snapshot {
 public:
  /// Builds NodeInfos for `objects.nodes` (same order). `pod` is left out of its node's pods, so
  /// a scheduled pod's node is explained without counting the pod twice (pods match by uid, or
  /// by namespace/name when a uid is missing). Throws Error(kBadInput) only if a request sum
  /// overflows Quantity's range.
  Snapshot(const ClusterView& objects, const kube::Pod& pod);
  Snapshot(ClusterView&&, const kube::Pod&) = delete;  // Would dangle.
  /// A snapshot over shared NodeInfos built by buildNodeInfos(objects) (which must outlive it),
  /// as seen by `pod`: when `pod` is counted on one of them, the NodeInfos are copied with `pod`
  /// left out (O(pods)); otherwise nothing is copied.
  Snapshot(const ClusterView& objects, std::span<const NodeInfo> nodes, const kube::Pod& pod);
  /// A snapshot over NodeInfos a scheduler's cache maintains (`nodes`, which must outlive it
  /// and not change while it is used; the pod being scheduled must not be among their pods).
  /// O(1): nothing is copied.
  Snapshot(const ClusterView& objects, std::span<const NodeInfo> nodes)
      : objects_(&objects), nodes_(nodes) {}
  Snapshot(ClusterView&&, std::span<const NodeInfo>) = delete;  // Would dangle.
  Snapshot(const Snapshot&) = delete;  // nodes() may point into the original.
  Snapshot& operator=(const Snapshot&) = delete;

  const ClusterView& objects() const { return *objects_; }
  std::span<const NodeInfo> nodes() const { return nodes_; }

  /// The PersistentVolumeClaim `namespace_name`/`name`, or nullptr.
  const kube::PersistentVolumeClaim* findClaim(std::string_view namespace_name,
                                               std::string_view name) const;
  /// The PersistentVolume `name`, or nullptr.
  const kube::PersistentVolume* findVolume(std::string_view name) const;
  /// The StorageClass `name`, or nullptr.
  const kube::StorageClass* findStorageClass(std::string_view name) const;

 private:
  const ClusterView* objects_;
  /// Built by the first constructor, or copied by the shared one to leave its pod out.
  std::vector<NodeInfo> owned_;
  std::span<const NodeInfo> nodes_;
};

}  // namespace keelson::schedule::framework
