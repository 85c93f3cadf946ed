#pragma once

// The scheduler's view of where pods run (kube-scheduler's internal cache): every node with the
// pods bound to it, kept current by the informers' event handlers, plus the pods the scheduler
// has "assumed" onto a node before the API server's watch confirms the binding. Counting an
// assumed pod at once is what keeps two pods placed in quick succession from overcommitting a
// node.

#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kube/node.h"
#include "kube/pod.h"
#include "schedule/framework/snapshot.h"

namespace keelson::schedule {

/// Nodes and the pods on them, by uid. Thread-safe: the handlers may be called from informer
/// threads while the scheduling thread holds a snapshot (one mutex; withSnapshot holds it for
/// the length of its callback, so keep callbacks to one scheduling cycle).
class SchedulerCache {
 public:
  SchedulerCache() = default;
  SchedulerCache(const SchedulerCache&) = delete;
  SchedulerCache& operator=(const SchedulerCache&) = delete;

  /// Adds or replaces a node (GET /api/v1/nodes); pods already bound to its name are counted on it.
  void upsertNode(const kube::Node& node);
  /// Removes a node; its pods are kept and counted again if a node of that name returns.
  void removeNode(std::string_view name);

  /// A pod as the API reports it (GET /api/v1/pods). Bound pods (spec.nodeName set) that are
  /// not Succeeded or Failed are counted on their node; others are dropped. A pod the cache
  /// assumed is confirmed when the API reports it bound; until then reports of it unbound are
  /// ignored. Pods without a uid are ignored.
  void upsertPod(const kube::Pod& pod);
  /// A pod deleted from the API (assumed or not).
  void removePod(const kube::Pod& pod);

  /// Counts `pod` (which must have a uid) on `node_name` at once, before its binding is sent
  /// (kube-scheduler's AssumePod). A pod already counted is left as it is.
  void assume(const kube::Pod& pod, std::string_view node_name);
  /// Undoes assume() after a failed binding (kube-scheduler's ForgetPod); no-op unless the pod
  /// is still assumed.
  void forget(std::string_view uid);

  /// Pods assumed and not yet confirmed by the API.
  std::size_t assumedPods() const;
  /// Nodes in the cache.
  std::size_t nodeCount() const;

  /// Calls `f(nodes)` with every node's NodeInfo (in the order nodes were added; removals
  /// reorder) while holding the cache's lock, and returns what f returns. The span and the
  /// objects it points to are valid only inside f.
  template <class F>
  auto withNodes(F&& f) const {
    const std::lock_guard lock(mutex_);
    return std::forward<F>(f)(std::span<const framework::NodeInfo>(infos_));
  }

 private:
  struct PodEntry {
    std::unique_ptr<const kube::Pod> pod;
    std::string node;  ///< Where it is counted.
    bool assumed = false;
  };

  void attach(PodEntry& entry);
  void detach(const PodEntry& entry);
  void erasePod(std::unordered_map<std::string, PodEntry>::iterator it);
  framework::NodeInfo* infoOf(std::string_view node_name);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<const kube::Node>> node_objects_;  ///< Parallel to infos_.
  std::vector<framework::NodeInfo> infos_;
  std::unordered_map<std::string, std::size_t> node_index_;  ///< Name → index in infos_.
  std::unordered_map<std::string, PodEntry> pods_;           ///< By uid.
  /// Node name → uids of pods bound to a node the cache does not have (yet).
  std::unordered_map<std::string, std::vector<std::string>> orphans_;
  std::size_t assumed_ = 0;
};

}  // namespace keelson::schedule
