#include "act/drain.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "act/cordon.h"
#include "act/eviction.h"
#include "core/duration.h"
#include "core/error.h"
#include "kube/api_error.h"

namespace keelson::act {

namespace {

std::string qualified(const kube::Pod& pod) {
  return fmt::format("{}/{}", pod.metadata.namespace_name, pod.metadata.name);
}

// The first check that evicted pods are gone, after the one made at once.
constexpr std::chrono::milliseconds kFirstPollDelay{100};

// Where one pod is in the drain.
enum class PodState { kPending, kWaiting, kGone, kFailed };

class Drainer {
 public:
  Drainer(ActionContext& context, std::string node, const DrainOptions& options,
          const DrainObserver& observer)
      : context_(context),
        node_(std::move(node)),
        options_(options),
        observer_(observer),
        clock_(*options.clock),
        started_(clock_.steadyNow()),
        deadline_(options.timeout.count() > 0
                      ? core::Clock::saturatingAdd(started_, options.timeout)
                      : core::SteadyTime::max()) {}

  ActionResult run();

 private:
  std::vector<PodDelete> filtered(const std::vector<kube::Pod>& pods);
  void removeAll();
  void removeOne(std::size_t index);
  bool evictOrDelete(std::size_t index);
  void pollGone();
  void timeOutWaiting();
  void finish(std::size_t index, PodState state, std::string error_line = {});
  bool allDone() const;     // mutex_ held
  bool anyWaiting() const;  // mutex_ held
  void emit(DrainEvent event);
  void reportProgress();
  // kubectl's "global timeout reached: 30s", or "interrupted" when the stop token ended it.
  std::string whyStopped() const {
    return pastDeadline() ? "global timeout reached: " + core::formatDuration(options_.timeout)
                          : "interrupted";
  }
  bool pastDeadline() const { return clock_.steadyNow() >= deadline_; }

  ActionContext& context_;
  std::string node_;
  const DrainOptions& options_;
  const DrainObserver& observer_;
  const core::Clock& clock_;
  core::SteadyTime started_;
  core::SteadyTime deadline_;
  std::string suffix_;

  std::vector<kube::Pod> to_remove_;  // fixed once removal starts
  mutable std::mutex mutex_;          // guards the fields below
  std::condition_variable_any changed_;
  std::vector<PodState> states_;
  std::map<std::string, std::string> blocked_;
  std::vector<std::string> errors_;
  std::vector<std::string> gone_lines_;
  std::mutex observer_mutex_;  // one observer call at a time
};

void Drainer::emit(DrainEvent event) {
  if (!observer_.on_event) return;
  const std::scoped_lock lock(observer_mutex_);
  observer_.on_event(event);
}

void Drainer::reportProgress() {
  if (!observer_.on_progress) return;
  DrainProgress progress;
  {
    const std::scoped_lock lock(mutex_);
    progress.total = states_.size();
    for (const PodState state : states_) {
      progress.pending += state == PodState::kPending ? 1 : 0;
      progress.waiting += state == PodState::kWaiting ? 1 : 0;
      progress.gone += state == PodState::kGone ? 1 : 0;
      progress.failed += state == PodState::kFailed ? 1 : 0;
    }
    progress.blocked = blocked_;
  }
  progress.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.steadyNow() - started_);
  const std::scoped_lock lock(observer_mutex_);
  observer_.on_progress(progress);
}

std::vector<PodDelete> Drainer::filtered(const std::vector<kube::Pod>& pods) {
  const DaemonSetLookup daemonsets =
      [this](const std::string& ns,
             const std::string& name) -> std::optional<DaemonSetLookupError> {
    try {
      context_.get(fmt::format("/apis/apps/v1/namespaces/{}/daemonsets/{}", ns, name));
      return std::nullopt;
    } catch (const kube::ApiError& e) {
      return DaemonSetLookupError{e.code() == ErrorCode::kNotFound, e.serverMessage()};
    } catch (const Error& e) {
      return DaemonSetLookupError{false, e.what()};
    }
  };
  const auto now = clock_.wallNow();
  std::vector<PodDelete> items;
  items.reserve(pods.size());
  for (const kube::Pod& pod : pods) {
    items.push_back({pod, filterPod(pod, options_.filters, daemonsets, now)});
  }
  return items;
}

ActionResult Drainer::run() {
  ActionResult result = setUnschedulable(context_, node_, true);
  result.verb = "drain";
  suffix_ = std::string(dryRunSuffix(context_.options().dry_run));
  emit({DrainEvent::Type::kCordoned, "",
        fmt::format("{} {}{}", result.target, result.summary, suffix_), ""});
  if (!result.changes.empty()) result.changes = {fmt::format("{} cordoned", result.target)};
  result.skipped.clear();
  result.summary.clear();

  kube::ListOptions list;
  list.field_selector = "spec.nodeName=" + node_;
  list.label_selector = options_.pod_selector;
  list.limit = options_.chunk_size;
  const std::vector<PodDelete> items = filtered(context_.listPods(list));

  for (const PodDelete& item : items) {
    if (item.status.remove || item.status.reason == PodDeleteStatus::Reason::kError) continue;
    const std::string why =
        item.status.reason == PodDeleteStatus::Reason::kWarning ? item.status.message
        : item.pod.metadata.annotations.contains("kubernetes.io/config.mirror")
            ? "mirror pod"
            : fmt::format("DeletionTimestamp older than {} seconds",
                          options_.filters.skip_wait_for_delete_timeout_seconds);
    result.skipped.push_back({"pod/" + qualified(item.pod), why});
  }
  if (const std::vector<std::string> refused = refusals(items); !refused.empty()) {
    // kubectl refuses the whole node before evicting anything.
    result.outcome = result.changes.empty() ? Outcome::kRefused : Outcome::kFailed;
    result.errors = refused;
    result.error = refused.size() == 1 ? refused[0] : fmt::format("[{}]", fmt::join(refused, ", "));
    return result;
  }
  if (std::string text = warnings(items); !text.empty()) {
    emit({DrainEvent::Type::kWarning, "", text, ""});
    result.warnings.push_back(std::move(text));
  }
  for (const PodDelete& item : items) {
    if (item.status.remove) to_remove_.push_back(item.pod);
  }
  const std::string verb = options_.disable_eviction ? "deleted" : "evicted";
  if (context_.options().dry_run == DryRun::kClient) {
    for (const kube::Pod& pod : to_remove_) {
      emit({DrainEvent::Type::kEvicting, qualified(pod),
            fmt::format("evicting pod {}{}", qualified(pod), suffix_), ""});
      result.changes.push_back(fmt::format("pod/{} {}", qualified(pod), verb));
    }
    result.summary = "drained";
    return result;
  }

  removeAll();
  for (std::size_t i = 0; i < to_remove_.size(); ++i) {
    if (states_[i] == PodState::kGone) {
      result.changes.push_back(fmt::format("pod/{} {}", qualified(to_remove_[i]), verb));
    }
  }
  if (!errors_.empty()) {
    result.outcome = Outcome::kFailed;
    result.errors = errors_;
    result.error = errors_.size() == 1 ? errors_[0] : fmt::format("[{}]", fmt::join(errors_, ", "));
    for (std::size_t i = 0; i < to_remove_.size(); ++i) {
      if (states_[i] != PodState::kGone) {
        result.skipped.push_back({"pod/" + qualified(to_remove_[i]), "still on the node"});
      }
    }
    return result;
  }
  result.summary = "drained";
  return result;
}

void Drainer::finish(std::size_t index, PodState state, std::string error_line) {
  {
    const std::scoped_lock lock(mutex_);
    states_[index] = state;
    blocked_.erase(qualified(to_remove_[index]));
    if (!error_line.empty()) errors_.push_back(error_line);
  }
  changed_.notify_all();
  if (!error_line.empty()) {
    emit({DrainEvent::Type::kError, qualified(to_remove_[index]), std::move(error_line), ""});
  }
  reportProgress();
}

bool Drainer::anyWaiting() const {
  return std::any_of(states_.begin(), states_.end(),
                     [](PodState s) { return s == PodState::kWaiting; });
}

bool Drainer::allDone() const {
  return std::all_of(states_.begin(), states_.end(),
                     [](PodState s) { return s == PodState::kGone || s == PodState::kFailed; });
}

// One attempt loop for one pod; returns true once the eviction (or delete) was accepted or the
// pod was already gone, false when it ended in an error (already recorded).
bool Drainer::evictOrDelete(std::size_t index) {
  const kube::Pod& pod = to_remove_[index];
  const std::string& ns = pod.metadata.namespace_name;
  const std::string& name = pod.metadata.name;
  kube::DeleteOptions delete_options;
  delete_options.grace_period_seconds = options_.grace_period_seconds;
  for (;;) {
    if (!options_.disable_eviction) {
      emit({DrainEvent::Type::kEvicting, qualified(pod),
            fmt::format("evicting pod {}{}", qualified(pod), suffix_), ""});
    }
    if (pastDeadline() || context_.stop().stop_requested()) {
      finish(index, PodState::kFailed,
             fmt::format("error when evicting pods/\"{}\" -n \"{}\": {}", name, ns, whyStopped()));
      return false;
    }
    try {
      if (options_.disable_eviction) {
        context_.remove(fmt::format("/api/v1/namespaces/{}/pods/{}", ns, name), delete_options);
      } else {
        context_.evict(ns, name, delete_options);
      }
      return true;
    } catch (const kube::ApiError& e) {
      const EvictionRefusal refusal = classifyEviction(e, ns);
      using Kind = EvictionRefusal::Kind;
      if (refusal.kind == Kind::kGone) {
        finish(index, PodState::kGone);
        return false;
      }
      if (refusal.kind == Kind::kTerminating && kube::isSet(pod.metadata.deletion_timestamp)) {
        return true;  // it is being deleted with its namespace: wait for it
      }
      if (refusal.kind == Kind::kFatal) {
        finish(index, PodState::kFailed,
               fmt::format("error when {} pods/\"{}\" -n \"{}\": {}",
                           options_.disable_eviction ? "deleting" : "evicting", name, ns,
                           e.serverMessage().empty() ? e.what() : e.serverMessage()));
        return false;
      }
      std::string line = fmt::format(
          "error when evicting pods/\"{}\" -n \"{}\" (will retry after {}): {}", name, ns,
          core::formatDuration(options_.retry_interval), blockedMessage(e, refusal));
      {
        const std::scoped_lock lock(mutex_);
        blocked_[qualified(pod)] = refusal.budget.empty() ? e.serverMessage() : refusal.budget;
      }
      emit({DrainEvent::Type::kRetrying, qualified(pod), std::move(line), refusal.budget});
      reportProgress();
      clock_.sleepUntil(
          std::min(core::Clock::saturatingAdd(clock_.steadyNow(), options_.retry_interval),
                   deadline_),
          context_.stop());
    } catch (const Error& e) {
      finish(index, PodState::kFailed,
             fmt::format("error when evicting pods/\"{}\" -n \"{}\": {}", name, ns, e.what()));
      return false;
    }
  }
}

void Drainer::removeOne(std::size_t index) {
  if (!evictOrDelete(index)) return;
  if (context_.options().dry_run == DryRun::kServer) {
    finish(index, PodState::kGone);
    return;
  }
  {
    const std::scoped_lock lock(mutex_);
    states_[index] = PodState::kWaiting;
    blocked_.erase(qualified(to_remove_[index]));
  }
  changed_.notify_all();
  reportProgress();
}

// Every waiting pod still on the node with the same UID is still waiting; the others are gone.
void Drainer::pollGone() {
  kube::ListOptions list;
  list.field_selector = "spec.nodeName=" + node_;
  list.limit = options_.chunk_size;
  std::vector<kube::Pod> present;
  try {
    present = context_.listPods(list);
  } catch (const Error&) {
    return;  // a failed poll is tried again at the next interval, until the timeout
  }
  std::map<std::string, const kube::Pod*> by_name;
  for (const kube::Pod& pod : present) by_name[qualified(pod)] = &pod;
  const auto now = clock_.wallNow();
  const std::string verb = options_.disable_eviction ? "deleted" : "evicted";
  for (std::size_t i = 0; i < to_remove_.size(); ++i) {
    {
      const std::scoped_lock lock(mutex_);
      if (states_[i] != PodState::kWaiting) continue;
    }
    const kube::Pod& pod = to_remove_[i];
    const auto found = by_name.find(qualified(pod));
    if (found == by_name.end() || found->second->metadata.uid != pod.metadata.uid) {
      emit({DrainEvent::Type::kGone, qualified(pod),
            fmt::format("pod/{} {}", pod.metadata.name, verb), ""});
      finish(i, PodState::kGone);
    } else if (deletedTooLongAgo(*found->second,
                                 options_.filters.skip_wait_for_delete_timeout_seconds, now)) {
      emit({DrainEvent::Type::kSkippedWaiting, qualified(pod),
            fmt::format("pod \"{}\" has DeletionTimestamp older than {} seconds, skipping",
                        pod.metadata.name, options_.filters.skip_wait_for_delete_timeout_seconds),
            ""});
      finish(i, PodState::kGone);
    }
  }
}

void Drainer::timeOutWaiting() {
  for (std::size_t i = 0; i < to_remove_.size(); ++i) {
    {
      const std::scoped_lock lock(mutex_);
      if (states_[i] != PodState::kWaiting) continue;
    }
    finish(i, PodState::kFailed,
           fmt::format("error when waiting for pod \"{}\" in namespace \"{}\" to terminate: {}",
                       to_remove_[i].metadata.name, to_remove_[i].metadata.namespace_name,
                       whyStopped()));
  }
}

void Drainer::removeAll() {
  states_.assign(to_remove_.size(), PodState::kPending);
  reportProgress();
  std::atomic<std::size_t> next{0};
  const std::size_t workers = std::clamp<std::size_t>(options_.parallelism, 1, to_remove_.size());
  {
    std::vector<std::jthread> pool;
    pool.reserve(workers);
    for (std::size_t w = 0; w < workers; ++w) {
      pool.emplace_back([this, &next] {
        for (std::size_t i = next++; i < to_remove_.size(); i = next++) removeOne(i);
      });
    }
    // Evicted pods are checked at once, then after 100 ms, doubling up to poll_interval: a
    // pod without a grace period goes within a fraction of a second, a slow one is not
    // polled for more often than once per interval.
    auto delay = std::min(kFirstPollDelay, options_.poll_interval);
    for (;;) {
      std::unique_lock lock(mutex_);
      if (allDone()) break;
      const bool was_waiting = anyWaiting();
      const auto wake = std::min(core::Clock::saturatingAdd(clock_.steadyNow(), delay), deadline_);
      // With nothing waiting yet, the first pod that starts waiting ends the sleep.
      clock_.waitUntil(lock, changed_, context_.stop(), wake,
                       [&] { return allDone() || (!was_waiting && anyWaiting()); });
      const bool poll = anyWaiting();
      lock.unlock();
      if (poll) {
        pollGone();
        if (was_waiting) delay = std::min(delay * 2, options_.poll_interval);
      }
      if (pastDeadline() || context_.stop().stop_requested()) {
        // Workers see the deadline themselves; pods evicted but not gone fail here.
        timeOutWaiting();
      }
    }
  }
  reportProgress();
}

}  // namespace

ActionResult drain(ActionContext& context, const std::string& node, const DrainOptions& options,
                   const DrainObserver& observer) {
  Drainer drainer(context, node, options, observer);
  return drainer.run();
}

}  // namespace keelson::act
