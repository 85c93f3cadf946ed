#pragma once

// Pod counts and per-node sums of requests and limits, kept up to date from a pods informer's
// event handlers (ClusterTotals), so that the cluster summary of a large cluster does not visit
// every pod on every request. summarizeCluster computes the same PodTotals in one pass when it
// is given every pod instead.

#include <map>
#include <mutex>
#include <span>
#include <stop_token>
#include <string>
#include <unordered_map>

#include "kube/informer.h"
#include "kube/objects.h"
#include "kube/pod.h"

namespace keelson::analysis {

/// What the non-terminated pods bound to one node add up to.
struct NodePodTotals {
  /// Sum of kube::podRequests over the node's non-terminated pods. A resource whose sum falls
  /// back to zero as pods leave is dropped.
  kube::ResourceList requested;
  kube::ResourceList limits;  ///< Same, for kube::podLimits.
  int pods = 0;               ///< Non-terminated pods bound to the node.
};

/// Pod counts over a set of pods. A plain value: not thread-safe (ClusterTotals guards one).
struct PodTotals {
  int total_pods = 0;
  std::map<std::string, int> pods_by_phase;  ///< status.phase ("Unknown" when empty) → count > 0.
  int healthy_pods = 0;                      ///< Running with every container ready, or Succeeded.
  /// By spec.nodeName, for pods bound to a node and neither Succeeded nor Failed (what
  /// kubectl's "Allocated resources" counts); a node without such pods has no entry.
  std::unordered_map<std::string, NodePodTotals> by_node;

  /// Counts `pod` in. Throws Error(kBadInput) if a quantity sum overflows.
  void add(const kube::Pod& pod);
  /// Counts `pod` (a state that was added before) out. Throws Error(kBadInput) on overflow.
  void remove(const kube::Pod& pod);
};

/// The PodTotals of `pods`. Throws Error(kTimeout) "cluster summary cancelled" once `cancel` is
/// requested (checked every 256 pods), Error(kBadInput) on overflow.
PodTotals podTotals(std::span<const kube::Pod* const> pods, const std::stop_token& cancel = {});

/// PodTotals kept current by a pods informer's event handlers (handlers(), added before the
/// informer starts): each added pod is counted in, each deleted one out, an update is both.
///
/// Thread-safety: thread-safe; the handlers run on the informer thread while current() is
/// called from request threads.
class ClusterTotals {
 public:
  /// The handlers that keep this object current. It must outlive the informer they are added to.
  kube::EventHandlers<kube::Pod> handlers();
  /// A copy of the current totals (O(nodes × resources)).
  PodTotals current() const;

 private:
  mutable std::mutex mutex_;
  PodTotals totals_;
};

}  // namespace keelson::analysis
