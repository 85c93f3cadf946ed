#pragma once
// `keelson schedule`: place one new pod with kube-scheduler's filters and scores over the
// cluster as it is now (every node, every pod, the volume objects), create it for keelson's
// scheduler and bind it to the best node through the actuator (audited), then optionally follow
// it until it runs or fails.

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>

#include "act/action.h"
#include "act/schedule_pod.h"
#include "app/write_session.h"
#include "schedule/framework/score_plugins.h"
#include "schedule/placement.h"

namespace keelson::app {

/// What `keelson schedule` was asked.
struct SchedulePodOptions {
  act::PodRequest pod;
  schedule::framework::ScoreConfig scores;
  act::WriteOptions write;
  bool rank_only = false;             ///< --dry-run (client): rank, create nothing.
  std::chrono::milliseconds wait{0};  ///< --wait: follow the pod this long (0: do not).
  std::chrono::milliseconds poll{1000};
};

/// How following the pod ended.
struct WaitOutcome {
  bool running = false;  ///< status.phase reached Running.
  bool failed = false;   ///< It failed, or a container is stuck (reason says how).
  std::string phase;     ///< The last status.phase seen.
  std::string node;      ///< spec.nodeName.
  /// Why it failed or is not running yet: a container's waiting reason and message
  /// ("ImagePullBackOff: Back-off pulling image ..."), the phase's reason, or the PodScheduled
  /// condition's message; "" when running.
  std::string reason;
  std::chrono::milliseconds elapsed{0};
};

/// Everything `keelson schedule` did.
struct SchedulePodReport {
  nlohmann::json manifest;                  ///< The pod as sent (or as it would be).
  schedule::Placement placement;            ///< With every node (Detail::kExplain).
  std::optional<act::ActionResult> action;  ///< Absent when only ranking or nothing fits.
  std::optional<WaitOutcome> wait;          ///< Absent without --wait or a created pod.
};

/// Lists the cluster (GET /api/v1/nodes, /api/v1/pods, /api/v1/persistentvolumeclaims,
/// /api/v1/persistentvolumes, /apis/storage.k8s.io/v1/storageclasses, /api/v1/namespaces),
/// places the pod, and unless rank_only or no node fits creates and binds it through the
/// session's actuator (act::createBoundPod), then follows it for `wait`. `on_ranked` is called
/// with the placement before anything is written. Throws what the lists throw (ApiError,
/// Error(kUnavailable)) and Error(kBadInput) for a pod the API would not accept locally
/// (an unparsable quantity); a refused write is a failed action, not an exception.
SchedulePodReport schedulePod(WriteSession& session, const SchedulePodOptions& options,
                              const std::function<void(const schedule::Placement&)>& on_ranked,
                              std::stop_token stop = {});

/// The report as one document: {"pod", "placement" (docs::placementDocument), "action"
/// (act::toJson), "wait": {"running", "failed", "phase", "node", "reason", "elapsedSeconds"}}.
nlohmann::json scheduleReportDocument(const SchedulePodReport& report);

}  // namespace keelson::app
