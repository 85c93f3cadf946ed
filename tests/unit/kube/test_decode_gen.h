#pragma once

// Generates a realistic core/v1 PodList JSON document (as GET /api/v1/pods returns it, with
// managedFields) for the large-list decode test and bench/kube/bench_decode. Each pod is about
// 3.5 KB; its values are a pure function of the index, see expectedPod*().

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace keelson::kube::testing {

/// metadata.name of pod `i`.
inline std::string expectedPodName(std::size_t i) {
  return fmt::format("app-{}-7b87746859-{:05}", i % 50, i);
}

/// metadata.namespace of pod `i`.
inline std::string expectedPodNamespace(std::size_t i) { return fmt::format("team-{}", i % 20); }

/// spec.nodeName of pod `i` ("" for every 10th pod, which is Pending).
inline std::string expectedPodNode(std::size_t i) {
  return i % 10 == 9 ? std::string() : fmt::format("node-{:03}", i % 100);
}

/// The app container's CPU request of pod `i`, in millicores.
inline int64_t expectedPodCpuMilli(std::size_t i) { return static_cast<int64_t>(i % 8 + 1) * 100; }

/// The app container's memory request of pod `i`, in bytes.
inline int64_t expectedPodMemoryBytes(std::size_t i) {
  return static_cast<int64_t>(i % 16 + 1) * 64 * 1024 * 1024;
}

/// The app container's restartCount of pod `i`.
inline int32_t expectedPodRestarts(std::size_t i) { return static_cast<int32_t>(i % 5); }

/// One pod of the generated list.
inline void appendPod(std::string& out, std::size_t i) {
  const std::string name = expectedPodName(i);
  const std::string ns = expectedPodNamespace(i);
  const std::string node = expectedPodNode(i);
  const bool pending = node.empty();
  const std::string uid =
      fmt::format("{:08x}-1b65-4df4-8431-{:012x}", i * 2654435761u % 0xffffffffu, i);
  fmt::format_to(
      std::back_inserter(out),
      R"({{"metadata":{{"name":"{0}","generateName":"app-{1}-7b87746859-","namespace":"{2}","uid":"{3}","resourceVersion":"{4}","creationTimestamp":"2026-11-21T00:08:27Z","labels":{{"app":"app-{1}","pod-template-hash":"7b87746859","tier":"backend","version":"v{5}"}},"annotations":{{"kubectl.kubernetes.io/restartedAt":"2026-11-20T10:00:00Z","prometheus.io/scrape":"true"}},"ownerReferences":[{{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"app-{1}-7b87746859","uid":"6f1c{3}","controller":true,"blockOwnerDeletion":true}}],"managedFields":[{{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2026-11-21T00:08:27Z","fieldsType":"FieldsV1","fieldsV1":{{"f:metadata":{{"f:generateName":{{}},"f:labels":{{".":{{}},"f:app":{{}},"f:pod-template-hash":{{}}}},"f:ownerReferences":{{".":{{}},"k:{{\"uid\":\"6f1c\"}}":{{}}}}}},"f:spec":{{"f:containers":{{"k:{{\"name\":\"app\"}}":{{".":{{}},"f:image":{{}},"f:name":{{}},"f:resources":{{".":{{}},"f:requests":{{}}}}}}}}}}}}}}]}},)",
      name, i % 50, ns, uid, 1000 + i, i % 3);
  fmt::format_to(
      std::back_inserter(out),
      R"("spec":{{"volumes":[{{"name":"config","configMap":{{"name":"app-{0}-config","defaultMode":420}}}},{{"name":"kube-api-access-{1:05}","projected":{{"sources":[{{"serviceAccountToken":{{"expirationSeconds":3607,"path":"token"}}}}],"defaultMode":420}}}}],"containers":[{{"name":"app","image":"registry.example.com/team/app-{0}:1.{2}.0","ports":[{{"name":"http","containerPort":8080,"protocol":"TCP"}}],"env":[{{"name":"LOG_LEVEL","value":"info"}},{{"name":"POD_NAME","valueFrom":{{"fieldRef":{{"apiVersion":"v1","fieldPath":"metadata.name"}}}}}},{{"name":"DB_PASSWORD","valueFrom":{{"secretKeyRef":{{"name":"app-{0}-db","key":"password"}}}}}}],"resources":{{"limits":{{"memory":"{3}Mi"}},"requests":{{"cpu":"{4}m","memory":"{3}Mi"}}}},"volumeMounts":[{{"name":"config","readOnly":true,"mountPath":"/etc/app"}},{{"name":"kube-api-access-{1:05}","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}}],"livenessProbe":{{"httpGet":{{"path":"/healthz","port":8080,"scheme":"HTTP"}},"initialDelaySeconds":5,"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","serviceAccount":"default",)",
      i % 50, i, i % 7, (i % 16 + 1) * 64, (i % 8 + 1) * 100);
  if (!pending) fmt::format_to(std::back_inserter(out), R"("nodeName":"{}",)", node);
  fmt::format_to(
      std::back_inserter(out),
      R"("securityContext":{{}},"schedulerName":"default-scheduler","tolerations":[{{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}},{{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"}},)");
  if (pending) {
    out +=
        R"("status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","lastProbeTime":null,"lastTransitionTime":"2026-11-21T00:08:27Z","reason":"Unschedulable","message":"0/100 nodes are available: 100 Insufficient cpu. preemption: 0/100 nodes are available: 100 No preemption victims found for incoming pod."}],"qosClass":"Burstable"}})";
    return;
  }
  fmt::format_to(
      std::back_inserter(out),
      R"("status":{{"phase":"Running","conditions":[{{"type":"PodReadyToStartContainers","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-21T00:08:29Z"}},{{"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-21T00:08:28Z"}},{{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-21T00:08:35Z"}},{{"type":"ContainersReady","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-21T00:08:35Z"}},{{"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-21T00:08:27Z"}}],"hostIP":"10.1.{0}.{1}","podIP":"10.244.{0}.{1}","podIPs":[{{"ip":"10.244.{0}.{1}"}}],"startTime":"2026-11-21T00:08:27Z","containerStatuses":[{{"name":"app","state":{{"running":{{"startedAt":"2026-11-21T00:08:30Z"}}}},"lastState":{{"terminated":{{"exitCode":137,"reason":"OOMKilled","startedAt":"2026-11-21T00:01:02Z","finishedAt":"2026-11-21T00:08:29Z"}}}},"ready":true,"restartCount":{3},"image":"registry.example.com/team/app-{4}:1.{5}.0","imageID":"registry.example.com/team/app-{4}@sha256:{2:064x}","containerID":"containerd://{2:064x}","started":true}}],"qosClass":"Burstable"}}}})",
      i % 100, i % 250, i * 7919, i % 5, i % 50, i % 7);
}

/// A PodList of `count` pods with metadata.resourceVersion "123456".
inline std::string makePodListJson(std::size_t count) {
  std::string out;
  out.reserve(count * 3600 + 128);
  out += R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"123456"},"items":[)";
  for (std::size_t i = 0; i < count; ++i) {
    if (i != 0) out += ',';
    appendPod(out, i);
  }
  out += "]}";
  return out;
}

}  // namespace keelson::kube::testing
