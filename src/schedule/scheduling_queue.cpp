#include "schedule/scheduling_queue.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "kube/resources.h"

namespace keelson::schedule {

namespace {

/// An update that may change where the pod fits: its labels (affinity and spread terms of
/// others match them), node selector, tolerations or requests. Status updates (the scheduler's
/// own PodScheduled condition among them) are not: they would retry a pod that cannot fit.
bool schedulingRelevantUpdate(const kube::Pod& before, const kube::Pod& after) {
  const auto tolerations = [](const kube::Pod& pod) {
    std::vector<std::tuple<std::string, std::string, std::string, std::string>> out;
    for (const auto& t : pod.spec.tolerations) out.emplace_back(t.key, t.op, t.value, t.effect);
    return out;
  };
  return before.metadata.labels != after.metadata.labels ||
         before.spec.node_selector != after.spec.node_selector ||
         tolerations(before) != tolerations(after) ||
         kube::podRequests(before) != kube::podRequests(after);
}

}  // namespace

SchedulingQueue::SchedulingQueue(QueueOptions options) : options_(options) {}

std::chrono::milliseconds SchedulingQueue::backoffFor(int attempts) const {
  std::chrono::milliseconds backoff = options_.initial_backoff;
  for (int i = 1; i < attempts && backoff < options_.max_backoff; ++i) backoff *= 2;
  return std::min(backoff, options_.max_backoff);
}

void SchedulingQueue::leave(const std::string& uid, Entry& entry) {
  switch (entry.where) {
    case Where::kActive:
      active_.erase({-entry.pod->spec.priority, entry.queued, entry.sequence, uid});
      break;
    case Where::kBackoff:
      backoff_.erase({entry.backoff_expiry, uid});
      break;
    case Where::kUnschedulable:
      --unschedulable_;
      break;
    case Where::kInFlight:
      --in_flight_;
      break;
  }
}

void SchedulingQueue::activate(const std::string& uid, Entry& entry) {
  leave(uid, entry);
  entry.where = Where::kActive;
  entry.queued = Clock::now();
  entry.sequence = ++sequence_;
  active_.insert({-entry.pod->spec.priority, entry.queued, entry.sequence, uid});
  wake_.notify_all();
}

void SchedulingQueue::toBackoff(const std::string& uid, Entry& entry) {
  if (entry.backoff_expiry <= Clock::now()) {
    activate(uid, entry);
    return;
  }
  leave(uid, entry);
  entry.where = Where::kBackoff;
  backoff_.insert({entry.backoff_expiry, uid});
  wake_.notify_all();
}

void SchedulingQueue::add(const kube::Pod& pod) {
  const std::lock_guard lock(mutex_);
  auto shared = std::make_shared<const kube::Pod>(pod);
  const auto it = entries_.find(pod.metadata.uid);
  if (it == entries_.end()) {
    Entry entry;
    entry.pod = std::move(shared);
    entry.first_queued = Clock::now();
    entry.where = Where::kInFlight;  // So that activate() leaves nothing.
    ++in_flight_;
    activate(pod.metadata.uid, entries_.emplace(pod.metadata.uid, std::move(entry)).first->second);
    return;
  }
  Entry& entry = it->second;
  const bool relevant = schedulingRelevantUpdate(*entry.pod, pod);
  const bool in_active = entry.where == Where::kActive;
  if (in_active) leave(it->first, entry);
  entry.pod = std::move(shared);
  if (in_active) {
    // Keeps its place among pods of its priority (kube-scheduler keeps the timestamp too).
    active_.insert({-entry.pod->spec.priority, entry.queued, entry.sequence, it->first});
  } else if (entry.where == Where::kInFlight) {
    entry.updated_in_flight = entry.updated_in_flight || relevant;
  } else if (entry.where == Where::kUnschedulable && relevant) {
    toBackoff(it->first, entry);
  }
}

void SchedulingQueue::remove(std::string_view uid) {
  const std::lock_guard lock(mutex_);
  const auto it = entries_.find(uid);
  if (it == entries_.end()) return;
  if (it->second.where == Where::kInFlight) {
    it->second.removed_in_flight = true;  // done()/requeue*() drop it.
    return;
  }
  leave(it->first, it->second);
  entries_.erase(it);
}

void SchedulingQueue::flush(Clock::time_point now) {
  while (!backoff_.empty() && backoff_.begin()->first <= now) {
    const std::string uid = backoff_.begin()->second;
    activate(uid, entries_.at(uid));
  }
  for (auto& [uid, entry] : entries_) {
    if (entry.where == Where::kUnschedulable &&
        now - entry.unschedulable_since >= options_.max_in_unschedulable) {
      toBackoff(uid, entry);
    }
  }
}

std::optional<SchedulingQueue::Clock::time_point> SchedulingQueue::nextWake() const {
  std::optional<Clock::time_point> wake;
  if (!backoff_.empty()) wake = backoff_.begin()->first;
  if (unschedulable_ > 0) {
    const auto check = Clock::now() + std::chrono::seconds(1);
    wake = wake ? std::min(*wake, check) : check;
  }
  return wake;
}

std::optional<QueuedPod> SchedulingQueue::pop(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (true) {
    if (closed_ || stop.stop_requested()) return std::nullopt;
    flush(Clock::now());
    if (!active_.empty()) break;
    if (const auto wake = nextWake()) {
      // Ends early on close(), a pod made active, or a backoff that now ends before `wake`.
      wake_.wait_until(lock, stop, *wake, [this, &wake] {
        return closed_ || !active_.empty() ||
               (!backoff_.empty() && backoff_.begin()->first < *wake);
      });
    } else {
      // Until a pod is active or waits (a binder may requeue a pod into backoffQ meanwhile).
      wake_.wait(lock, stop,
                 [this] { return closed_ || !active_.empty() || nextWake().has_value(); });
    }
  }
  const std::string uid = std::get<3>(*active_.begin());
  Entry& entry = entries_.at(uid);
  leave(uid, entry);
  entry.where = Where::kInFlight;
  ++in_flight_;
  ++entry.attempts;
  entry.cycle = ++cycle_;
  return QueuedPod{entry.pod, entry.attempts, entry.first_queued, entry.cycle};
}

void SchedulingQueue::done(const QueuedPod& pod) {
  const std::lock_guard lock(mutex_);
  const auto it = entries_.find(pod.pod->metadata.uid);
  if (it == entries_.end() || it->second.where != Where::kInFlight) return;
  leave(it->first, it->second);
  entries_.erase(it);
}

void SchedulingQueue::requeue(const QueuedPod& pod, bool unschedulable) {
  const std::lock_guard lock(mutex_);
  const auto it = entries_.find(pod.pod->metadata.uid);
  if (it == entries_.end() || it->second.where != Where::kInFlight) return;
  Entry& entry = it->second;
  if (entry.removed_in_flight) {
    leave(it->first, entry);
    entries_.erase(it);
    return;
  }
  entry.backoff_expiry = Clock::now() + backoffFor(entry.attempts);
  const bool updated = std::exchange(entry.updated_in_flight, false);
  if (unschedulable && move_request_cycle_ < pod.cycle && !updated) {
    leave(it->first, entry);
    entry.where = Where::kUnschedulable;
    entry.unschedulable_since = Clock::now();
    ++unschedulable_;
    wake_.notify_all();
    return;
  }
  toBackoff(it->first, entry);
}

void SchedulingQueue::requeueUnschedulable(const QueuedPod& pod) { requeue(pod, true); }

void SchedulingQueue::requeueBackoff(const QueuedPod& pod) { requeue(pod, false); }

void SchedulingQueue::moveAllToActiveOrBackoff() {
  const std::lock_guard lock(mutex_);
  move_request_cycle_ = cycle_;
  for (auto& [uid, entry] : entries_) {
    if (entry.where == Where::kUnschedulable) toBackoff(uid, entry);
  }
}

void SchedulingQueue::moveToActiveOrBackoff(const std::function<bool(const kube::Pod&)>& may_fit) {
  const std::lock_guard lock(mutex_);
  for (auto& [uid, entry] : entries_) {
    if (entry.where == Where::kUnschedulable && may_fit(*entry.pod)) {
      toBackoff(uid, entry);
    } else if (entry.where == Where::kInFlight && may_fit(*entry.pod)) {
      entry.updated_in_flight = true;
    }
  }
}

void SchedulingQueue::close() {
  const std::lock_guard lock(mutex_);
  closed_ = true;
  wake_.notify_all();
}

QueueDepths SchedulingQueue::depths() const {
  const std::lock_guard lock(mutex_);
  return QueueDepths{active_.size(), backoff_.size(), unschedulable_, in_flight_};
}

}  // namespace keelson::schedule
