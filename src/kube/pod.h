#pragma once

// Typed view of core/v1 Pod (GET /api/v1/pods, /api/v1/namespaces/{ns}/pods/{name}).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/boxed.h"
#include "kube/objects.h"

namespace keelson::kube {

/// spec.tolerations[].
struct Toleration {
  InternedString key;  ///< "" with op "Exists" tolerates every taint.
  InternedString op;   ///< .operator: "Exists" or "Equal" ("" means "Equal").
  InternedString value;
  InternedString effect;  ///< "NoSchedule", "PreferNoSchedule", "NoExecute" or "" (all effects).
  /// NoExecute only: seconds the pod stays bound after the taint appears; nullopt = forever.
  std::optional<int64_t> toleration_seconds;

  bool operator==(const Toleration&) const = default;
  friend bool identical(const Toleration& a, const Toleration& b) noexcept { return a == b; }
  friend std::size_t identityHash(const Toleration& t) noexcept {
    return core::hashFields(t.key, t.op, t.value, t.effect, t.toleration_seconds);
  }
};

/// nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[].
struct PreferredSchedulingTerm {
  int32_t weight = 0;  ///< 1-100.
  NodeSelectorTerm preference;
};

/// spec.affinity.nodeAffinity.
struct NodeAffinity {
  /// requiredDuringSchedulingIgnoredDuringExecution; nullopt when absent.
  std::optional<NodeSelector> required;
  /// preferredDuringSchedulingIgnoredDuringExecution.
  List<PreferredSchedulingTerm> preferred;
};

/// core/v1 PodAffinityTerm.
struct PodAffinityTerm {
  std::optional<LabelSelector> label_selector;  ///< nullopt matches no pods.
  List<InternedString> namespaces;              ///< Empty with no selector = the pod's namespace.
  std::optional<LabelSelector> namespace_selector;
  InternedString topology_key;  ///< e.g. "kubernetes.io/hostname".
  List<InternedString> match_label_keys;
  List<InternedString> mismatch_label_keys;
};

/// core/v1 WeightedPodAffinityTerm.
struct WeightedPodAffinityTerm {
  int32_t weight = 0;    ///< 1-100.
  PodAffinityTerm term;  ///< .podAffinityTerm
};

/// spec.affinity.podAffinity or .podAntiAffinity (same shape).
struct PodAffinity {
  List<PodAffinityTerm> required;           ///< requiredDuringScheduling...
  List<WeightedPodAffinityTerm> preferred;  ///< preferredDuringScheduling...
};

/// spec.affinity.
struct Affinity {
  std::optional<NodeAffinity> node_affinity;
  std::optional<PodAffinity> pod_affinity;
  std::optional<PodAffinity> pod_anti_affinity;
};

/// spec.topologySpreadConstraints[].
struct TopologySpreadConstraint {
  int32_t max_skew = 0;
  InternedString topology_key;
  InternedString when_unsatisfiable;  ///< "DoNotSchedule" or "ScheduleAnyway".
  std::optional<LabelSelector> label_selector;
  std::optional<int32_t> min_domains;
  InternedString node_affinity_policy;  ///< "Honor", "Ignore" or "" (Honor).
  InternedString node_taints_policy;    ///< "Honor", "Ignore" or "" (Ignore).
  List<InternedString> match_label_keys;
};

/// core/v1 ResourceRequirements: exact quantities per resource name.
struct ResourceRequirements {
  Shared<ResourceList> requests;
  Shared<ResourceList> limits;
};

/// containers[].ports[].
struct ContainerPort {
  InternedString name;
  int32_t container_port = 0;
  int32_t host_port = 0;    ///< 0 when not exposed on the node.
  InternedString protocol;  ///< "TCP" (default), "UDP" or "SCTP".
  InternedString host_ip;

  bool operator==(const ContainerPort&) const = default;
  friend bool identical(const ContainerPort& a, const ContainerPort& b) noexcept { return a == b; }
  friend std::size_t identityHash(const ContainerPort& p) noexcept {
    return core::hashFields(p.name, p.container_port, p.host_port, p.protocol, p.host_ip);
  }
};

/// Where an environment variable's value comes from. The value itself is never kept.
enum class EnvSource {
  kValue,             ///< A literal `value` (possibly empty).
  kConfigMapKey,      ///< valueFrom.configMapKeyRef
  kSecretKey,         ///< valueFrom.secretKeyRef
  kFieldRef,          ///< valueFrom.fieldRef (downward API)
  kResourceFieldRef,  ///< valueFrom.resourceFieldRef
  kFileKey,           ///< valueFrom.fileKeyRef
  kOther,             ///< A valueFrom source this version does not know.
};

/// containers[].env[]: the name and the kind of source only — never the value.
struct EnvVar {
  InternedString name;
  /// The ConfigMap or Secret name, the fieldPath (fieldRef) or the resource (resourceFieldRef).
  InternedString ref_name;
  InternedString ref_key;  ///< The key in the ConfigMap or Secret.
  EnvSource source = EnvSource::kValue;
  bool optional = false;

  bool operator==(const EnvVar&) const = default;
  friend bool identical(const EnvVar& a, const EnvVar& b) noexcept { return a == b; }
  friend std::size_t identityHash(const EnvVar& e) noexcept {
    return core::hashFields(e.name, e.ref_name, e.ref_key, e.source, e.optional);
  }
};

/// containers[].envFrom[].
struct EnvFromSource {
  bool secret = false;  ///< secretRef when true, configMapRef when false.
  InternedString name;  ///< The ConfigMap or Secret name.
  InternedString prefix;
  bool optional = false;
};

/// containers[].volumeMounts[].
struct VolumeMount {
  InternedString name;
  InternedString mount_path;
  InternedString sub_path;
  bool read_only = false;
};

/// A liveness, readiness or startup probe.
struct Probe {
  /// The handler kind.
  enum class Type { kNone, kHttpGet, kTcpSocket, kExec, kGrpc };
  Type type = Type::kNone;
  /// What is probed, as `kubectl describe` prints it: "http://:8080/healthz" (scheme, host,
  /// port, path; an IPv6 host in brackets, the path with a leading '/'), ":5432" (TCP), the command
  /// joined by spaces (exec), ":9090" or
  /// ":9090 <service>" (gRPC).
  InternedString target;
  int32_t initial_delay_seconds = 0;
  int32_t timeout_seconds = 1;  ///< API defaults are kept when the fields are absent.
  int32_t period_seconds = 10;
  int32_t success_threshold = 1;
  int32_t failure_threshold = 3;
};

/// spec.containers[] and spec.initContainers[].
struct Container {
  InternedString name;
  InternedString image;
  InternedString image_pull_policy;
  /// Init containers only: "Always" marks a restartable (sidecar) init container.
  InternedString restart_policy;
  ResourceRequirements resources;
  Shared<List<ContainerPort>> ports;
  Shared<List<EnvVar>> env;
  List<EnvFromSource> env_from;
  List<VolumeMount> volume_mounts;
  core::Boxed<Probe> liveness_probe;
  core::Boxed<Probe> readiness_probe;
  core::Boxed<Probe> startup_probe;

  /// True for a sidecar: an init container with restartPolicy "Always".
  bool isRestartable() const noexcept { return restart_policy == "Always"; }
};

/// spec.volumes[]: the name and which source it uses.
struct Volume {
  InternedString name;
  /// The source's field name: "persistentVolumeClaim", "configMap", "secret", "hostPath",
  /// "emptyDir", "projected", "downwardAPI", "csi", "ephemeral", "nfs", ...
  InternedString type;
  /// The source's main reference: claimName, the ConfigMap name, secretName, the hostPath
  /// path, the CSI driver, "server:path" for NFS; "" when the source has none.
  InternedString reference;
  bool read_only = false;
  InternedString medium;      ///< emptyDir.medium ("" or "Memory").
  core::Quantity size_limit;  ///< emptyDir.sizeLimit; zero when unset.
};

/// core/v1 PodSpec (the parts keelson uses).
struct PodSpec {
  InternedString node_name;  ///< "" while unscheduled.
  InternedString scheduler_name;
  int32_t priority = 0;
  bool host_network = false;  ///< Shares the padding after priority.
  InternedString priority_class_name;
  InternedString preemption_policy;
  InternedString restart_policy;  ///< "Always", "OnFailure" or "Never".
  InternedString service_account_name;
  InternedString runtime_class_name;
  StringMap node_selector;
  Shared<List<Toleration>> tolerations;
  core::Boxed<Affinity> affinity;  ///< nullopt (empty) when absent.
  List<TopologySpreadConstraint> topology_spread_constraints;
  List<Container> init_containers;
  List<Container> containers;
  ResourceList overhead;  ///< RuntimeClass overhead added to the pod's requests.
  /// Pod-level resources (spec.resources, PodLevelResources feature); empty when unset.
  ResourceRequirements resources;
  List<Volume> volumes;
  std::optional<int64_t> termination_grace_period_seconds;
};

/// A container's state or last state: waiting, running or terminated.
struct ContainerState {
  /// Which of the three the API reported.
  enum class Kind { kNone, kWaiting, kRunning, kTerminated };
  Kind kind = Kind::kNone;
  InternedString reason;   ///< Waiting and terminated: "CrashLoopBackOff", "OOMKilled", ...
  InternedString message;  ///< Waiting and terminated.
  Time started_at;         ///< Running and terminated.
  Time finished_at;        ///< Terminated.
  int32_t exit_code = 0;   ///< Terminated.
  int32_t signal = 0;      ///< Terminated.
};

/// status.containerStatuses[] and status.initContainerStatuses[].
struct ContainerStatus {
  InternedString name;
  bool ready = false;
  bool started = false;  ///< .started (false when absent).
  int32_t restart_count = 0;
  InternedString image;
  InternedString image_id;
  InternedString container_id;  ///< "containerd://<id>"
  ContainerState state;
  ContainerState last_state;
};

/// core/v1 PodStatus.
struct PodStatus {
  InternedString phase;   ///< "Pending", "Running", "Succeeded", "Failed" or "Unknown".
  InternedString reason;  ///< e.g. "Evicted".
  InternedString message;
  List<Condition> conditions;
  InternedString host_ip;
  InternedString pod_ip;
  List<InternedString> pod_ips;  ///< status.podIPs[].ip
  Time start_time;
  InternedString qos_class;  ///< "Guaranteed", "Burstable" or "BestEffort".
  InternedString nominated_node_name;
  List<ContainerStatus> init_container_statuses;
  List<ContainerStatus> container_statuses;
};

/// core/v1 Pod.
struct Pod {
  ObjectMeta metadata;
  PodSpec spec;
  PodStatus status;
};

}  // namespace keelson::kube
