#pragma once

// Typed view of core/v1 Node (GET /api/v1/nodes) and core/v1 Namespace (GET /api/v1/namespaces).

#include <string>
#include <vector>

#include "kube/objects.h"

namespace keelson::kube {

/// spec.taints[].
struct Taint {
  std::string key;
  std::string value;
  std::string effect;  ///< "NoSchedule", "PreferNoSchedule" or "NoExecute".
  Time time_added;     ///< NoExecute taints only.
};

/// core/v1 NodeSpec.
struct NodeSpec {
  bool unschedulable = false;  ///< Cordoned.
  std::vector<Taint> taints;
  std::string pod_cidr;
  std::vector<std::string> pod_cidrs;
  std::string provider_id;  ///< e.g. "aws:///eu-west-1a/i-0123", "kind://docker/kind/node".
};

/// status.addresses[].
struct NodeAddress {
  std::string type;  ///< "InternalIP", "ExternalIP", "Hostname", "InternalDNS", "ExternalDNS".
  std::string address;
};

/// status.nodeInfo.
struct NodeSystemInfo {
  std::string machine_id;
  std::string boot_id;
  std::string kernel_version;
  std::string os_image;
  std::string container_runtime_version;  ///< "containerd://1.7.13"
  std::string kubelet_version;            ///< "v1.30.0"
  std::string operating_system;           ///< "linux"
  std::string architecture;               ///< "amd64"
};

/// core/v1 NodeStatus.
struct NodeStatus {
  ResourceList capacity;
  ResourceList allocatable;
  List<Condition> conditions;  ///< "Ready", "MemoryPressure", "DiskPressure", ...
  std::vector<NodeAddress> addresses;
  NodeSystemInfo node_info;
};

/// core/v1 Node.
struct Node {
  ObjectMeta metadata;
  NodeSpec spec;
  NodeStatus status;
};

/// core/v1 Namespace (labels are in metadata).
struct Namespace {
  ObjectMeta metadata;
  std::string phase;  ///< status.phase: "Active" or "Terminating".
};

}  // namespace keelson::kube
