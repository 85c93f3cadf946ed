#pragma once

// A pod's health score: one number from 0 (broken) to 100 (healthy) made of four weighted
// components, each with the evidence it was computed from, and the status band the number falls
// in. Pure, deterministic and thread-safe (no shared state): the caller passes the pod, its
// events (kube::Event, normalized from core/v1 or events.k8s.io/v1) and the current time;
// nothing else is read.
//
// The model (weights sum to 100; every component scores 0-100):
//   restarts         30  100 − min(50, 10 × restarts) − min(50, round(20 × restarts per hour)).
//                        Restarts are the summed restartCount of the init and app containers;
//                        the rate is over the pod's life (now − status.startTime, else
//                        metadata.creationTimestamp), counted as at least one hour so that a
//                        young pod's single restart does not read as a storm.
//   containerStates  30  The worst container (init and app): running or terminated with exit
//                        code 0 scores 100; waiting while being created (ContainerCreating,
//                        PodInitializing, any reason not listed below) 50; no state or no status
//                        yet 25; a waiting reason that needs a fix (isFailingWaitingReason) or a
//                        termination with a non-zero exit code or reason other than Completed 0.
//                        A pod with no containers at all scores 100.
//   conditions       25  PodScheduled True earns 30, ContainersReady True 30, Ready True 40 (a
//                        missing condition earns nothing). A Succeeded pod scores 100: a finished
//                        pod is not expected to be ready.
//   warningEvents    15  100 − 25 × the pod's distinct Warning events whose last occurrence is
//                        within the last hour (isEventOfPod), at least 0.
// The total is the weighted mean, rounded half up: (Σ score × weight + 50) / 100.
// Bands: healthy >= 80, degraded >= 50, unhealthy >= 25, critical below 25.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/event.h"
#include "kube/objects.h"
#include "kube/pod.h"

namespace keelson::analysis {

/// The status band of a total score.
enum class HealthBand { kHealthy, kDegraded, kUnhealthy, kCritical };

/// Lowest total of each band (a total belongs to the first band whose minimum it reaches).
inline constexpr int kHealthyMinScore = 80;
inline constexpr int kDegradedMinScore = 50;
inline constexpr int kUnhealthyMinScore = 25;

/// The band of `score` (0-100): healthy >= 80, degraded >= 50, unhealthy >= 25, else critical.
HealthBand healthBand(int score) noexcept;

/// "healthy", "degraded", "unhealthy" or "critical".
std::string_view healthBandName(HealthBand band) noexcept;

/// Component weights (percent of the total; they sum to 100).
inline constexpr int kRestartsWeight = 30;
inline constexpr int kContainerStatesWeight = 30;
inline constexpr int kConditionsWeight = 25;
inline constexpr int kWarningEventsWeight = 15;

/// How far back Warning events count.
inline constexpr std::chrono::seconds kWarningEventWindow{3600};

/// True for the container waiting reasons that do not clear without a fix: CrashLoopBackOff,
/// the image pull reasons (isImagePullWaitingReason), CreateContainerConfigError,
/// CreateContainerError, RunContainerError, PreCreateHookError, PostStartHookError,
/// ContainerCannotRun.
bool isFailingWaitingReason(std::string_view reason) noexcept;

/// One container's state as the containerStates component saw it.
struct ContainerHealth {
  std::string name;
  bool init = false;   ///< An init container (spec.initContainers).
  std::string state;   ///< "waiting", "running", "terminated" or "unknown" (no state).
  std::string reason;  ///< Waiting or terminated reason, "" otherwise.
  std::optional<int32_t> exit_code;  ///< Terminated only.
  bool ready = false;
  int32_t restart_count = 0;
  int score = 0;  ///< 0-100, see the model above.
};

/// One pod condition the conditions component read.
struct ConditionHealth {
  std::string type;    ///< "PodScheduled", "ContainersReady" or "Ready".
  std::string status;  ///< "True", "False", "Unknown", or "" when the pod lacks it.
  std::string reason;
  std::string message;
  int points = 0;  ///< Earned toward the component (30, 30, 40 when True).
};

/// One Warning event within the window.
struct WarningEventHealth {
  std::string reason;
  std::string message;
  int32_t count = 1;  ///< Occurrences over the event's whole life (kube::Event::count).
  kube::Time last_time;
};

/// The restarts component.
struct RestartsComponent {
  int score = 100;
  int32_t restart_count = 0;        ///< Init plus app containers.
  double restarts_per_hour = 0;     ///< restart_count / max(pod age, 1 h) in hours.
  std::chrono::seconds pod_age{0};  ///< now − start (0 when unknown or in the future).
};

/// The containerStates component: the minimum of the containers' scores.
struct ContainerStatesComponent {
  int score = 100;
  std::vector<ContainerHealth> containers;  ///< Init containers first, in spec order.
};

/// The conditions component.
struct ConditionsComponent {
  int score = 0;
  std::vector<ConditionHealth> conditions;  ///< PodScheduled, ContainersReady, Ready.
};

/// The warningEvents component.
struct WarningEventsComponent {
  int score = 100;
  std::chrono::seconds window = kWarningEventWindow;
  /// Newest last occurrence first; ties by reason, then message.
  std::vector<WarningEventHealth> events;
  int32_t occurrences = 0;  ///< Σ count of `events`.
};

/// The score of one pod.
struct HealthScore {
  std::string pod_name;
  std::string namespace_name;
  std::string phase;  ///< status.phase.
  kube::Time evaluated_at;
  RestartsComponent restarts;
  ContainerStatesComponent container_states;
  ConditionsComponent conditions;
  WarningEventsComponent warning_events;
  int score = 0;  ///< Weighted total, 0-100.
  HealthBand band = HealthBand::kCritical;
};

/// Scores `pod` with those of `events` that are about it (isEventOfPod) at `now`, by the model
/// above. Works on a pod with no status (every container unknown, no conditions). Does not
/// throw except std::bad_alloc.
HealthScore scorePodHealth(const kube::Pod& pod, const std::vector<kube::Event>& events,
                           kube::Time now);

}  // namespace keelson::analysis
