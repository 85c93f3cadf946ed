// core/v1 Pod decoding.
#include <fmt/format.h>

#include <string>
#include <string_view>

#include "kube/decode_internal.h"

namespace keelson::kube::detail {
namespace {

void decodeToleration(od::value value, Toleration& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "key") return read(field, out.key);
    if (key == "operator") return read(field, out.op);
    if (key == "value") return read(field, out.value);
    if (key == "effect") return read(field, out.effect);
    if (key == "tolerationSeconds") return read(field, out.toleration_seconds);
  });
}

void decodePreferredSchedulingTerm(od::value value, PreferredSchedulingTerm& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "weight") return read(field, out.weight);
    if (key == "preference") return decodeNodeSelectorTerm(field, out.preference);
  });
}

void decodeNodeAffinity(od::value value, NodeAffinity& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "requiredDuringSchedulingIgnoredDuringExecution") {
      return readOptional(field, out.required, decodeNodeSelector);
    }
    if (key == "preferredDuringSchedulingIgnoredDuringExecution") {
      return readArray(field, out.preferred, decodePreferredSchedulingTerm);
    }
  });
}

void decodePodAffinityTerm(od::value value, PodAffinityTerm& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "labelSelector") return readOptional(field, out.label_selector, decodeLabelSelector);
    if (key == "namespaces") return read(field, out.namespaces);
    if (key == "namespaceSelector") {
      return readOptional(field, out.namespace_selector, decodeLabelSelector);
    }
    if (key == "topologyKey") return read(field, out.topology_key);
    if (key == "matchLabelKeys") return read(field, out.match_label_keys);
    if (key == "mismatchLabelKeys") return read(field, out.mismatch_label_keys);
  });
}

void decodeWeightedPodAffinityTerm(od::value value, WeightedPodAffinityTerm& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "weight") return read(field, out.weight);
    if (key == "podAffinityTerm") return decodePodAffinityTerm(field, out.term);
  });
}

void decodePodAffinity(od::value value, PodAffinity& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "requiredDuringSchedulingIgnoredDuringExecution") {
      return readArray(field, out.required, decodePodAffinityTerm);
    }
    if (key == "preferredDuringSchedulingIgnoredDuringExecution") {
      return readArray(field, out.preferred, decodeWeightedPodAffinityTerm);
    }
  });
}

void decodeAffinity(od::value value, Affinity& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "nodeAffinity") return readOptional(field, out.node_affinity, decodeNodeAffinity);
    if (key == "podAffinity") return readOptional(field, out.pod_affinity, decodePodAffinity);
    if (key == "podAntiAffinity") {
      return readOptional(field, out.pod_anti_affinity, decodePodAffinity);
    }
  });
}

void decodeTopologySpreadConstraint(od::value value, TopologySpreadConstraint& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "maxSkew") return read(field, out.max_skew);
    if (key == "topologyKey") return read(field, out.topology_key);
    if (key == "whenUnsatisfiable") return read(field, out.when_unsatisfiable);
    if (key == "labelSelector") return readOptional(field, out.label_selector, decodeLabelSelector);
    if (key == "minDomains") return read(field, out.min_domains);
    if (key == "nodeAffinityPolicy") return read(field, out.node_affinity_policy);
    if (key == "nodeTaintsPolicy") return read(field, out.node_taints_policy);
    if (key == "matchLabelKeys") return read(field, out.match_label_keys);
  });
}

void decodeResourceRequirements(od::value value, ResourceRequirements& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "requests") return read(field, out.requests);
    if (key == "limits") return read(field, out.limits);
  });
}

void decodeContainerPort(od::value value, ContainerPort& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "name") return read(field, out.name);
    if (key == "containerPort") return read(field, out.container_port);
    if (key == "hostPort") return read(field, out.host_port);
    if (key == "protocol") return read(field, out.protocol);
    if (key == "hostIP") return read(field, out.host_ip);
  });
}

// A *KeySelector (configMapKeyRef, secretKeyRef, fileKeyRef): name/path, key, optional.
void decodeKeyRef(od::value value, EnvVar& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "name" || key == "volumeName") return read(field, out.ref_name);
    if (key == "key") return read(field, out.ref_key);
    if (key == "optional") return read(field, out.optional);
  });
}

void decodeEnvVar(od::value value, EnvVar& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "name") return read(field, out.name);
    // "value" is deliberately never read: env values can hold credentials.
    if (key != "valueFrom") return;
    forEachField(field, [&](std::string_view source, od::value ref) {
      if (source == "configMapKeyRef") {
        out.source = EnvSource::kConfigMapKey;
        return decodeKeyRef(ref, out);
      }
      if (source == "secretKeyRef") {
        out.source = EnvSource::kSecretKey;
        return decodeKeyRef(ref, out);
      }
      if (source == "fileKeyRef") {
        out.source = EnvSource::kFileKey;
        return decodeKeyRef(ref, out);
      }
      if (source == "fieldRef") {
        out.source = EnvSource::kFieldRef;
        return forEachField(ref, [&](std::string_view name, od::value v) {
          if (name == "fieldPath") read(v, out.ref_name);
        });
      }
      if (source == "resourceFieldRef") {
        out.source = EnvSource::kResourceFieldRef;
        return forEachField(ref, [&](std::string_view name, od::value v) {
          if (name == "resource") read(v, out.ref_name);
        });
      }
      out.source = EnvSource::kOther;
    });
  });
}

void decodeEnvFromSource(od::value value, EnvFromSource& out) {
  auto decodeRef = [&](od::value ref) {
    forEachField(ref, [&](std::string_view key, od::value field) {
      if (key == "name") return read(field, out.name);
      if (key == "optional") return read(field, out.optional);
    });
  };
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "prefix") return read(field, out.prefix);
    if (key == "configMapRef") {
      out.secret = false;
      return decodeRef(field);
    }
    if (key == "secretRef") {
      out.secret = true;
      return decodeRef(field);
    }
  });
}

void decodeVolumeMount(od::value value, VolumeMount& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "name") return read(field, out.name);
    if (key == "mountPath") return read(field, out.mount_path);
    if (key == "subPath") return read(field, out.sub_path);
    if (key == "readOnly") return read(field, out.read_only);
  });
}

// Port of an httpGet/tcpSocket/grpc handler as text (an int or a named port).
void readPort(od::value value, std::string& out) {
  IntOrString port;
  read(value, port);
  out = port.is_string ? port.string_value.str() : fmt::format("{}", port.int_value);
}

void decodeProbe(od::value value, Probe& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "httpGet") {
      out.type = Probe::Type::kHttpGet;
      std::string scheme = "http";
      std::string host;
      std::string port;
      std::string path;
      forEachField(field, [&](std::string_view name, od::value v) {
        if (name == "scheme") return read(v, scheme);
        if (name == "host") return read(v, host);
        if (name == "port") return readPort(v, port);
        if (name == "path") return read(v, path);
      });
      for (char& c : scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      // As Go's net.JoinHostPort and url.URL.String write it (kubectl describe uses both).
      // (fmt, not string operator+: GCC 12 -O2 warns falsely with -Wrestrict on the latter.)
      const bool ipv6 = host.find(':') != std::string::npos;
      const bool relative = !path.empty() && path.front() != '/';
      out.target = fmt::format("{}://{}{}{}:{}{}{}", scheme, ipv6 ? "[" : "", host, ipv6 ? "]" : "",
                               port, relative ? "/" : "", path);
      return;
    }
    if (key == "tcpSocket") {
      out.type = Probe::Type::kTcpSocket;
      std::string host;
      std::string port;
      forEachField(field, [&](std::string_view name, od::value v) {
        if (name == "host") return read(v, host);
        if (name == "port") return readPort(v, port);
      });
      out.target = fmt::format("{}:{}", host, port);
      return;
    }
    if (key == "exec") {
      out.type = Probe::Type::kExec;
      std::vector<std::string> command;
      forEachField(field, [&](std::string_view name, od::value v) {
        if (name == "command") read(v, command);
      });
      out.target = fmt::format("{}", fmt::join(command, " "));
      return;
    }
    if (key == "grpc") {
      out.type = Probe::Type::kGrpc;
      std::string port;
      std::string service;
      forEachField(field, [&](std::string_view name, od::value v) {
        if (name == "port") return readPort(v, port);
        if (name == "service") return read(v, service);
      });
      out.target =
          service.empty() ? fmt::format(":{}", port) : fmt::format(":{} {}", port, service);
      return;
    }
    if (key == "initialDelaySeconds") return read(field, out.initial_delay_seconds);
    if (key == "timeoutSeconds") return read(field, out.timeout_seconds);
    if (key == "periodSeconds") return read(field, out.period_seconds);
    if (key == "successThreshold") return read(field, out.success_threshold);
    if (key == "failureThreshold") return read(field, out.failure_threshold);
  });
}

void decodeContainer(od::value value, Container& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "name") return read(field, out.name);
    if (key == "image") return read(field, out.image);
    if (key == "imagePullPolicy") return read(field, out.image_pull_policy);
    if (key == "restartPolicy") return read(field, out.restart_policy);
    if (key == "resources") return decodeResourceRequirements(field, out.resources);
    if (key == "ports") return readArray(field, out.ports, decodeContainerPort);
    if (key == "env") return readArray(field, out.env, decodeEnvVar);
    if (key == "envFrom") return readArray(field, out.env_from, decodeEnvFromSource);
    if (key == "volumeMounts") return readArray(field, out.volume_mounts, decodeVolumeMount);
    if (key == "livenessProbe") return readOptional(field, out.liveness_probe, decodeProbe);
    if (key == "readinessProbe") return readOptional(field, out.readiness_probe, decodeProbe);
    if (key == "startupProbe") return readOptional(field, out.startup_probe, decodeProbe);
  });
}

void decodeVolume(od::value value, Volume& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "name") return read(field, out.name);
    // Every other field of a Volume is its one source (persistentVolumeClaim, configMap, ...).
    if (isNull(field)) return;
    out.type = std::string(key);
    VolumeSourceInfo info;
    decodeVolumeSource(field, info);
    out.reference = std::move(info.reference);
    out.read_only = info.read_only;
    out.medium = std::move(info.medium);
    out.size_limit = info.size_limit;
  });
}

void decodePodSpec(od::value value, PodSpec& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "containers") return readArray(field, out.containers, decodeContainer);
    if (key == "initContainers") return readArray(field, out.init_containers, decodeContainer);
    if (key == "nodeName") return read(field, out.node_name);
    if (key == "schedulerName") return read(field, out.scheduler_name);
    if (key == "priority") return read(field, out.priority);
    if (key == "priorityClassName") return read(field, out.priority_class_name);
    if (key == "preemptionPolicy") return read(field, out.preemption_policy);
    if (key == "restartPolicy") return read(field, out.restart_policy);
    if (key == "serviceAccountName") return read(field, out.service_account_name);
    if (key == "runtimeClassName") return read(field, out.runtime_class_name);
    if (key == "nodeSelector") return read(field, out.node_selector);
    if (key == "tolerations") return readArray(field, out.tolerations, decodeToleration);
    if (key == "affinity") return readOptional(field, out.affinity, decodeAffinity);
    if (key == "topologySpreadConstraints") {
      return readArray(field, out.topology_spread_constraints, decodeTopologySpreadConstraint);
    }
    if (key == "overhead") return read(field, out.overhead);
    if (key == "resources") return decodeResourceRequirements(field, out.resources);
    if (key == "volumes") return readArray(field, out.volumes, decodeVolume);
    if (key == "hostNetwork") return read(field, out.host_network);
    if (key == "terminationGracePeriodSeconds") {
      return read(field, out.termination_grace_period_seconds);
    }
  });
}

void decodeContainerState(od::value value, ContainerState& out) {
  using Kind = ContainerState::Kind;
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key != "waiting" && key != "running" && key != "terminated") return;
    if (isNull(field)) return;
    out.kind = key == "waiting"   ? Kind::kWaiting
               : key == "running" ? Kind::kRunning
                                  : Kind::kTerminated;
    forEachField(field, [&](std::string_view name, od::value v) {
      if (name == "reason") return read(v, out.reason);
      if (name == "message") return read(v, out.message);
      if (name == "startedAt") return read(v, out.started_at);
      if (name == "finishedAt") return read(v, out.finished_at);
      if (name == "exitCode") return read(v, out.exit_code);
      if (name == "signal") return read(v, out.signal);
    });
  });
}

void decodeContainerStatus(od::value value, ContainerStatus& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "name") return read(field, out.name);
    if (key == "ready") return read(field, out.ready);
    if (key == "started") return read(field, out.started);
    if (key == "restartCount") return read(field, out.restart_count);
    if (key == "image") return read(field, out.image);
    if (key == "imageID") return read(field, out.image_id);
    if (key == "containerID") return read(field, out.container_id);
    if (key == "state") return decodeContainerState(field, out.state);
    if (key == "lastState") return decodeContainerState(field, out.last_state);
  });
}

void decodePodStatus(od::value value, PodStatus& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "phase") return read(field, out.phase);
    if (key == "reason") return read(field, out.reason);
    if (key == "message") return read(field, out.message);
    if (key == "conditions") return readArray(field, out.conditions, decodeCondition);
    if (key == "hostIP") return read(field, out.host_ip);
    if (key == "podIP") return read(field, out.pod_ip);
    if (key == "podIPs") {
      forEachElement(field, [&](od::value element) {
        forEachField(element, [&](std::string_view name, od::value ip) {
          if (name == "ip") read(ip, out.pod_ips.emplace_back());
        });
      });
      fitCapacity(out.pod_ips);
      return;
    }
    if (key == "startTime") return read(field, out.start_time);
    if (key == "qosClass") return read(field, out.qos_class);
    if (key == "nominatedNodeName") return read(field, out.nominated_node_name);
    if (key == "initContainerStatuses") {
      return readArray(field, out.init_container_statuses, decodeContainerStatus);
    }
    if (key == "containerStatuses") {
      return readArray(field, out.container_statuses, decodeContainerStatus);
    }
  });
}

}  // namespace

void decode(od::value value, Pod& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "metadata") return decodeObjectMeta(field, out.metadata);
    if (key == "spec") return decodePodSpec(field, out.spec);
    if (key == "status") return decodePodStatus(field, out.status);
    if (key == "kind") return expectKind(field, "Pod");
  });
}

}  // namespace keelson::kube::detail
