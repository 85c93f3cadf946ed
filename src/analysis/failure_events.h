#pragma once

// A pod's failure events (the spec's "Get Pod Failure Events"): which of the pod's events signal
// a problem, what kind of problem (category), how bad (severity), how often it recurs, possible
// causes from the pod's own status, and the pod's status as kubectl's STATUS column shows it.
// Pure: the caller passes the pod, its events (kube::Event, normalized from core/v1 or
// events.k8s.io/v1) and the current time.
//
// Categories come from one ordered rule table (failureRules()), most specific rule first, so an
// event always gets the same category whatever order events or rules were seen in ("BackOff"
// with "Back-off pulling image" is ImagePull, "BackOff" with "Back-off restarting failed
// container" is ContainerCrash).

#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kube/event.h"
#include "kube/objects.h"
#include "kube/pod.h"

namespace keelson::analysis {

/// What kind of problem an event reports (the spec's event categories).
enum class FailureCategory {
  kScheduling,      ///< The pod cannot be placed (FailedScheduling).
  kImagePull,       ///< The image cannot be pulled (ErrImagePull, ImagePullBackOff, ...).
  kContainerCrash,  ///< A container exits or cannot start (BackOff restarting, Failed).
  kVolume,          ///< Volumes cannot be attached or mounted (FailedMount, ...).
  kResource,        ///< Resources ran out (OOMKilling, Evicted, Preempted, OutOfcpu, ...).
  kProbe,           ///< Liveness, readiness or startup probes fail (Unhealthy).
  kNetwork,         ///< The pod network cannot be set up (FailedCreatePodSandBox, ...).
  kOther,           ///< Anything else.
};

/// The spec's name of `category`: "Scheduling", "ImagePull", "ContainerCrash", "Volume",
/// "Resource", "Probe", "Network", "Other".
std::string_view categoryName(FailureCategory category) noexcept;

/// How bad a failure event is.
enum class Severity { kCritical, kWarning, kInfo };

/// "critical", "warning" or "info".
std::string_view severityName(Severity severity) noexcept;

/// One row of the categorization table: an event matches when its reason equals `reason` (""
/// matches any reason) and its message contains any of `message_any` (case-sensitive; an empty
/// list matches any message).
struct FailureRule {
  std::string_view reason;
  std::vector<std::string_view> message_any;
  FailureCategory category;
};

/// The categorization table, most specific rule first; the first matching rule wins, and an
/// event no rule matches is kOther. Built from real kubelet, scheduler and node reasons
/// (kubelet's events.go and images/ messages, v1.36):
///   Failed + image-pull message ("Failed to pull image", "ErrImagePull", "ImagePullBackOff",
///     "ErrImageNeverPull", "InvalidImageName")                       → ImagePull
///   BackOff + "Back-off pulling image"                               → ImagePull
///   BackOff + "Back-off restarting failed container", other BackOff  → ContainerCrash
///   ErrImageNeverPull, InspectFailed, ErrImagePull, ImagePullBackOff, Pulling, Pulled → ImagePull
///   Unhealthy, ProbeWarning; Killing + "failed liveness probe"/"failed startup probe" → Probe
///   FailedMount, FailedAttachVolume, FailedMapVolume, FailedUnMount, FailedDetachVolume,
///     VolumeResizeFailed, FileSystemResizeFailed                     → Volume
///   OOMKilling (node event), Evicted, Preempted (the pod lost its node to a higher-priority
///     pod), OutOfcpu, OutOfmemory, OutOfpods, OutOfephemeral-storage, EvictionThresholdMet,
///     FreeDiskSpaceFailed                                            → Resource
///   FailedScheduling, NotTriggerScaleUp                              → Scheduling
///   FailedCreatePodSandBox, FailedKillPodSandBox, NetworkNotReady, DNSConfigForming → Network
///   Failed (any other message), Killing, Started, Created, ExceededGracePeriod → ContainerCrash
///   any reason with a message naming "OOMKilled"                     → Resource
std::span<const FailureRule> failureRules();

/// The category of an event by failureRules().
FailureCategory categorizeEvent(std::string_view reason, std::string_view message);

/// Thresholds of the analysis.
struct FailureEventOptions {
  /// A Normal event that occurred at least this often counts as a failure (high frequency).
  int32_t high_frequency_count = 5;
  /// An event whose last occurrence is at most this old is an ongoing issue.
  std::chrono::seconds ongoing_window{300};
};

/// True when `event` signals a problem: type Warning, or a reason that is a failure even when
/// reported as Normal (Preempted, Killing for a probe, BackOff, Failed, ...: a reason whose rule
/// is not kOther and not one of the routine Pulling, Pulled, Created, Started, Killing), or
/// count >= options.high_frequency_count.
bool isFailureEvent(const kube::Event& event, const FailureEventOptions& options = {});

/// How often `event` recurred, per hour: count / max(last_time − first_time, 1 minute) × 3600 s.
/// The one-minute floor keeps a burst of repeats within seconds from reading as thousands per
/// hour. 0 for an event seen once (count <= 1): one occurrence has no rate. first_time,
/// last_time and count are kube::Event's derived values, so events.k8s.io/v1 events (eventTime
/// + series) and core/v1 events (firstTimestamp, lastTimestamp, count) give the same rate.
double recurrencePerHour(const kube::Event& event) noexcept;

/// "6.0 times per hour" (one decimal).
std::string formatRecurrence(double per_hour);

/// A duration as the spec writes ages: the two most significant of days, hours, minutes and
/// seconds, e.g. "45s", "5m30s", "1h25m", "3d4h"; "0s" for zero or negative durations.
std::string formatElapsed(std::chrono::seconds elapsed);

/// The pod's status as kubectl's STATUS column shows it (kubectl get pods, printPod in
/// k8s.io/kubernetes/pkg/printers/internalversion): the phase, replaced by status.reason
/// ("Evicted"), SchedulingGated, the first failing init container ("Init:CrashLoopBackOff",
/// "Init:ExitCode:1", "Init:1/3"), else the last app container's waiting or terminated reason
/// ("CrashLoopBackOff", "ImagePullBackOff", "OOMKilled", "ExitCode:137"), "Completed" with a
/// container still running becoming "Running"/"NotReady", and "Terminating" / "Unknown" for
/// pods being deleted.
std::string podStatusReason(const kube::Pod& pod);

/// True for the container waiting reasons kubelet sets when it cannot get the image:
/// ErrImagePull, ImagePullBackOff, ErrImageNeverPull, InvalidImageName, ImageInspectError.
bool isImagePullWaitingReason(std::string_view reason) noexcept;

/// True when `event` is about `pod`: regarding kind Pod, same namespace and name, and same uid
/// when both carry one (a pod recreated under the same name has a new uid).
bool isEventOfPod(const kube::Event& event, const kube::Pod& pod) noexcept;

/// One failure event with what the analysis concluded.
struct FailureEvent {
  kube::Event event;  ///< As normalized (count, first_time, last_time derived).
  FailureCategory category = FailureCategory::kOther;
  Severity severity = Severity::kInfo;
  bool is_recurring = false;                 ///< count > 1.
  double recurrence_per_hour = 0;            ///< recurrencePerHour(event).
  std::chrono::seconds since_first;          ///< now − first_time (0 if in the future).
  std::vector<std::string> possible_causes;  ///< Generic, then from the pod's status.
  std::string suggested_action;
};

/// The issue that occurred last.
struct RecentIssue {
  std::string reason;
  std::string message;
  kube::Time last_time;
};

/// The analysis of one pod's events.
struct FailureEventsAnalysis {
  std::string pod_name;
  std::string namespace_name;
  int total_events = 0;  ///< Every event of the pod given (failures or not).
  /// Newest last occurrence first; ties by reason, then message, then name.
  std::vector<FailureEvent> failure_events;
  std::map<std::string, int> event_categories;  ///< categoryName → failure events.
  int critical_events = 0;
  int warning_events = 0;
  std::optional<RecentIssue> most_recent_issue;  ///< The first of failure_events.
  /// "reason: message" of failure events whose last occurrence is within the ongoing window.
  std::vector<std::string> ongoing_issues;
  std::string pod_phase;   ///< status.phase.
  std::string pod_status;  ///< podStatusReason(pod).
};

/// Analyzes the events of `pod` among `events` (others are ignored, see isEventOfPod) at `now`.
/// Severity: critical for Warning events of categories Scheduling, ImagePull, ContainerCrash,
/// Volume and Resource (the pod cannot start or keep running); warning for other Warning
/// events and for Normal events with a failure reason; info for Normal events that only
/// recur often. Does not throw.
FailureEventsAnalysis analyzeFailureEvents(const kube::Pod& pod,
                                           const std::vector<kube::Event>& events, kube::Time now,
                                           const FailureEventOptions& options = {});

}  // namespace keelson::analysis
