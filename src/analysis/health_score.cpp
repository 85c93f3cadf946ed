#include "analysis/health_score.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>

#include "analysis/failure_events.h"

namespace keelson::analysis {
namespace {

using Kind = kube::ContainerState::Kind;

constexpr int kRestartPenaltyPerRestart = 10;
constexpr int kRestartPenaltyPerHourlyRestart = 20;
constexpr int kRestartPenaltyCap = 50;
constexpr int kWarningEventPenalty = 25;

constexpr int kScheduledPoints = 30;
constexpr int kContainersReadyPoints = 30;
constexpr int kReadyPoints = 40;

constexpr int kCreatingScore = 50;
constexpr int kUnknownScore = 25;

const kube::ContainerStatus* findStatus(const kube::List<kube::ContainerStatus>& statuses,
                                        std::string_view name) {
  for (const auto& status : statuses) {
    if (status.name == name) return &status;
  }
  return nullptr;
}

ContainerHealth containerHealth(std::string_view name, bool init,
                                const kube::ContainerStatus* status) {
  ContainerHealth out;
  out.name = name;
  out.init = init;
  out.state = "unknown";
  out.score = kUnknownScore;
  if (status == nullptr) return out;
  out.ready = status->ready;
  out.restart_count = status->restart_count;
  const kube::ContainerState& state = status->state;
  switch (state.kind) {
    case Kind::kNone:
      break;
    case Kind::kRunning:
      out.state = "running";
      out.score = 100;
      break;
    case Kind::kWaiting:
      out.state = "waiting";
      out.reason = state.reason;
      out.score = isFailingWaitingReason(state.reason) ? 0 : kCreatingScore;
      break;
    case Kind::kTerminated:
      out.state = "terminated";
      out.reason = state.reason;
      out.exit_code = state.exit_code;
      out.score =
          state.exit_code == 0 && (state.reason.empty() || state.reason == "Completed") ? 100 : 0;
      break;
  }
  return out;
}

// Every container of the spec, with its status; then statuses of containers the spec does not
// name (a pod decoded without its spec still shows what its status reports).
void appendContainers(const kube::List<kube::Container>& specs,
                      const kube::List<kube::ContainerStatus>& statuses, bool init,
                      std::vector<ContainerHealth>& out) {
  for (const auto& container : specs) {
    out.push_back(containerHealth(container.name, init, findStatus(statuses, container.name)));
  }
  for (const auto& status : statuses) {
    const bool in_spec = std::any_of(specs.begin(), specs.end(), [&](const kube::Container& c) {
      return c.name == status.name;
    });
    if (!in_spec) out.push_back(containerHealth(status.name, init, &status));
  }
}

RestartsComponent restartsComponent(const kube::Pod& pod, kube::Time now) {
  RestartsComponent out;
  for (const auto& status : pod.status.init_container_statuses) {
    out.restart_count += status.restart_count;
  }
  for (const auto& status : pod.status.container_statuses)
    out.restart_count += status.restart_count;
  const kube::Time start =
      kube::isSet(pod.status.start_time) ? pod.status.start_time : pod.metadata.creation_timestamp;
  if (kube::isSet(start) && now > start) {
    out.pod_age = std::chrono::duration_cast<std::chrono::seconds>(now - start);
  }
  const double hours = std::max(1.0, static_cast<double>(out.pod_age.count()) / 3600.0);
  out.restarts_per_hour = static_cast<double>(out.restart_count) / hours;
  const auto count_penalty =
      std::min<int64_t>(kRestartPenaltyCap, int64_t{kRestartPenaltyPerRestart} * out.restart_count);
  const auto rate_penalty = std::min<double>(
      kRestartPenaltyCap, std::round(kRestartPenaltyPerHourlyRestart * out.restarts_per_hour));
  out.score = std::max(0, 100 - static_cast<int>(count_penalty) - static_cast<int>(rate_penalty));
  return out;
}

ContainerStatesComponent containerStatesComponent(const kube::Pod& pod) {
  ContainerStatesComponent out;
  appendContainers(pod.spec.init_containers, pod.status.init_container_statuses, true,
                   out.containers);
  appendContainers(pod.spec.containers, pod.status.container_statuses, false, out.containers);
  for (const auto& container : out.containers) out.score = std::min(out.score, container.score);
  return out;
}

ConditionsComponent conditionsComponent(const kube::Pod& pod) {
  ConditionsComponent out;
  constexpr std::array<std::pair<std::string_view, int>, 3> kPoints = {
      {{"PodScheduled", kScheduledPoints},
       {"ContainersReady", kContainersReadyPoints},
       {"Ready", kReadyPoints}}};
  for (const auto& [type, points] : kPoints) {
    ConditionHealth health;
    health.type = std::string(type);
    if (const kube::Condition* c = kube::findCondition(pod.status.conditions, type)) {
      health.status = c->status;
      health.reason = c->reason;
      health.message = c->message;
      if (c->isTrue()) health.points = points;
    }
    out.score += health.points;
    out.conditions.push_back(std::move(health));
  }
  if (pod.status.phase == "Succeeded") out.score = 100;
  return out;
}

WarningEventsComponent warningEventsComponent(const kube::Pod& pod,
                                              const std::vector<kube::Event>& events,
                                              kube::Time now) {
  WarningEventsComponent out;
  const kube::Time since = now - out.window;
  for (const auto& event : events) {
    if (event.type != "Warning" || !isEventOfPod(event, pod)) continue;
    if (event.last_time < since) continue;
    out.events.push_back({event.reason, event.message, event.count, event.last_time});
    out.occurrences += event.count;
  }
  std::sort(out.events.begin(), out.events.end(),
            [](const WarningEventHealth& a, const WarningEventHealth& b) {
              return std::tie(b.last_time, a.reason, a.message) <
                     std::tie(a.last_time, b.reason, b.message);
            });
  const auto penalty = int64_t{kWarningEventPenalty} * static_cast<int64_t>(out.events.size());
  out.score = static_cast<int>(std::max<int64_t>(0, 100 - penalty));
  return out;
}

}  // namespace

HealthBand healthBand(int score) noexcept {
  if (score >= kHealthyMinScore) return HealthBand::kHealthy;
  if (score >= kDegradedMinScore) return HealthBand::kDegraded;
  if (score >= kUnhealthyMinScore) return HealthBand::kUnhealthy;
  return HealthBand::kCritical;
}

std::string_view healthBandName(HealthBand band) noexcept {
  switch (band) {
    case HealthBand::kHealthy:
      return "healthy";
    case HealthBand::kDegraded:
      return "degraded";
    case HealthBand::kUnhealthy:
      return "unhealthy";
    case HealthBand::kCritical:
      break;
  }
  return "critical";
}

bool isFailingWaitingReason(std::string_view reason) noexcept {
  constexpr std::array<std::string_view, 7> kFailing = {
      "CrashLoopBackOff",  "CreateContainerConfigError", "CreateContainerError",
      "RunContainerError", "PreCreateHookError",         "PostStartHookError",
      "ContainerCannotRun"};
  return isImagePullWaitingReason(reason) ||
         std::find(kFailing.begin(), kFailing.end(), reason) != kFailing.end();
}

HealthScore scorePodHealth(const kube::Pod& pod, const std::vector<kube::Event>& events,
                           kube::Time now) {
  HealthScore out;
  out.pod_name = pod.metadata.name;
  out.namespace_name = pod.metadata.namespace_name;
  out.phase = pod.status.phase;
  out.evaluated_at = now;
  out.restarts = restartsComponent(pod, now);
  out.container_states = containerStatesComponent(pod);
  out.conditions = conditionsComponent(pod);
  out.warning_events = warningEventsComponent(pod, events, now);
  const int weighted =
      out.restarts.score * kRestartsWeight + out.container_states.score * kContainerStatesWeight +
      out.conditions.score * kConditionsWeight + out.warning_events.score * kWarningEventsWeight;
  out.score = (weighted + 50) / 100;
  out.band = healthBand(out.score);
  return out;
}

}  // namespace keelson::analysis
