#include "schedule/scheduler.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <exception>
#include <utility>

#include "core/error.h"

namespace keelson::schedule {
namespace {

using SteadyClock = std::chrono::steady_clock;

}  // namespace

std::string podKey(const kube::Pod& pod) {
  return pod.metadata.namespace_name + "/" + pod.metadata.name;
}

std::string_view attemptResultName(AttemptResult result) noexcept {
  switch (result) {
    case AttemptResult::kScheduled:
      return "scheduled";
    case AttemptResult::kUnschedulable:
      return "unschedulable";
    case AttemptResult::kError:
      return "error";
  }
  return "error";
}

/// One pod's way from the queue to its outcome: the scheduling cycle fills it, a binder ends it.
struct Scheduler::Cycle {
  QueuedPod queued;
  Attempt out;
  SteadyClock::time_point start;
};

Scheduler::Scheduler(const Profile& profile, SchedulerCache& cache, SchedulingQueue& queue,
                     SchedulerSink& sink, SchedulerHooks hooks, std::size_t binders)
    : profile_(profile),
      cache_(cache),
      queue_(queue),
      sink_(sink),
      hooks_(std::move(hooks)),
      binders_(std::max<std::size_t>(1, binders)) {}

Scheduler::~Scheduler() { waitForBindings(); }

void Scheduler::run(const std::stop_token& stop) {
  while (scheduleOne(stop)) {
  }
  waitForBindings();
}

void Scheduler::waitForBindings() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return in_flight_ == 0; });
}

template <typename Task>
void Scheduler::handOff(Task task) {
  {
    const std::lock_guard lock(mutex_);
    ++in_flight_;
  }
  boost::asio::post(binders_, [this, task = std::move(task)]() mutable {
    task();
    // Notified under the lock; the pool is joined before mutex_ and idle_ are destroyed.
    const std::lock_guard lock(mutex_);
    if (--in_flight_ == 0) idle_.notify_all();
  });
}

bool Scheduler::scheduleOne(const std::stop_token& stop) {
  std::optional<QueuedPod> queued = queue_.pop(stop);
  if (!queued) return false;
  Cycle cycle{std::move(*queued), {}, SteadyClock::now()};
  const kube::Pod& pod = *cycle.queued.pod;
  cycle.out.pod = podKey(pod);
  cycle.out.attempts = cycle.queued.attempts;
  Placement placement;
  try {
    const framework::PodInfo info(pod);
    const ObjectsView objects = hooks_.objects();
    placement = cache_.withNodes([&](std::span<const framework::NodeInfo> nodes) {
      const framework::Snapshot snapshot(objects.view, nodes);
      return place(profile_, info, snapshot, Detail::kDecision, next_start_);
    });
    next_start_ = placement.next_start;
  } catch (const Error& e) {
    reject(std::move(cycle), AttemptResult::kError, e.what());
    return true;
  }
  if (placement.node.empty()) {
    reject(std::move(cycle), AttemptResult::kUnschedulable, std::move(placement.failure_message));
  } else {
    assumeAndBind(std::move(cycle), placement.node);
  }
  return true;
}

void Scheduler::reject(Cycle cycle, AttemptResult result, std::string message) {
  cycle.out.result = result;
  cycle.out.message = std::move(message);
  // Reported before the pod is requeued, so that a later cycle's binding cannot be followed by
  // this cycle's PodScheduled=False. A cluster event meanwhile still moves it (the queue keeps
  // the cycle it was popped in).
  handOff([this, cycle = std::move(cycle)]() mutable {
    const bool error = cycle.out.result == AttemptResult::kError;
    sink_.failed(*cycle.queued.pod, cycle.out.message, error);
    if (error) {
      queue_.requeueBackoff(cycle.queued);
    } else {
      queue_.requeueUnschedulable(cycle.queued);
    }
    finish(cycle);
  });
}

void Scheduler::assumeAndBind(Cycle cycle, const std::string& node) {
  if (!mayBind()) {
    requeueNotLeader(cycle);
    return;
  }
  cache_.assume(*cycle.queued.pod, node);
  handOff([this, cycle = std::move(cycle), node]() mutable { bindAssumed(cycle, node); });
}

void Scheduler::bindAssumed(Cycle& cycle, const std::string& node) {
  const kube::Pod& pod = *cycle.queued.pod;
  if (!mayBind()) {
    cache_.forget(pod.metadata.uid);
    requeueNotLeader(cycle);
    return;
  }
  try {
    sink_.bind(pod, node);
  } catch (const Error& e) {
    // Deleted, or bound by someone else meanwhile: nothing left to schedule.
    const bool gone = e.code() == ErrorCode::kNotFound || e.code() == ErrorCode::kConflict;
    bindingFailed(cycle, e.what(), gone);
    return;
  } catch (const std::exception& e) {
    bindingFailed(cycle, e.what(), false);
    return;
  }
  cycle.out.result = AttemptResult::kScheduled;
  cycle.out.node = node;
  sink_.scheduled(pod, node);
  queue_.done(cycle.queued);
  finish(cycle);
}

void Scheduler::bindingFailed(Cycle& cycle, const std::string& message, bool gone) {
  const kube::Pod& pod = *cycle.queued.pod;
  cache_.forget(pod.metadata.uid);
  cycle.out.result = AttemptResult::kError;
  cycle.out.message = "binding rejected: " + message;
  if (gone) {
    queue_.done(cycle.queued);
  } else {
    sink_.failed(pod, cycle.out.message, true);
    queue_.requeueBackoff(cycle.queued);
  }
  finish(cycle);
}

void Scheduler::requeueNotLeader(Cycle& cycle) {
  cycle.out.result = AttemptResult::kError;
  cycle.out.message = "not the leader: binding skipped";
  queue_.requeueBackoff(cycle.queued);
  finish(cycle);
}

bool Scheduler::mayBind() const { return !hooks_.may_bind || hooks_.may_bind(); }

void Scheduler::finish(Cycle& cycle) {
  const auto end = SteadyClock::now();
  cycle.out.duration = end - cycle.start;
  cycle.out.since_queued = end - cycle.queued.first_queued;
  if (hooks_.observe) hooks_.observe(cycle.out);
}

}  // namespace keelson::schedule
