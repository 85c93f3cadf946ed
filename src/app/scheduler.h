#pragma once
// `keelson scheduler`: a secondary scheduler that places every pod whose spec.schedulerName is
// its name (schedule/scheduler.h's loop over kube-scheduler's filters and scores). Informers on
// pods, nodes, PVCs, PVs, StorageClasses and Namespaces feed the cache and the queue; with
// leader election (a coordination.k8s.io/v1 Lease) only the leader schedules, and it stops at
// once when it loses the lease (the process then exits 1, as kube-scheduler does, so that it
// restarts with a clean cache). /healthz, /readyz (caches synced) and /metrics on its own port.

#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>

#include "kube/cluster_config.h"
#include "schedule/framework/score_plugins.h"
#include "schedule/scheduling_queue.h"

namespace keelson::app {

/// Configuration of `keelson scheduler` (cmd_scheduler.cpp).
struct SchedulerOptions {
  std::string scheduler_name = "keelson";   ///< --scheduler-name: pods it schedules.
  schedule::framework::ScoreConfig scores;  ///< --scoring-strategy, --score-weights.
  schedule::QueueOptions queue;             ///< Backoffs (kube-scheduler's defaults).
  /// --percentage-of-nodes-to-score: 1-100, 0 for kube-scheduler's adaptive default.
  int percentage_of_nodes_to_score = 0;
  bool leader_elect = true;                      ///< --leader-elect.
  std::string lease_namespace = "kube-system";   ///< --leader-elect-resource-namespace.
  std::string lease_name = "keelson-scheduler";  ///< --leader-elect-resource-name.
  std::chrono::seconds lease_duration{15};       ///< --leader-elect-lease-duration.
  std::chrono::seconds renew_deadline{10};       ///< --leader-elect-renew-deadline.
  std::chrono::seconds retry_period{2};          ///< --leader-elect-retry-period.
  /// The Lease's holderIdentity and the events' reportingInstance; "" = "<hostname>_<uuid>", as
  /// kube-scheduler makes it.
  std::string identity;
  kube::ConfigOptions kube;
  std::chrono::milliseconds api_timeout{10000};  ///< Per API request.
  std::string address = "0.0.0.0";               ///< --address of /healthz, /readyz, /metrics.
  std::uint16_t port = 8083;                     ///< --port; 0 picks a free one (logged).
};

/// Runs the scheduler until `stop` is requested (then it releases the Lease and returns 0) or
/// it loses leadership (returns 1). Throws Error(kBadInput) for unusable configuration
/// (kubeconfig, lease timings) and Error(kUnavailable) when the health port cannot be opened.
int runScheduler(const SchedulerOptions& options, const std::stop_token& stop);

}  // namespace keelson::app
