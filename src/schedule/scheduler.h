#pragma once

// The scheduling loop of `keelson scheduler` (kube-scheduler's scheduleOne): take the next pod
// from the queue, place it on a snapshot of the cache, assume it onto the chosen node, bind it,
// and report the outcome. One loop per process; it runs on one thread.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>

#include "kube/pod.h"
#include "schedule/framework/snapshot.h"
#include "schedule/placement.h"
#include "schedule/scheduler_cache.h"
#include "schedule/scheduling_queue.h"

namespace keelson::schedule {

/// What the scheduler writes to the API server (kube-scheduler's binder and event recorder).
/// Implementations must be thread-safe; the loop calls them from its thread.
class SchedulerSink {
 public:
  virtual ~SchedulerSink() = default;
  /// Binds `pod` to `node` (POST .../pods/{name}/binding). Throws Error when the API refuses
  /// (kConflict: already bound) or cannot be reached.
  virtual void bind(const kube::Pod& pod, const std::string& node) = 0;
  /// Records the Scheduled event ("Successfully assigned NS/POD to NODE"). Must not throw.
  virtual void scheduled(const kube::Pod& pod, const std::string& node) noexcept = 0;
  /// Records the FailedScheduling event with `message` and sets the pod's PodScheduled
  /// condition to False (reason Unschedulable, or SchedulerError when `error`). Must not throw.
  virtual void failed(const kube::Pod& pod, const std::string& message, bool error) noexcept = 0;
};

/// The objects besides nodes and pods the filters read (PVCs, PVs, StorageClasses, Namespaces)
/// as of now; `keep_alive` holds them while the view is used.
struct ObjectsView {
  framework::ClusterView view;
  std::shared_ptr<const void> keep_alive;
};

/// How one scheduling attempt ended (kube-scheduler's schedule_attempts_total result label).
enum class AttemptResult { kScheduled, kUnschedulable, kError };

/// "scheduled", "unschedulable" or "error".
std::string_view attemptResultName(AttemptResult result) noexcept;

/// One scheduling attempt, for metrics and logs.
struct Attempt {
  AttemptResult result = AttemptResult::kScheduled;
  std::string pod;      ///< "namespace/name".
  std::string node;     ///< Chosen node; "" unless scheduled.
  std::string message;  ///< FailedScheduling message or the error; "" when scheduled.
  /// The scheduling algorithm and the binding (kube-scheduler's
  /// scheduling_attempt_duration_seconds).
  std::chrono::duration<double> duration{};
  /// From the pod's first entry into the queue to this attempt's end (for scheduled pods,
  /// kube-scheduler's pod_scheduling_sli_duration_seconds without its gating exclusions).
  std::chrono::duration<double> since_queued{};
  int attempts = 0;  ///< This pod's attempts so far, this one included.
};

/// What the loop needs besides the queue and the cache.
struct SchedulerHooks {
  /// The objects the volume and namespace-selector filters read. Required.
  std::function<ObjectsView()> objects;
  /// Asked right before each binding: false stops the cycle (leadership lost). Default: true.
  std::function<bool()> may_bind;
  /// Told of every attempt (metrics, logs). Optional; must not throw.
  std::function<void(const Attempt&)> observe;
};

/// The loop. Thread-safety: run()/scheduleOne() from one thread; the queue and cache are
/// shared with the informer handlers (both are thread-safe).
class Scheduler {
 public:
  /// All references must outlive the Scheduler.
  Scheduler(const Profile& profile, SchedulerCache& cache, SchedulingQueue& queue,
            SchedulerSink& sink, SchedulerHooks hooks);

  /// One cycle: pops a pod (waiting for one), places it, assumes and binds it, or requeues
  /// it. Returns false once the queue is closed or `stop` is requested. Never throws for a bad
  /// pod or an API failure: those are outcomes.
  bool scheduleOne(std::stop_token stop);
  /// scheduleOne() until it returns false.
  void run(std::stop_token stop);

 private:
  Attempt attempt(const QueuedPod& queued);
  bool bindAssumed(const QueuedPod& queued, const std::string& node, Attempt& out);

  const Profile& profile_;
  SchedulerCache& cache_;
  SchedulingQueue& queue_;
  SchedulerSink& sink_;
  SchedulerHooks hooks_;
  std::size_t next_start_ = 0;  ///< kube-scheduler's nextStartNodeIndex.
};

}  // namespace keelson::schedule
