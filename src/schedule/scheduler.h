#pragma once

// The scheduling loop of `keelson scheduler` (kube-scheduler's scheduleOne): take the next pod
// from the queue, place it on a snapshot of the cache, assume it onto the chosen node, and hand
// it to a binder. One loop per process; the scheduling cycles run one at a time on the caller's
// thread, the binding cycles (the binding, its event, the outcome) on a pool of binder threads,
// as kube-scheduler binds in a goroutine per pod: the next cycle starts while the API server is
// still answering, and the assumed pod keeps its node's resources counted meanwhile.

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>

#include "kube/pod.h"
#include "schedule/framework/snapshot.h"
#include "schedule/placement.h"
#include "schedule/scheduler_cache.h"
#include "schedule/scheduling_queue.h"

namespace keelson::schedule {

/// "namespace/name" of `pod`: how the scheduler's attempts and log lines name it. Thread-safe.
std::string podKey(const kube::Pod& pod);

/// What the scheduler writes to the API server (kube-scheduler's binder and event recorder).
/// Implementations must be thread-safe; the loop calls them from its binder threads, several at
/// once.
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
  /// Asked before a pod is assumed and again right before its binding is sent: false stops
  /// the cycle (leadership lost). Default: true. Called from several threads.
  std::function<bool()> may_bind;
  /// Told of every attempt (metrics, logs), from the loop's or a binder's thread. Optional;
  /// must be thread-safe and must not throw.
  std::function<void(const Attempt&)> observe;
};

/// Binder threads by default: bindings (and the failure reports) in flight at once.
inline constexpr std::size_t kDefaultBinders = 16;

/// The loop. Thread-safety: run()/scheduleOne()/waitForBindings() from one thread; the queue and
/// cache are shared with the informer handlers (both are thread-safe). Not movable.
class Scheduler {
 public:
  /// All references must outlive the Scheduler. `binders` >= 1 threads bind and report.
  Scheduler(const Profile& profile, SchedulerCache& cache, SchedulingQueue& queue,
            SchedulerSink& sink, SchedulerHooks hooks, std::size_t binders = kDefaultBinders);
  /// Waits for the bindings in flight, then stops the binder threads.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// One scheduling cycle: pops a pod (waiting for one), places it, and assumes it and hands
  /// it to a binder, or hands its FailedScheduling report to one (the pod is requeued once it
  /// was sent). Returns false once the queue is closed or `stop` is requested. Never throws for a
  /// bad pod or an API failure: those are outcomes, observed when the binder is done.
  bool scheduleOne(const std::stop_token& stop);
  /// scheduleOne() until it returns false, then waitForBindings().
  void run(const std::stop_token& stop);
  /// Blocks until every binding and report handed to the binders has ended and was observed.
  void waitForBindings();

 private:
  struct Cycle;
  void reject(Cycle cycle, AttemptResult result, std::string message);
  void assumeAndBind(Cycle cycle, const std::string& node);
  void bindAssumed(Cycle& cycle, const std::string& node);
  void bindingFailed(Cycle& cycle, const std::string& message, bool gone);
  void requeueNotLeader(Cycle& cycle);
  bool mayBind() const;
  void finish(Cycle& cycle);
  /// Runs `task` on a binder thread, counted until it returns.
  template <typename Task>
  void handOff(Task task);

  const Profile& profile_;
  SchedulerCache& cache_;
  SchedulingQueue& queue_;
  SchedulerSink& sink_;
  SchedulerHooks hooks_;
  std::size_t next_start_ = 0;  ///< kube-scheduler's nextStartNodeIndex.
  std::mutex mutex_;
  std::condition_variable idle_;
  std::size_t in_flight_ = 0;         ///< Tasks handed to the binders and not yet ended; mutex_.
  boost::asio::thread_pool binders_;  ///< Last: joined first.
};

}  // namespace keelson::schedule
