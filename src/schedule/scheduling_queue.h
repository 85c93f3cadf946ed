#pragma once

// The scheduler's queue of pods waiting for a node (kube-scheduler's PriorityQueue):
// - activeQ: pods to try now, highest spec.priority first, then the longest waiting;
// - backoffQ: pods that failed recently, each waiting out its backoff (initial × 2^(attempts-1),
//   capped: kube-scheduler's podInitialBackoffSeconds=1 and podMaxBackoffSeconds=10);
// - unschedulable pods: no node fitted; they move back (to activeQ, or to backoffQ while their
//   backoff lasts) on a cluster event that may make them schedulable (moveAllToActiveOrBackoff)
//   or after max_in_unschedulable (kube-scheduler's podMaxInUnschedulablePodsDuration, 5 min).
// A cluster event, or a change of the pod's labels, node selector, tolerations or requests,
// during a pod's scheduling cycle sends it to backoffQ rather than the unschedulable pods, so a
// change that raced its cycle is not missed. Status-only updates move nothing.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <string_view>
#include <tuple>

#include "kube/pod.h"

namespace keelson::schedule {

/// The queue's timings.
struct QueueOptions {
  std::chrono::milliseconds initial_backoff{1000};  ///< podInitialBackoffSeconds.
  std::chrono::milliseconds max_backoff{10000};     ///< podMaxBackoffSeconds.
  std::chrono::milliseconds max_in_unschedulable{std::chrono::minutes(5)};
};

/// A pod taken from the queue for one scheduling cycle.
struct QueuedPod {
  std::shared_ptr<const kube::Pod> pod;  ///< The latest version the queue was given.
  int attempts = 0;                      ///< Scheduling cycles so far, this one included.
  std::chrono::steady_clock::time_point first_queued;  ///< For the end-to-end latency.
  std::uint64_t cycle = 0;  ///< The queue's scheduling cycle number when popped.
};

/// How many pods each part of the queue holds (keelson_scheduler_pending_pods{queue=...}).
struct QueueDepths {
  std::size_t active = 0;
  std::size_t backoff = 0;
  std::size_t unschedulable = 0;
  std::size_t in_flight = 0;  ///< Popped and not yet done or requeued.
};

/// Thread-safe: informer handlers add, update and remove while the scheduling thread pops.
class SchedulingQueue {
 public:
  explicit SchedulingQueue(QueueOptions options = {});

  /// A pending pod (by uid; it must have one): added to activeQ, or updated in place when
  /// already queued or in flight. An update of an unschedulable pod that changes its labels, node
  /// selector, tolerations or requests moves it back (kube-scheduler moves a pod whose spec
  /// changed); a status-only update (e.g. its PodScheduled condition) does not.
  void add(const kube::Pod& pod);
  /// The pod left the queue's concern (deleted, bound, or no longer for this scheduler).
  void remove(std::string_view uid);

  /// Waits until a pod is active (moving expired backoffs and stale unschedulable pods first)
  /// and takes it; nullopt once `stop` is requested or close() was called.
  std::optional<QueuedPod> pop(std::stop_token stop);
  /// The cycle of `pod` ended with it bound (or given up): it leaves the queue.
  void done(const QueuedPod& pod);
  /// No node fitted `pod`: it waits among the unschedulable pods (or in backoffQ when a cluster
  /// event came during its cycle).
  void requeueUnschedulable(const QueuedPod& pod);
  /// An error (a failed bind, the API away): the pod waits out its backoff, then retries.
  void requeueBackoff(const QueuedPod& pod);
  /// A cluster event that may make unschedulable pods fit (a node added or changed, a pod
  /// deleted, a volume bound): each moves to activeQ, or backoffQ while its backoff lasts.
  void moveAllToActiveOrBackoff();
  /// A cluster event that may make only some unschedulable pods fit (a pod bound, or the labels
  /// of a bound pod changed: only pods with required pod affinity or topology spread terms can
  /// gain from it): the unschedulable pods for which `may_fit` holds move as in
  /// moveAllToActiveOrBackoff, and a pod in flight for which it holds goes to backoffQ if it
  /// turns out unschedulable. `may_fit` is called with the queue's lock held.
  void moveToActiveOrBackoff(const std::function<bool(const kube::Pod&)>& may_fit);

  /// Wakes pop() for good.
  void close();
  QueueDepths depths() const;

  /// The backoff after `attempts` failed cycles (>= 1): initial × 2^(attempts-1), capped.
  std::chrono::milliseconds backoffFor(int attempts) const;

 private:
  using Clock = std::chrono::steady_clock;
  enum class Where { kActive, kBackoff, kUnschedulable, kInFlight };
  struct Entry {
    std::shared_ptr<const kube::Pod> pod;
    Where where = Where::kActive;
    int attempts = 0;
    Clock::time_point first_queued;
    Clock::time_point queued;          ///< When it last entered activeQ (ordering).
    Clock::time_point backoff_expiry;  ///< When its backoff ends.
    Clock::time_point unschedulable_since;
    std::uint64_t sequence = 0;  ///< Ties in activeQ: first in, first out.
    std::uint64_t cycle = 0;
    bool removed_in_flight = false;
    /// A scheduling-relevant update, or an event it may fit after (moveToActiveOrBackoff),
    /// came during its cycle: if it turns out unschedulable it goes to backoffQ, not among the
    /// unschedulable pods.
    bool updated_in_flight = false;
  };
  /// activeQ's order: priority (highest first), then the time queued, then sequence.
  using ActiveKey = std::tuple<std::int32_t, Clock::time_point, std::uint64_t, std::string>;

  void activate(const std::string& uid, Entry& entry);
  void toBackoff(const std::string& uid, Entry& entry);
  void leave(const std::string& uid, Entry& entry);
  void flush(Clock::time_point now);
  std::optional<Clock::time_point> nextWake() const;
  void requeue(const QueuedPod& pod, bool unschedulable);

  QueueOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  std::map<std::string, Entry, std::less<>> entries_;  ///< By uid.
  std::set<ActiveKey> active_;
  std::set<std::pair<Clock::time_point, std::string>> backoff_;
  std::size_t unschedulable_ = 0;
  std::size_t in_flight_ = 0;
  std::uint64_t sequence_ = 0;
  std::uint64_t cycle_ = 0;
  std::uint64_t move_request_cycle_ = 0;  ///< cycle_ at the last moveAllToActiveOrBackoff.
  bool closed_ = false;
};

}  // namespace keelson::schedule
