#pragma once
// One monitoring tick's view of each pod: the capture's per-pod summary (requests, limits, usage,
// restarts) plus what only a sequence of ticks can say (restarts since the previous tick, warning
// events since the previous tick) and the container states behind a failure. Pure: no I/O.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/cluster_summary.h"
#include "kube/event.h"
#include "kube/pod.h"
#include "kube/stats_summary.h"

namespace keelson::analysis {

/// A pod's network counters from the kubelet Summary API (kube/stats_summary.h).
using PodNetwork = kube::NetworkCounters;

/// One pod at one tick.
struct PodSample {
  PodSummary summary;  ///< Requests, limits, usage (metrics.k8s.io), restarts, readiness.
  std::string uid;     ///< metadata.uid: a pod recreated under the same name is a new series.
  kube::Time created;  ///< metadata.creationTimestamp.
  /// Restarts since the previous tick; nullopt on the first tick that sees this pod (uid).
  std::optional<int> restarts_since_last_tick;
  /// "container=reason" for containers (init containers included) waiting with a reason, e.g.
  /// "app=CrashLoopBackOff", "app=ImagePullBackOff".
  std::vector<std::string> waiting_reasons;
  /// "container=reason" for containers whose current state is terminated, e.g. "app=Error".
  std::vector<std::string> terminated_reasons;
  /// "container=reason" of the previous termination (lastState.terminated), e.g. "app=OOMKilled".
  std::vector<std::string> last_terminated_reasons;
  /// Warning events about this pod whose latest occurrence falls in (previous tick, this tick].
  int warning_events = 0;
  /// nullopt when no source provided network counters for this pod.
  std::optional<PodNetwork> network;
  /// The pod's PodScheduled condition is False (kube-scheduler could not place it).
  bool unschedulable = false;
  /// When PodScheduled last changed (for how long the pod has been unschedulable).
  kube::Time scheduled_condition_since;
};

/// What the previous tick left behind: restart counts by pod uid, and the tick's time.
struct PreviousTick {
  std::map<std::string, int> restarts_by_uid;
  /// The previous tick's time. Before the first tick the caller sets it to now − interval, so
  /// that a single sample (`monitor --once`) counts the warnings of the last interval.
  kube::Time timestamp;
};

/// Inputs of samplePods besides the cluster state.
struct SampleInputs {
  const std::vector<kube::Event>* events = nullptr;  ///< All events listed this tick (may be null).
  /// Network counters keyed "namespace/name"; pods absent here get nullopt.
  const std::map<std::string, PodNetwork>* network = nullptr;
  kube::Time now;  ///< This tick's time: events later than it are not counted.
};

/// Builds one PodSample per pod that `summary.pods` lists (same order: namespace, then name),
/// matching each to its kube::Pod in `state.pods` by namespace and name. `previous` supplies the
/// restart counts of the previous tick. Does not throw.
std::vector<PodSample> samplePods(const ClusterState& state, const ClusterSummary& summary,
                                  const PreviousTick& previous, const SampleInputs& inputs);

/// Makes `previous` what the next call of samplePods should get after `samples` at `now`, in
/// place (see updateByUid).
void advanceTick(PreviousTick& previous, const std::vector<PodSample>& samples, kube::Time now);

/// Calls update(by_uid[sample.uid], sample) for each of `samples` that has a uid (a new uid gets
/// a value-initialised entry first), then erases the uids that no sample has. Updated in place, a
/// pod's entry is allocated once, when the pod appears: state kept across ticks is not
/// reallocated among each tick's short-lived memory, which would keep that memory's pages
/// resident after it is freed. Throws what update throws (and std::bad_alloc).
template <typename Value, typename Update>
void updateByUid(std::map<std::string, Value>& by_uid, const std::vector<PodSample>& samples,
                 Update update) {
  std::vector<std::string_view> present;
  present.reserve(samples.size());
  for (const auto& sample : samples) {
    if (sample.uid.empty()) continue;
    present.push_back(sample.uid);
    update(by_uid[sample.uid], sample);
  }
  std::sort(present.begin(), present.end());
  std::erase_if(by_uid, [&present](const auto& entry) {
    return !std::binary_search(present.begin(), present.end(), std::string_view(entry.first));
  });
}

}  // namespace keelson::analysis
