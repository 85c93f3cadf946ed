// apps/v1 Deployment, ReplicaSet, StatefulSet, DaemonSet; batch/v1 Job; policy/v1
// PodDisruptionBudget decoding.
#include <string>
#include <string_view>

#include "kube/decode_internal.h"

namespace keelson::kube::detail {
namespace {

// {"type": ...} of spec.strategy / spec.updateStrategy.
void readStrategyType(od::value value, std::string& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "type") read(field, out);
  });
}

void decodeDeploymentSpec(od::value value, DeploymentSpec& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "replicas") return read(field, out.replicas);
    if (key == "selector") return decodeLabelSelector(field, out.selector);
    if (key == "strategy") return readStrategyType(field, out.strategy_type);
    if (key == "paused") return read(field, out.paused);
  });
}

void decodeDeploymentStatus(od::value value, DeploymentStatus& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "observedGeneration") return read(field, out.observed_generation);
    if (key == "replicas") return read(field, out.replicas);
    if (key == "updatedReplicas") return read(field, out.updated_replicas);
    if (key == "readyReplicas") return read(field, out.ready_replicas);
    if (key == "availableReplicas") return read(field, out.available_replicas);
    if (key == "unavailableReplicas") return read(field, out.unavailable_replicas);
    if (key == "conditions") return readArray(field, out.conditions, decodeCondition);
  });
}

void decodeReplicaSetSpec(od::value value, ReplicaSetSpec& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "replicas") return read(field, out.replicas);
    if (key == "selector") return decodeLabelSelector(field, out.selector);
  });
}

void decodeReplicaSetStatus(od::value value, ReplicaSetStatus& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "observedGeneration") return read(field, out.observed_generation);
    if (key == "replicas") return read(field, out.replicas);
    if (key == "fullyLabeledReplicas") return read(field, out.fully_labeled_replicas);
    if (key == "readyReplicas") return read(field, out.ready_replicas);
    if (key == "availableReplicas") return read(field, out.available_replicas);
    if (key == "conditions") return readArray(field, out.conditions, decodeCondition);
  });
}

void decodeStatefulSetSpec(od::value value, StatefulSetSpec& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "replicas") return read(field, out.replicas);
    if (key == "selector") return decodeLabelSelector(field, out.selector);
    if (key == "serviceName") return read(field, out.service_name);
    if (key == "podManagementPolicy") return read(field, out.pod_management_policy);
    if (key == "updateStrategy") return readStrategyType(field, out.update_strategy_type);
  });
}

void decodeStatefulSetStatus(od::value value, StatefulSetStatus& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "observedGeneration") return read(field, out.observed_generation);
    if (key == "replicas") return read(field, out.replicas);
    if (key == "readyReplicas") return read(field, out.ready_replicas);
    if (key == "currentReplicas") return read(field, out.current_replicas);
    if (key == "updatedReplicas") return read(field, out.updated_replicas);
    if (key == "availableReplicas") return read(field, out.available_replicas);
    if (key == "currentRevision") return read(field, out.current_revision);
    if (key == "updateRevision") return read(field, out.update_revision);
    if (key == "conditions") return readArray(field, out.conditions, decodeCondition);
  });
}

void decodeDaemonSetSpec(od::value value, DaemonSetSpec& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "selector") return decodeLabelSelector(field, out.selector);
    if (key == "updateStrategy") return readStrategyType(field, out.update_strategy_type);
  });
}

void decodeDaemonSetStatus(od::value value, DaemonSetStatus& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "observedGeneration") return read(field, out.observed_generation);
    if (key == "desiredNumberScheduled") return read(field, out.desired_number_scheduled);
    if (key == "currentNumberScheduled") return read(field, out.current_number_scheduled);
    if (key == "updatedNumberScheduled") return read(field, out.updated_number_scheduled);
    if (key == "numberReady") return read(field, out.number_ready);
    if (key == "numberAvailable") return read(field, out.number_available);
    if (key == "numberUnavailable") return read(field, out.number_unavailable);
    if (key == "numberMisscheduled") return read(field, out.number_misscheduled);
    if (key == "conditions") return readArray(field, out.conditions, decodeCondition);
  });
}

void decodeJobSpec(od::value value, JobSpec& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "completions") return read(field, out.completions);
    if (key == "parallelism") return read(field, out.parallelism);
    if (key == "backoffLimit") return read(field, out.backoff_limit);
    if (key == "activeDeadlineSeconds") return read(field, out.active_deadline_seconds);
    if (key == "ttlSecondsAfterFinished") return read(field, out.ttl_seconds_after_finished);
    if (key == "completionMode") return read(field, out.completion_mode);
    if (key == "suspend") return read(field, out.suspend);
    if (key == "selector") return readOptional(field, out.selector, decodeLabelSelector);
  });
}

void decodeJobStatus(od::value value, JobStatus& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "active") return read(field, out.active);
    if (key == "succeeded") return read(field, out.succeeded);
    if (key == "failed") return read(field, out.failed);
    if (key == "ready") return read(field, out.ready);
    if (key == "startTime") return read(field, out.start_time);
    if (key == "completionTime") return read(field, out.completion_time);
    if (key == "conditions") return readArray(field, out.conditions, decodeCondition);
  });
}

void readIntOrString(od::value value, IntOrString& out) { read(value, out); }

void decodePdbSpec(od::value value, PodDisruptionBudgetSpec& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "minAvailable") return readOptional(field, out.min_available, readIntOrString);
    if (key == "maxUnavailable") return readOptional(field, out.max_unavailable, readIntOrString);
    if (key == "selector") return readOptional(field, out.selector, decodeLabelSelector);
    if (key == "unhealthyPodEvictionPolicy") return read(field, out.unhealthy_pod_eviction_policy);
  });
}

void decodePdbStatus(od::value value, PodDisruptionBudgetStatus& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "observedGeneration") return read(field, out.observed_generation);
    if (key == "disruptionsAllowed") return read(field, out.disruptions_allowed);
    if (key == "currentHealthy") return read(field, out.current_healthy);
    if (key == "desiredHealthy") return read(field, out.desired_healthy);
    if (key == "expectedPods") return read(field, out.expected_pods);
    if (key == "conditions") return readArray(field, out.conditions, decodeCondition);
  });
}

// metadata/spec/status/kind, the shape every workload shares.
template <class T, class SpecFn, class StatusFn>
void decodeWorkload(od::value value, T& out, std::string_view kind, SpecFn spec, StatusFn status) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "metadata") return decodeObjectMeta(field, out.metadata);
    if (key == "spec") return spec(field, out.spec);
    if (key == "status") return status(field, out.status);
    if (key == "kind") return expectKind(field, kind);
  });
}

}  // namespace

void decode(od::value value, Deployment& out) {
  decodeWorkload(value, out, "Deployment", decodeDeploymentSpec, decodeDeploymentStatus);
}

void decode(od::value value, ReplicaSet& out) {
  decodeWorkload(value, out, "ReplicaSet", decodeReplicaSetSpec, decodeReplicaSetStatus);
}

void decode(od::value value, StatefulSet& out) {
  decodeWorkload(value, out, "StatefulSet", decodeStatefulSetSpec, decodeStatefulSetStatus);
}

void decode(od::value value, DaemonSet& out) {
  decodeWorkload(value, out, "DaemonSet", decodeDaemonSetSpec, decodeDaemonSetStatus);
}

void decode(od::value value, Job& out) {
  decodeWorkload(value, out, "Job", decodeJobSpec, decodeJobStatus);
}

void decode(od::value value, PodDisruptionBudget& out) {
  decodeWorkload(value, out, "PodDisruptionBudget", decodePdbSpec, decodePdbStatus);
}

}  // namespace keelson::kube::detail
