#pragma once

// Typed views of the workload controllers and disruption budgets:
//   apps/v1 Deployment, ReplicaSet, StatefulSet, DaemonSet  GET /apis/apps/v1/{kind}s
//   batch/v1 Job                                            GET /apis/batch/v1/jobs
//   policy/v1 PodDisruptionBudget                           GET
//   /apis/policy/v1/poddisruptionbudgets
// Replica counts the apiserver always defaults (spec.replicas) default to 1 when absent; counts
// in status default to 0 (the API omits zero values).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kube/objects.h"

namespace keelson::kube {

/// apps/v1 DeploymentSpec.
struct DeploymentSpec {
  int32_t replicas = 1;
  LabelSelector selector;
  std::string strategy_type;  ///< "RollingUpdate" or "Recreate".
  bool paused = false;
};

/// apps/v1 DeploymentStatus.
struct DeploymentStatus {
  int64_t observed_generation = 0;
  int32_t replicas = 0;
  int32_t updated_replicas = 0;
  int32_t ready_replicas = 0;
  int32_t available_replicas = 0;
  int32_t unavailable_replicas = 0;
  List<Condition> conditions;  ///< "Available", "Progressing", "ReplicaFailure".
};

/// apps/v1 Deployment.
struct Deployment {
  ObjectMeta metadata;
  DeploymentSpec spec;
  DeploymentStatus status;
};

/// apps/v1 ReplicaSetSpec.
struct ReplicaSetSpec {
  int32_t replicas = 1;
  LabelSelector selector;
};

/// apps/v1 ReplicaSetStatus.
struct ReplicaSetStatus {
  int64_t observed_generation = 0;
  int32_t replicas = 0;
  int32_t fully_labeled_replicas = 0;
  int32_t ready_replicas = 0;
  int32_t available_replicas = 0;
  List<Condition> conditions;
};

/// apps/v1 ReplicaSet (its Deployment is the controller in metadata.owner_references).
struct ReplicaSet {
  ObjectMeta metadata;
  ReplicaSetSpec spec;
  ReplicaSetStatus status;
};

/// apps/v1 StatefulSetSpec.
struct StatefulSetSpec {
  int32_t replicas = 1;
  LabelSelector selector;
  std::string service_name;
  std::string pod_management_policy;  ///< "OrderedReady" or "Parallel".
  std::string update_strategy_type;   ///< "RollingUpdate" or "OnDelete".
};

/// apps/v1 StatefulSetStatus.
struct StatefulSetStatus {
  int64_t observed_generation = 0;
  int32_t replicas = 0;
  int32_t ready_replicas = 0;
  int32_t current_replicas = 0;
  int32_t updated_replicas = 0;
  int32_t available_replicas = 0;
  std::string current_revision;
  std::string update_revision;
  List<Condition> conditions;
};

/// apps/v1 StatefulSet.
struct StatefulSet {
  ObjectMeta metadata;
  StatefulSetSpec spec;
  StatefulSetStatus status;
};

/// apps/v1 DaemonSetSpec.
struct DaemonSetSpec {
  LabelSelector selector;
  std::string update_strategy_type;  ///< "RollingUpdate" or "OnDelete".
};

/// apps/v1 DaemonSetStatus.
struct DaemonSetStatus {
  int64_t observed_generation = 0;
  int32_t desired_number_scheduled = 0;
  int32_t current_number_scheduled = 0;
  int32_t updated_number_scheduled = 0;
  int32_t number_ready = 0;
  int32_t number_available = 0;
  int32_t number_unavailable = 0;
  int32_t number_misscheduled = 0;
  List<Condition> conditions;
};

/// apps/v1 DaemonSet.
struct DaemonSet {
  ObjectMeta metadata;
  DaemonSetSpec spec;
  DaemonSetStatus status;
};

/// batch/v1 JobSpec.
struct JobSpec {
  std::optional<int32_t> completions;  ///< nullopt: any one successful pod completes the job.
  std::optional<int32_t> parallelism;
  std::optional<int32_t> backoff_limit;
  std::optional<int64_t> active_deadline_seconds;
  std::optional<int32_t> ttl_seconds_after_finished;
  std::string completion_mode;  ///< "NonIndexed" or "Indexed".
  bool suspend = false;
  std::optional<LabelSelector> selector;
};

/// batch/v1 JobStatus.
struct JobStatus {
  int32_t active = 0;
  int32_t succeeded = 0;
  int32_t failed = 0;
  std::optional<int32_t> ready;
  Time start_time;
  Time completion_time;
  List<Condition> conditions;  ///< "Complete", "Failed", "Suspended", ...
};

/// batch/v1 Job (a CronJob is the controller in metadata.owner_references).
struct Job {
  ObjectMeta metadata;
  JobSpec spec;
  JobStatus status;
};

/// policy/v1 PodDisruptionBudgetSpec. At most one of min_available / max_unavailable is set.
struct PodDisruptionBudgetSpec {
  std::optional<IntOrString> min_available;
  std::optional<IntOrString> max_unavailable;
  std::optional<LabelSelector> selector;      ///< nullopt selects no pods; {} selects all.
  std::string unhealthy_pod_eviction_policy;  ///< "IfHealthyBudget" or "AlwaysAllow".
};

/// policy/v1 PodDisruptionBudgetStatus.
struct PodDisruptionBudgetStatus {
  int64_t observed_generation = 0;
  int32_t disruptions_allowed = 0;
  int32_t current_healthy = 0;
  int32_t desired_healthy = 0;
  int32_t expected_pods = 0;
  List<Condition> conditions;  ///< "DisruptionAllowed".
};

/// policy/v1 PodDisruptionBudget.
struct PodDisruptionBudget {
  ObjectMeta metadata;
  PodDisruptionBudgetSpec spec;
  PodDisruptionBudgetStatus status;
};

}  // namespace keelson::kube
