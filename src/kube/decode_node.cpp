// core/v1 Node and Namespace decoding.
#include <string_view>

#include "kube/decode_internal.h"

namespace keelson::kube::detail {
namespace {

void decodeTaint(od::value value, Taint& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "key") return read(field, out.key);
    if (key == "value") return read(field, out.value);
    if (key == "effect") return read(field, out.effect);
    if (key == "timeAdded") return read(field, out.time_added);
  });
}

void decodeNodeSpec(od::value value, NodeSpec& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "unschedulable") return read(field, out.unschedulable);
    if (key == "taints") return readArray(field, out.taints, decodeTaint);
    if (key == "podCIDR") return read(field, out.pod_cidr);
    if (key == "podCIDRs") return read(field, out.pod_cidrs);
    if (key == "providerID") return read(field, out.provider_id);
  });
}

void decodeNodeAddress(od::value value, NodeAddress& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "type") return read(field, out.type);
    if (key == "address") return read(field, out.address);
  });
}

void decodeNodeSystemInfo(od::value value, NodeSystemInfo& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "machineID") return read(field, out.machine_id);
    if (key == "bootID") return read(field, out.boot_id);
    if (key == "kernelVersion") return read(field, out.kernel_version);
    if (key == "osImage") return read(field, out.os_image);
    if (key == "containerRuntimeVersion") return read(field, out.container_runtime_version);
    if (key == "kubeletVersion") return read(field, out.kubelet_version);
    if (key == "operatingSystem") return read(field, out.operating_system);
    if (key == "architecture") return read(field, out.architecture);
  });
}

void decodeNodeStatus(od::value value, NodeStatus& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "capacity") return read(field, out.capacity);
    if (key == "allocatable") return read(field, out.allocatable);
    if (key == "conditions") return readArray(field, out.conditions, decodeCondition);
    if (key == "addresses") return readArray(field, out.addresses, decodeNodeAddress);
    if (key == "nodeInfo") return decodeNodeSystemInfo(field, out.node_info);
    // images (often the biggest part of a Node) and volumesAttached are skipped unread.
  });
}

}  // namespace

void decode(od::value value, Node& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "metadata") return decodeObjectMeta(field, out.metadata);
    if (key == "spec") return decodeNodeSpec(field, out.spec);
    if (key == "status") return decodeNodeStatus(field, out.status);
    if (key == "kind") return expectKind(field, "Node");
  });
}

void decode(od::value value, Namespace& out) {
  forEachField(value, [&](std::string_view key, od::value field) {
    if (key == "metadata") return decodeObjectMeta(field, out.metadata);
    if (key == "status") {
      return forEachField(field, [&](std::string_view name, od::value v) {
        if (name == "phase") read(v, out.phase);
      });
    }
    if (key == "kind") return expectKind(field, "Namespace");
  });
}

}  // namespace keelson::kube::detail
