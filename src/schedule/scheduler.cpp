#include "schedule/scheduler.h"

#include <utility>

#include "core/error.h"

namespace keelson::schedule {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string keyOf(const kube::Pod& pod) {
  return pod.metadata.namespace_name + "/" + pod.metadata.name;
}

}  // namespace

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

Scheduler::Scheduler(const Profile& profile, SchedulerCache& cache, SchedulingQueue& queue,
                     SchedulerSink& sink, SchedulerHooks hooks)
    : profile_(profile), cache_(cache), queue_(queue), sink_(sink), hooks_(std::move(hooks)) {}

void Scheduler::run(std::stop_token stop) {
  while (scheduleOne(stop)) {
  }
}

bool Scheduler::scheduleOne(std::stop_token stop) {
  const std::optional<QueuedPod> queued = queue_.pop(stop);
  if (!queued) return false;
  const auto start = SteadyClock::now();
  Attempt outcome = attempt(*queued);
  const auto end = SteadyClock::now();
  outcome.duration = end - start;
  outcome.since_queued = end - queued->first_queued;
  if (hooks_.observe) hooks_.observe(outcome);
  return true;
}

Attempt Scheduler::attempt(const QueuedPod& queued) {
  const kube::Pod& pod = *queued.pod;
  Attempt out;
  out.pod = keyOf(pod);
  out.attempts = queued.attempts;
  try {
    const framework::PodInfo info(pod);
    const ObjectsView objects = hooks_.objects();
    const Placement placement = cache_.withNodes([&](std::span<const framework::NodeInfo> nodes) {
      const framework::Snapshot snapshot(objects.view, nodes);
      return place(profile_, info, snapshot, Detail::kDecision, next_start_);
    });
    next_start_ = placement.next_start;
    if (placement.node.empty()) {
      out.result = AttemptResult::kUnschedulable;
      out.message = placement.failure_message;
      sink_.failed(pod, out.message, false);
      queue_.requeueUnschedulable(queued);
      return out;
    }
    if (bindAssumed(queued, placement.node, out)) queue_.done(queued);
  } catch (const Error& e) {
    out.result = AttemptResult::kError;
    out.message = e.what();
    sink_.failed(pod, out.message, true);
    queue_.requeueBackoff(queued);
  }
  return out;
}

bool Scheduler::bindAssumed(const QueuedPod& queued, const std::string& node, Attempt& out) {
  const kube::Pod& pod = *queued.pod;
  if (hooks_.may_bind && !hooks_.may_bind()) {
    out.result = AttemptResult::kError;
    out.message = "not the leader: binding skipped";
    queue_.requeueBackoff(queued);
    return false;
  }
  cache_.assume(pod, node);
  try {
    sink_.bind(pod, node);
  } catch (const Error& e) {
    cache_.forget(pod.metadata.uid);
    out.result = AttemptResult::kError;
    out.message = std::string("binding rejected: ") + e.what();
    // Deleted, or bound by someone else meanwhile: nothing left to schedule.
    if (e.code() == ErrorCode::kNotFound || e.code() == ErrorCode::kConflict) return true;
    sink_.failed(pod, out.message, true);
    queue_.requeueBackoff(queued);
    return false;
  }
  out.result = AttemptResult::kScheduled;
  out.node = node;
  sink_.scheduled(pod, node);
  return true;
}

}  // namespace keelson::schedule
