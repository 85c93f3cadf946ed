#pragma once

// The error analysis of one namespace (the spec's "Get Namespace Error Analysis"): every pod run
// by a long-running workload controller is checked for restarts above a threshold, long
// Pending, Failed, CrashLoopBackOff, image pull errors and scheduling failures; the issues are
// grouped by type. Pure: the caller passes the namespace's pods, ReplicaSets and events.
//
// Which pods are analyzed: those whose controller (the owner reference with controller=true)
// resolves to a Deployment (Pod → ReplicaSet → Deployment, through the ReplicaSet's own
// controller reference), a ReplicaSet (one not in `replica_sets`, or without a Deployment
// controller), a StatefulSet or a DaemonSet. The spec names Deployments and StatefulSets;
// DaemonSets are long-running workloads too and are included. Excluded: pods owned by Jobs
// (and so CronJobs, through their Jobs: they are meant to finish), pods without a controller
// (bare pods), and pods of any other controller (ReplicationControllers, custom resources).

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kube/event.h"
#include "kube/objects.h"
#include "kube/pod.h"
#include "kube/workloads.h"

namespace keelson::analysis {

/// The workload that runs a pod.
struct WorkloadOwner {
  std::string kind;  ///< "Deployment", "ReplicaSet", "StatefulSet" or "DaemonSet".
  std::string name;
};

/// The workload running `pod` (see the top of this file), or nullopt for pods the analysis
/// excludes (bare pods, Job pods, other controllers). `replica_sets` are the ReplicaSets of the
/// pod's namespace (others are ignored). Does not throw.
std::optional<WorkloadOwner> resolveWorkloadOwner(
    const kube::Pod& pod, const std::vector<const kube::ReplicaSet*>& replica_sets) noexcept;
/// resolveWorkloadOwner over owned ReplicaSets.
std::optional<WorkloadOwner> resolveWorkloadOwner(
    const kube::Pod& pod, const std::vector<kube::ReplicaSet>& replica_sets) noexcept;

/// The controller kinds whose pods the analysis can resolve to a workload (see the top of this
/// file): "ReplicaSet", "StatefulSet", "DaemonSet". A caller with pods indexed by controller kind
/// (kube::kPodsByControllerKind) need only pass the pods of these kinds.
inline constexpr std::string_view kWorkloadControllerKinds[] = {"ReplicaSet", "StatefulSet",
                                                                "DaemonSet"};

/// The issue types, in the order the summary lists them.
enum class PodIssueType {
  kCrashLoopBackOff,     ///< A container waits in CrashLoopBackOff.
  kImagePullError,       ///< A container waits in ErrImagePull, ImagePullBackOff, ...
  kFailed,               ///< status.phase Failed.
  kHighRestarts,         ///< Restarts (all containers) above the threshold.
  kUnschedulable,        ///< PodScheduled=False, reason Unschedulable, not for lack of resources.
  kResourceConstraints,  ///< PodScheduled=False for lack of resources ("Insufficient cpu", ...).
  kPending,              ///< Pending for longer than the pending threshold.
};

/// The spec's name: "CrashLoopBackOff", "ImagePullError", "Failed", "HighRestarts",
/// "Unschedulable", "ResourceConstraints", "Pending".
std::string_view issueTypeName(PodIssueType type) noexcept;

/// The summary's description of the type, e.g. "Pods in crash loop backoff".
std::string_view issueTypeDescription(PodIssueType type) noexcept;

/// One issue of one pod.
struct PodIssue {
  PodIssueType type = PodIssueType::kFailed;
  bool critical = true;     ///< Severity: critical, else warning.
  std::string description;  ///< "Pod has restarted 15 times (threshold: 5)".
  std::string details;      ///< "main: 15 restarts", the waiting message, the condition message.
};

/// A pod with at least one issue.
struct ProblematicPod {
  std::string name;
  std::string namespace_name;
  WorkloadOwner owner;
  std::string phase;
  int restart_count = 0;         ///< Sum over containers and init containers.
  std::chrono::seconds age{0};   ///< now − creationTimestamp.
  std::vector<PodIssue> issues;  ///< In PodIssueType order.
  /// The pod's Warning events (isEventOfPod), newest first, at most kMaxRecentEvents.
  std::vector<kube::Event> recent_events;
};

/// How many Warning events a problematic pod lists.
inline constexpr std::size_t kMaxRecentEvents = 10;

/// The pods of one issue type.
struct IssueSummary {
  PodIssueType type = PodIssueType::kFailed;
  int count = 0;                           ///< Issues of the type (a pod may have several).
  std::vector<std::string> affected_pods;  ///< Distinct pod names, sorted.
};

/// Thresholds.
struct NamespaceErrorOptions {
  /// POD_RESTART_THRESHOLD: more restarts than this is HighRestarts; critical above twice it.
  int restart_threshold = 5;
  /// A Pending pod older than this is reported as Pending.
  std::chrono::seconds pending_threshold{300};
};

/// The analysis of one namespace.
struct NamespaceErrorAnalysis {
  std::string namespace_name;
  kube::Time analysis_time;
  int total_pods_analyzed = 0;  ///< Pods with a resolved workload owner.
  int problematic_pods_count = 0;
  int healthy_pods_count = 0;  ///< Analyzed pods without issues.
  int restart_threshold_used = 0;
  std::vector<IssueSummary> summary;             ///< Types with issues, in PodIssueType order.
  std::vector<ProblematicPod> problematic_pods;  ///< Sorted by name.
  int critical_issues_count = 0;
  int warning_issues_count = 0;
};

/// The issues of one pod at `now`:
/// - CrashLoopBackOff (critical): per container (init containers too) waiting in
///   CrashLoopBackOff; details: the waiting message, else the last termination.
/// - ImagePullError (critical): per container waiting in ErrImagePull, ImagePullBackOff,
///   ErrImageNeverPull, InvalidImageName or ImageInspectError; details: the message.
/// - Failed (critical): phase Failed; details: status reason and message.
/// - HighRestarts: restarts > threshold; critical above 2 × threshold, else warning; details
///   "app: 15 restarts" per restarted container.
/// - Unschedulable / ResourceConstraints (critical): PodScheduled=False with reason
///   Unschedulable; ResourceConstraints when the message names "Insufficient <resource>" or
///   "Too many pods", else Unschedulable; details: the condition's message.
/// - Pending (warning): phase Pending and created longer than pending_threshold ago.
std::vector<PodIssue> podIssues(const kube::Pod& pod, kube::Time now,
                                const NamespaceErrorOptions& options = {});

/// The ProblematicPod of `pod` run by `owner`, with its `issues` (podIssues) at `now`: restarts
/// summed over containers and init containers, age, and its Warning events among `events`
/// (isEventOfPod), newest first, at most kMaxRecentEvents. Pure.
ProblematicPod problematicPod(const kube::Pod& pod, WorkloadOwner owner,
                              std::vector<PodIssue> issues,
                              std::span<const kube::Event* const> events, kube::Time now);

/// One namespace's objects, borrowed: pointers the caller keeps alive for the call (into an
/// informer's snapshots, say), so that a cache is analysed in place without copying it.
struct NamespaceObjects {
  std::vector<const kube::Pod*> pods;  ///< Pods of other namespaces are ignored.
  std::vector<const kube::ReplicaSet*> replica_sets;
  std::vector<const kube::Event*> events;
};

/// Analyzes the pods of `namespace_name` among `objects.pods` (pods of other namespaces are
/// ignored) with their owners resolved through `objects.replica_sets` and Warning events taken
/// from `objects.events`. Does not throw.
NamespaceErrorAnalysis analyzeNamespaceErrors(std::string_view namespace_name,
                                              const NamespaceObjects& objects, kube::Time now,
                                              const NamespaceErrorOptions& options = {});

/// analyzeNamespaceErrors over owned objects. Does not throw.
NamespaceErrorAnalysis analyzeNamespaceErrors(std::string_view namespace_name,
                                              const std::vector<kube::Pod>& pods,
                                              const std::vector<kube::ReplicaSet>& replica_sets,
                                              const std::vector<kube::Event>& events,
                                              kube::Time now,
                                              const NamespaceErrorOptions& options = {});

}  // namespace keelson::analysis
