#pragma once

// The pod description of `keelson serve` (GET /api/v1/pods/{ns}/{pod}/describe) and of
// `keelson describe pod`: what `kubectl describe pod` shows, as one JSON document in the spec's
// shape and camelCase names, plus a kubectl-like text rendering of that same document.
//
// Environment variable values are never part of it: kube::EnvVar does not keep them, and the
// document names only where a value comes from ("value" for a literal).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kube/event.h"
#include "kube/pod.h"

namespace keelson::docs {

/// The pod's QoS class by Kubernetes' rules (k8s.io/kubernetes pkg/apis/core/v1/helper/qos
/// ComputePodQOS): only cpu and memory count, zero quantities count as unset; with pod-level
/// spec.resources set those decide, else every app and init container does. No requests and no
/// limits at all: "BestEffort"; every container limits both cpu and memory and the summed
/// requests equal the summed limits: "Guaranteed"; otherwise "Burstable". Pure; throws
/// Error(kBadInput) only if a sum overflows Quantity's range.
std::string podQosClass(const kube::Pod& pod);

/// A probe as `kubectl describe pod` prints it, e.g. "http-get http://:8080/healthz delay=0s
/// timeout=1s period=10s #success=1 #failure=3", "tcp-socket :5432 ...", "exec [cat /tmp/x]
/// ...", "grpc <pod>:9090 <service> ...". Pure.
std::string describeProbe(const kube::Probe& probe);

/// A toleration as `kubectl describe pod` prints it, e.g. "node.kubernetes.io/not-ready:NoExecute
/// op=Exists for 300s", "dedicated=gpu:NoSchedule", "op=Exists" (tolerates everything). Pure.
std::string describeToleration(const kube::Toleration& toleration);

/// The describe document of `pod`; `events` are the pod's events (podEvents, serve_pods.h).
/// Members: name, namespace, uid, creationTimestamp, deletionTimestamp (null unless
/// terminating), labels, annotations, status {phase, podIP, podIPs, hostIP, reason, message,
/// startTime}, node, priority, priorityClassName, serviceAccount, qosClass (podQosClass; the
/// pod's status.qosClass if that throws),
/// controlledBy ("Kind/name" of the controller owner reference, or null), containers and
/// initContainers ([{name, image, imageID, containerID (when the runtime reported one), ports
/// [{name, containerPort, protocol, hostPort}], ready, started, restartCount, state, lastState
/// ({} or one of {running: {startedAt}}, {waiting: {reason, message}}, {terminated: {reason,
/// exitCode, signal, startedAt, finishedAt, message}}), resources {requests, limits} (exact
/// quantity strings), probes {liveness, readiness, startup: {description (describeProbe), type
/// ("httpGet", "tcpSocket", "exec", "grpc"), target, initialDelaySeconds, timeoutSeconds,
/// periodSeconds, successThreshold, failureThreshold}; only the probes set}, environment [{name,
/// source}] with source "value" for a literal or e.g. "secretKeyRef(name.key)",
/// "configMapKeyRef(name.key)", "fieldRef(metadata.name)", "resourceFieldRef(limits.cpu)",
/// "fileKeyRef(volume.key)" (with " optional" when optional), envFrom [{type ("configMapRef" or
/// "secretRef"), name, prefix, optional}], mounts [{name, mountPath, subPath, readOnly}]}; init
/// containers also carry sidecar (restartPolicy Always)], conditions [{type, status,
/// lastTransitionTime, reason, message}], volumes [{name, type ("ConfigMap", "EmptyDir",
/// "Secret", "PersistentVolumeClaim", ...), source {<volume source field>: {<its main reference
/// field>: ..., readOnly?, medium?, sizeLimit?}}}], nodeSelector, tolerations [{key, operator,
/// value, effect, tolerationSeconds (null when unset), description (describeToleration)}] and
/// events [{type, reason, message, firstTimestamp, lastTimestamp, count, source (the
/// reporting component, "component/host" when the event carries source.host)}]. Times are
/// RFC 3339 UTC, "" when unset. Pure; never throws.
nlohmann::json podDescribeDocument(const kube::Pod& pod, const std::vector<kube::Event>& events);

/// The document of podDescribeDocument as kubectl-describe-like text (Name:, Namespace:, ...,
/// Containers:, Conditions:, Volumes:, QoS Class:, Node-Selectors:, Tolerations:, Events:).
/// Rendering from the document guarantees that the text and the JSON agree. Missing members
/// print as "<none>" or are skipped; never throws on a partial document.
std::string renderPodDescription(const nlohmann::json& doc);

}  // namespace keelson::docs
