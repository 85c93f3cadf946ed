#include "analysis/namespace_errors.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "analysis/failure_events.h"

namespace keelson::analysis {
namespace {

using Kind = kube::ContainerState::Kind;

int totalRestarts(const kube::Pod& pod) {
  int restarts = 0;
  for (const auto& s : pod.status.init_container_statuses) restarts += s.restart_count;
  for (const auto& s : pod.status.container_statuses) restarts += s.restart_count;
  return restarts;
}

std::string lastTermination(const kube::ContainerStatus& status) {
  const kube::ContainerState& last = status.last_state;
  if (last.kind != Kind::kTerminated) return "";
  return fmt::format("last terminated: {} (exit code {})",
                     last.reason.empty() ? "Error" : last.reason, last.exit_code);
}

void containerIssues(const kube::ContainerStatus& status, std::vector<PodIssue>& issues) {
  if (status.state.kind != Kind::kWaiting) return;
  const std::string& reason = status.state.reason;
  if (reason == "CrashLoopBackOff") {
    issues.push_back(
        {PodIssueType::kCrashLoopBackOff, true,
         fmt::format("Container {} is in CrashLoopBackOff state", status.name),
         status.state.message.empty() ? lastTermination(status) : status.state.message.str()});
  } else if (isImagePullWaitingReason(reason)) {
    issues.push_back(
        {PodIssueType::kImagePullError, true,
         fmt::format("Container {} cannot pull image {} ({})", status.name, status.image, reason),
         status.state.message});
  }
}

template <class T>
std::vector<const T*> pointersTo(const std::vector<T>& objects) noexcept {
  std::vector<const T*> out;
  // noexcept callers: a failed reservation of a few pointers terminates, as any bad_alloc would.
  out.reserve(objects.size());
  for (const T& object : objects) out.push_back(&object);
  return out;
}

bool forLackOfResources(std::string_view message) {
  return message.find("Insufficient ") != std::string_view::npos ||
         message.find("Too many pods") != std::string_view::npos;
}

}  // namespace

std::optional<WorkloadOwner> resolveWorkloadOwner(
    const kube::Pod& pod, const std::vector<kube::ReplicaSet>& replica_sets) noexcept {
  return resolveWorkloadOwner(pod, pointersTo(replica_sets));
}

std::optional<WorkloadOwner> resolveWorkloadOwner(
    const kube::Pod& pod, const std::vector<const kube::ReplicaSet*>& replica_sets) noexcept {
  const kube::OwnerReference* controller = kube::controllerOf(pod.metadata);
  if (controller == nullptr) return std::nullopt;
  if (controller->kind == "StatefulSet" || controller->kind == "DaemonSet") {
    return WorkloadOwner{controller->kind, controller->name};
  }
  if (controller->kind != "ReplicaSet") return std::nullopt;  // Job, ReplicationController, ...
  for (const kube::ReplicaSet* replica_set : replica_sets) {
    const kube::ReplicaSet& rs = *replica_set;
    if (rs.metadata.namespace_name != pod.metadata.namespace_name ||
        rs.metadata.name != controller->name) {
      continue;
    }
    if (!controller->uid.empty() && !rs.metadata.uid.empty() &&
        controller->uid != rs.metadata.uid) {
      continue;  // a ReplicaSet recreated under the same name is another owner
    }
    const kube::OwnerReference* deployment = kube::controllerOf(rs.metadata);
    if (deployment != nullptr && deployment->kind == "Deployment") {
      return WorkloadOwner{"Deployment", deployment->name};
    }
    break;
  }
  return WorkloadOwner{"ReplicaSet", controller->name};
}

std::string_view issueTypeName(PodIssueType type) noexcept {
  switch (type) {
    case PodIssueType::kCrashLoopBackOff:
      return "CrashLoopBackOff";
    case PodIssueType::kImagePullError:
      return "ImagePullError";
    case PodIssueType::kFailed:
      return "Failed";
    case PodIssueType::kHighRestarts:
      return "HighRestarts";
    case PodIssueType::kUnschedulable:
      return "Unschedulable";
    case PodIssueType::kResourceConstraints:
      return "ResourceConstraints";
    case PodIssueType::kPending:
      break;
  }
  return "Pending";
}

std::string_view issueTypeDescription(PodIssueType type) noexcept {
  switch (type) {
    case PodIssueType::kCrashLoopBackOff:
      return "Pods in crash loop backoff";
    case PodIssueType::kImagePullError:
      return "Pods that cannot pull their images";
    case PodIssueType::kFailed:
      return "Pods in failed state";
    case PodIssueType::kHighRestarts:
      return "Pods with excessive restart counts";
    case PodIssueType::kUnschedulable:
      return "Pods that cannot be scheduled";
    case PodIssueType::kResourceConstraints:
      return "Pods that cannot be scheduled for lack of resources";
    case PodIssueType::kPending:
      break;
  }
  return "Pods stuck in Pending state";
}

std::vector<PodIssue> podIssues(const kube::Pod& pod, kube::Time now,
                                const NamespaceErrorOptions& options) {
  std::vector<PodIssue> issues;
  for (const auto& s : pod.status.init_container_statuses) containerIssues(s, issues);
  for (const auto& s : pod.status.container_statuses) containerIssues(s, issues);
  if (pod.status.phase == "Failed") {
    std::string details = pod.status.reason;
    if (!pod.status.message.empty()) {
      details += (details.empty() ? "" : ": ") + pod.status.message;
    }
    issues.push_back({PodIssueType::kFailed, true,
                      pod.status.reason.empty()
                          ? std::string("Pod has failed")
                          : fmt::format("Pod has failed ({})", pod.status.reason),
                      details});
  }
  const int restarts = totalRestarts(pod);
  if (restarts > options.restart_threshold) {
    std::string details;
    for (const auto* list : {&pod.status.init_container_statuses, &pod.status.container_statuses}) {
      for (const auto& s : *list) {
        if (s.restart_count == 0) continue;
        if (!details.empty()) details += ", ";
        details += fmt::format("{}: {} restarts", s.name, s.restart_count);
      }
    }
    issues.push_back({PodIssueType::kHighRestarts, restarts > 2 * options.restart_threshold,
                      fmt::format("Pod has restarted {} times (threshold: {})", restarts,
                                  options.restart_threshold),
                      details});
  }
  const kube::Condition* scheduled = kube::findCondition(pod.status.conditions, "PodScheduled");
  if (scheduled != nullptr && scheduled->status == "False" &&
      scheduled->reason == "Unschedulable") {
    if (forLackOfResources(scheduled->message)) {
      issues.push_back({PodIssueType::kResourceConstraints, true,
                        "Pod cannot be scheduled: not enough resources on any node",
                        scheduled->message});
    } else {
      issues.push_back(
          {PodIssueType::kUnschedulable, true, "Pod cannot be scheduled", scheduled->message});
    }
  }
  if (pod.status.phase == "Pending" && kube::isSet(pod.metadata.creation_timestamp)) {
    const auto pending =
        std::chrono::duration_cast<std::chrono::seconds>(now - pod.metadata.creation_timestamp);
    if (pending > options.pending_threshold) {
      issues.push_back({PodIssueType::kPending, false,
                        fmt::format("Pod has been Pending for {}", formatElapsed(pending)),
                        podStatusReason(pod)});
    }
  }
  std::stable_sort(issues.begin(), issues.end(),
                   [](const PodIssue& a, const PodIssue& b) { return a.type < b.type; });
  return issues;
}

ProblematicPod problematicPod(const kube::Pod& pod, WorkloadOwner owner,
                              std::vector<PodIssue> issues,
                              std::span<const kube::Event* const> events, kube::Time now) {
  ProblematicPod problem;
  problem.name = pod.metadata.name;
  problem.namespace_name = pod.metadata.namespace_name;
  problem.owner = std::move(owner);
  problem.phase = pod.status.phase;
  problem.restart_count = totalRestarts(pod);
  if (kube::isSet(pod.metadata.creation_timestamp)) {
    problem.age = std::max(
        std::chrono::seconds(0),
        std::chrono::duration_cast<std::chrono::seconds>(now - pod.metadata.creation_timestamp));
  }
  problem.issues = std::move(issues);
  for (const kube::Event* event : events) {
    if (event->type == "Warning" && isEventOfPod(*event, pod)) {
      problem.recent_events.push_back(*event);
    }
  }
  std::sort(problem.recent_events.begin(), problem.recent_events.end(),
            [](const kube::Event& a, const kube::Event& b) {
              return std::tie(b.last_time, a.reason, a.metadata.name) <
                     std::tie(a.last_time, b.reason, b.metadata.name);
            });
  if (problem.recent_events.size() > kMaxRecentEvents) {
    problem.recent_events.resize(kMaxRecentEvents);
  }
  return problem;
}

NamespaceErrorAnalysis analyzeNamespaceErrors(std::string_view namespace_name,
                                              const std::vector<kube::Pod>& pods,
                                              const std::vector<kube::ReplicaSet>& replica_sets,
                                              const std::vector<kube::Event>& events,
                                              kube::Time now,
                                              const NamespaceErrorOptions& options) {
  return analyzeNamespaceErrors(
      namespace_name,
      NamespaceObjects{pointersTo(pods), pointersTo(replica_sets), pointersTo(events)}, now,
      options);
}

NamespaceErrorAnalysis analyzeNamespaceErrors(std::string_view namespace_name,
                                              const NamespaceObjects& objects, kube::Time now,
                                              const NamespaceErrorOptions& options) {
  NamespaceErrorAnalysis out;
  out.namespace_name = std::string(namespace_name);
  out.analysis_time = now;
  out.restart_threshold_used = options.restart_threshold;
  std::map<PodIssueType, IssueSummary> summary;
  for (const kube::Pod* pod_ptr : objects.pods) {
    const kube::Pod& pod = *pod_ptr;
    if (pod.metadata.namespace_name != namespace_name) continue;
    const std::optional<WorkloadOwner> owner = resolveWorkloadOwner(pod, objects.replica_sets);
    if (!owner) continue;
    ++out.total_pods_analyzed;
    std::vector<PodIssue> issues = podIssues(pod, now, options);
    if (issues.empty()) continue;
    for (const PodIssue& issue : issues) {
      (issue.critical ? out.critical_issues_count : out.warning_issues_count)++;
      IssueSummary& entry = summary[issue.type];
      entry.type = issue.type;
      ++entry.count;
      entry.affected_pods.push_back(pod.metadata.name);
    }
    out.problematic_pods.push_back(
        problematicPod(pod, *owner, std::move(issues), objects.events, now));
  }
  std::sort(out.problematic_pods.begin(), out.problematic_pods.end(),
            [](const ProblematicPod& a, const ProblematicPod& b) { return a.name < b.name; });
  for (auto& [type, entry] : summary) {
    std::sort(entry.affected_pods.begin(), entry.affected_pods.end());
    entry.affected_pods.erase(std::unique(entry.affected_pods.begin(), entry.affected_pods.end()),
                              entry.affected_pods.end());
    out.summary.push_back(std::move(entry));
  }
  out.problematic_pods_count = static_cast<int>(out.problematic_pods.size());
  out.healthy_pods_count = out.total_pods_analyzed - out.problematic_pods_count;
  return out;
}

}  // namespace keelson::analysis
