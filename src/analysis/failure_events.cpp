#include "analysis/failure_events.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <tuple>

namespace keelson::analysis {
namespace {

using FC = FailureCategory;

// Reasons kubelet reports as Normal for routine work; they signal a problem only when they
// recur often (a container restarting pulls, creates and starts again).
constexpr std::array<std::string_view, 5> kRoutineReasons = {"Pulling", "Pulled", "Created",
                                                             "Started", "Killing"};

const std::vector<FailureRule>& ruleTable() {
  static const std::vector<FailureRule> rules = {
      // Image pulls first: kubelet reports them under the generic Failed and BackOff reasons.
      {"Failed",
       {"ErrImageNeverPull", "InvalidImageName", "Failed to pull image", "ErrImagePull",
        "ImagePullBackOff"},
       FC::kImagePull},
      {"BackOff", {"Back-off pulling image"}, FC::kImagePull},
      {"BackOff", {"Back-off restarting failed container"}, FC::kContainerCrash},
      {"BackOff", {}, FC::kContainerCrash},
      {"ErrImageNeverPull", {}, FC::kImagePull},
      {"InspectFailed", {}, FC::kImagePull},
      {"ErrImagePull", {}, FC::kImagePull},
      {"ImagePullBackOff", {}, FC::kImagePull},
      {"Pulling", {}, FC::kImagePull},
      {"Pulled", {}, FC::kImagePull},
      // Probes, including the kill that follows a failed liveness or startup probe.
      {"Unhealthy", {}, FC::kProbe},
      {"ProbeWarning", {}, FC::kProbe},
      {"Killing", {"failed liveness probe", "failed startup probe"}, FC::kProbe},
      {"FailedMount", {}, FC::kVolume},
      {"FailedAttachVolume", {}, FC::kVolume},
      {"FailedMapVolume", {}, FC::kVolume},
      {"FailedUnMount", {}, FC::kVolume},
      {"FailedDetachVolume", {}, FC::kVolume},
      {"VolumeResizeFailed", {}, FC::kVolume},
      {"FileSystemResizeFailed", {}, FC::kVolume},
      {"OOMKilling", {}, FC::kResource},
      {"Evicted", {}, FC::kResource},
      {"Preempted", {}, FC::kResource},
      {"OutOfcpu", {}, FC::kResource},
      {"OutOfmemory", {}, FC::kResource},
      {"OutOfpods", {}, FC::kResource},
      {"OutOfephemeral-storage", {}, FC::kResource},
      {"EvictionThresholdMet", {}, FC::kResource},
      {"FreeDiskSpaceFailed", {}, FC::kResource},
      {"FailedScheduling", {}, FC::kScheduling},
      {"NotTriggerScaleUp", {}, FC::kScheduling},
      {"FailedCreatePodSandBox", {}, FC::kNetwork},
      {"FailedKillPodSandBox", {}, FC::kNetwork},
      {"NetworkNotReady", {}, FC::kNetwork},
      {"DNSConfigForming", {}, FC::kNetwork},
      {"Failed", {}, FC::kContainerCrash},
      {"Killing", {}, FC::kContainerCrash},
      {"Started", {}, FC::kContainerCrash},
      {"Created", {}, FC::kContainerCrash},
      {"ExceededGracePeriod", {}, FC::kContainerCrash},
      {"", {"OOMKilled"}, FC::kResource},
  };
  return rules;
}

const FailureRule* matchRule(std::string_view reason, std::string_view message) {
  for (const FailureRule& rule : ruleTable()) {
    if (!rule.reason.empty() && rule.reason != reason) continue;
    if (rule.message_any.empty()) return &rule;
    for (const std::string_view needle : rule.message_any) {
      if (message.find(needle) != std::string_view::npos) return &rule;
    }
  }
  return nullptr;
}

bool isRoutineRule(const FailureRule& rule) {
  return rule.message_any.empty() && std::find(kRoutineReasons.begin(), kRoutineReasons.end(),
                                               rule.reason) != kRoutineReasons.end();
}

std::vector<std::string> genericCauses(FailureCategory category) {
  switch (category) {
    case FC::kScheduling:
      return {"Insufficient resources", "Node selector mismatch", "Affinity rules",
              "Taints not tolerated"};
    case FC::kImagePull:
      return {"Image name or tag does not exist", "Registry unreachable",
              "Missing or wrong imagePullSecrets", "Registry rate limit"};
    case FC::kContainerCrash:
      return {"Application crash", "Missing dependencies", "Configuration error"};
    case FC::kVolume:
      return {"PersistentVolumeClaim not bound", "Volume attached to another node",
              "Missing ConfigMap or Secret", "Storage driver failure"};
    case FC::kResource:
      return {"Memory limit too low", "Node under resource pressure",
              "Preempted by a higher-priority pod"};
    case FC::kProbe:
      return {"Application not ready in time", "Probe timeout or threshold too strict",
              "Wrong probe port or path"};
    case FC::kNetwork:
      return {"CNI plugin not ready", "Pod sandbox creation failed", "DNS configuration"};
    case FC::kOther:
      break;
  }
  return {"See the event message"};
}

std::string_view suggestedAction(FailureCategory category) {
  switch (category) {
    case FC::kScheduling:
      return "Check node resources and scheduling constraints";
    case FC::kImagePull:
      return "Verify the image name and tag, registry access and imagePullSecrets";
    case FC::kContainerCrash:
      return "Examine container logs and fix application startup issues";
    case FC::kVolume:
      return "Check the PersistentVolumeClaims, volume attachments and referenced "
             "ConfigMaps/Secrets";
    case FC::kResource:
      return "Raise memory/CPU limits or requests, or free capacity on the node";
    case FC::kProbe:
      return "Check the probe configuration and the application's health endpoint";
    case FC::kNetwork:
      return "Check the CNI plugin and the node's network configuration";
    case FC::kOther:
      break;
  }
  return "Inspect the event message and `kubectl describe pod`";
}

void appendContainerCauses(const kube::ContainerStatus& status, FailureCategory category,
                           std::vector<std::string>& causes) {
  const bool crash_like =
      category == FC::kContainerCrash || category == FC::kProbe || category == FC::kResource;
  for (const kube::ContainerState* state : {&status.state, &status.last_state}) {
    if (state->kind != kube::ContainerState::Kind::kTerminated) continue;
    if (state->reason == "OOMKilled" && crash_like) {
      causes.push_back(
          fmt::format("Container {} was OOMKilled (exit code {})", status.name, state->exit_code));
    } else if (crash_like && state->exit_code != 0) {
      causes.push_back(
          fmt::format("Container {} exited with code {}", status.name, state->exit_code));
    }
    break;  // the current state when terminated, else the last one
  }
  if (crash_like && status.restart_count > 0) {
    causes.push_back(
        fmt::format("Container {} has restarted {} times", status.name, status.restart_count));
  }
  if (category == FC::kImagePull && status.state.kind == kube::ContainerState::Kind::kWaiting &&
      isImagePullWaitingReason(status.state.reason)) {
    causes.push_back(fmt::format("Container {} cannot get image {}: {}", status.name, status.image,
                                 status.state.reason));
  }
}

std::vector<std::string> possibleCauses(const kube::Pod& pod, FailureCategory category) {
  std::vector<std::string> causes = genericCauses(category);
  for (const auto& status : pod.status.init_container_statuses) {
    appendContainerCauses(status, category, causes);
  }
  for (const auto& status : pod.status.container_statuses) {
    appendContainerCauses(status, category, causes);
  }
  if (category == FC::kScheduling) {
    const kube::Condition* scheduled = kube::findCondition(pod.status.conditions, "PodScheduled");
    if (scheduled != nullptr && scheduled->status == "False" && !scheduled->message.empty()) {
      causes.push_back("Scheduler: " + scheduled->message);
    }
  }
  return causes;
}

Severity severityOf(const kube::Event& event, FailureCategory category, bool failure_reason) {
  if (event.type == "Warning") {
    switch (category) {
      case FC::kScheduling:
      case FC::kImagePull:
      case FC::kContainerCrash:
      case FC::kVolume:
      case FC::kResource:
        return Severity::kCritical;
      default:
        return Severity::kWarning;
    }
  }
  return failure_reason ? Severity::kWarning : Severity::kInfo;
}

bool hasFailureReason(const kube::Event& event) {
  const FailureRule* rule = matchRule(event.reason, event.message);
  return rule != nullptr && rule->category != FC::kOther && !isRoutineRule(*rule);
}

}  // namespace

std::string_view categoryName(FailureCategory category) noexcept {
  switch (category) {
    case FC::kScheduling:
      return "Scheduling";
    case FC::kImagePull:
      return "ImagePull";
    case FC::kContainerCrash:
      return "ContainerCrash";
    case FC::kVolume:
      return "Volume";
    case FC::kResource:
      return "Resource";
    case FC::kProbe:
      return "Probe";
    case FC::kNetwork:
      return "Network";
    case FC::kOther:
      break;
  }
  return "Other";
}

std::string_view severityName(Severity severity) noexcept {
  switch (severity) {
    case Severity::kCritical:
      return "critical";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      break;
  }
  return "info";
}

std::span<const FailureRule> failureRules() { return ruleTable(); }

FailureCategory categorizeEvent(std::string_view reason, std::string_view message) {
  const FailureRule* rule = matchRule(reason, message);
  return rule == nullptr ? FC::kOther : rule->category;
}

bool isFailureEvent(const kube::Event& event, const FailureEventOptions& options) {
  return event.type == "Warning" || hasFailureReason(event) ||
         event.count >= options.high_frequency_count;
}

double recurrencePerHour(const kube::Event& event) noexcept {
  if (event.count <= 1) return 0;
  const auto span =
      std::max<kube::Time::duration>(event.last_time - event.first_time, std::chrono::minutes(1));
  const double hours = std::chrono::duration<double, std::ratio<3600>>(span).count();
  return event.count / hours;
}

std::string formatRecurrence(double per_hour) {
  return fmt::format("{:.1f} times per hour", per_hour);
}

std::string formatElapsed(std::chrono::seconds elapsed) {
  const int64_t total = elapsed.count();
  if (total <= 0) return "0s";
  const int64_t days = total / 86400;
  const int64_t hours = total % 86400 / 3600;
  const int64_t minutes = total % 3600 / 60;
  const int64_t seconds = total % 60;
  const auto two = [](int64_t a, const char* ua, int64_t b, const char* ub) {
    return b == 0 ? fmt::format("{}{}", a, ua) : fmt::format("{}{}{}{}", a, ua, b, ub);
  };
  if (days > 0) return two(days, "d", hours, "h");
  if (hours > 0) return two(hours, "h", minutes, "m");
  if (minutes > 0) return two(minutes, "m", seconds, "s");
  return fmt::format("{}s", seconds);
}

std::string podStatusReason(const kube::Pod& pod) {
  using Kind = kube::ContainerState::Kind;
  std::string reason = pod.status.phase;
  if (!pod.status.reason.empty()) reason = pod.status.reason;
  for (const auto& condition : pod.status.conditions) {
    if (condition.type == "PodScheduled" && condition.reason == "SchedulingGated") {
      reason = "SchedulingGated";
    }
  }
  bool initializing = false;
  const auto& init_statuses = pod.status.init_container_statuses;
  for (std::size_t i = 0; i < init_statuses.size(); ++i) {
    const kube::ContainerStatus& status = init_statuses[i];
    const kube::ContainerState& state = status.state;
    if (state.kind == Kind::kTerminated && state.exit_code == 0) continue;
    const auto spec = std::find_if(pod.spec.init_containers.begin(), pod.spec.init_containers.end(),
                                   [&](const kube::Container& c) { return c.name == status.name; });
    // A started sidecar does not hold initialization up.
    if (spec != pod.spec.init_containers.end() && spec->isRestartable() && status.started) {
      continue;
    }
    if (state.kind == Kind::kTerminated) {
      if (!state.reason.empty()) {
        reason = "Init:" + state.reason;
      } else if (state.signal != 0) {
        reason = fmt::format("Init:Signal:{}", state.signal);
      } else {
        reason = fmt::format("Init:ExitCode:{}", state.exit_code);
      }
    } else if (state.kind == Kind::kWaiting && !state.reason.empty() &&
               state.reason != "PodInitializing") {
      reason = "Init:" + state.reason;
    } else {
      reason = fmt::format("Init:{}/{}", i, pod.spec.init_containers.size());
    }
    initializing = true;
    break;
  }
  const kube::Condition* initialized = kube::findCondition(pod.status.conditions, "Initialized");
  if (!initializing || (initialized != nullptr && initialized->isTrue())) {
    bool has_running = false;
    const auto& statuses = pod.status.container_statuses;
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const kube::ContainerState& state = it->state;
      if (state.kind == Kind::kWaiting && !state.reason.empty()) {
        reason = state.reason;
      } else if (state.kind == Kind::kTerminated && !state.reason.empty()) {
        reason = state.reason;
      } else if (state.kind == Kind::kTerminated) {
        reason = state.signal != 0 ? fmt::format("Signal:{}", state.signal)
                                   : fmt::format("ExitCode:{}", state.exit_code);
      } else if (it->ready && state.kind == Kind::kRunning) {
        has_running = true;
      }
    }
    if (reason == "Completed" && has_running) {
      const kube::Condition* ready = kube::findCondition(pod.status.conditions, "Ready");
      reason = ready != nullptr && ready->isTrue() ? "Running" : "NotReady";
    }
  }
  if (kube::isSet(pod.metadata.deletion_timestamp)) {
    if (pod.status.reason == "NodeLost") {
      reason = "Unknown";
    } else if (pod.status.phase != "Succeeded" && pod.status.phase != "Failed") {
      reason = "Terminating";
    }
  }
  return reason;
}

bool isImagePullWaitingReason(std::string_view reason) noexcept {
  return reason == "ErrImagePull" || reason == "ImagePullBackOff" ||
         reason == "ErrImageNeverPull" || reason == "InvalidImageName" ||
         reason == "ImageInspectError";
}

bool isEventOfPod(const kube::Event& event, const kube::Pod& pod) noexcept {
  const kube::ObjectReference& ref = event.regarding;
  if (ref.kind != "Pod" || ref.name != pod.metadata.name ||
      ref.namespace_name != pod.metadata.namespace_name) {
    return false;
  }
  return ref.uid.empty() || pod.metadata.uid.empty() || ref.uid == pod.metadata.uid;
}

FailureEventsAnalysis analyzeFailureEvents(const kube::Pod& pod,
                                           const std::vector<kube::Event>& events, kube::Time now,
                                           const FailureEventOptions& options) {
  FailureEventsAnalysis out;
  out.pod_name = pod.metadata.name;
  out.namespace_name = pod.metadata.namespace_name;
  out.pod_phase = pod.status.phase;
  out.pod_status = podStatusReason(pod);
  for (const kube::Event& event : events) {
    if (!isEventOfPod(event, pod)) continue;
    ++out.total_events;
    if (!isFailureEvent(event, options)) continue;
    FailureEvent failure;
    failure.event = event;
    failure.category = categorizeEvent(event.reason, event.message);
    failure.severity = severityOf(event, failure.category, hasFailureReason(event));
    failure.is_recurring = event.count > 1;
    failure.recurrence_per_hour = recurrencePerHour(event);
    failure.since_first =
        std::max(std::chrono::seconds(0),
                 std::chrono::duration_cast<std::chrono::seconds>(now - event.first_time));
    failure.possible_causes = possibleCauses(pod, failure.category);
    failure.suggested_action = std::string(suggestedAction(failure.category));
    out.failure_events.push_back(std::move(failure));
  }
  std::sort(
      out.failure_events.begin(), out.failure_events.end(),
      [](const FailureEvent& a, const FailureEvent& b) {
        return std::tie(b.event.last_time, a.event.reason, a.event.message, a.event.metadata.name) <
               std::tie(a.event.last_time, b.event.reason, b.event.message, b.event.metadata.name);
      });
  for (const FailureEvent& failure : out.failure_events) {
    ++out.event_categories[std::string(categoryName(failure.category))];
    if (failure.severity == Severity::kCritical) ++out.critical_events;
    if (failure.severity == Severity::kWarning) ++out.warning_events;
    if (now - failure.event.last_time <= options.ongoing_window) {
      out.ongoing_issues.push_back(failure.event.reason + ": " + failure.event.message);
    }
  }
  if (!out.failure_events.empty()) {
    const kube::Event& latest = out.failure_events.front().event;
    out.most_recent_issue = RecentIssue{latest.reason, latest.message, latest.last_time};
  }
  return out;
}

}  // namespace keelson::analysis
