#include "schedule/framework/snapshot.h"

#include <string>
#include <unordered_map>

#include "kube/resources.h"

namespace keelson::schedule::framework {
namespace {

bool terminated(const kube::Pod& pod) {
  return pod.status.phase == "Succeeded" || pod.status.phase == "Failed";
}

bool samePod(const kube::Pod& a, const kube::Pod& b) {
  if (!a.metadata.uid.empty() && !b.metadata.uid.empty()) return a.metadata.uid == b.metadata.uid;
  return a.metadata.namespace_name == b.metadata.namespace_name &&
         a.metadata.name == b.metadata.name;
}

template <typename T>
const T* findNamed(const std::vector<const T*>& objects, std::string_view name) {
  for (const T* object : objects) {
    if (object->metadata.name == name) return object;
  }
  return nullptr;
}

}  // namespace

ClusterView viewOf(const ClusterObjects& objects) {
  const auto pointers = [](const auto& owned, auto& out) {
    out.reserve(owned.size());
    for (const auto& object : owned) out.push_back(&object);
  };
  ClusterView view;
  pointers(objects.nodes, view.nodes);
  pointers(objects.pods, view.pods);
  pointers(objects.pvcs, view.pvcs);
  pointers(objects.pvs, view.pvs);
  pointers(objects.storage_classes, view.storage_classes);
  pointers(objects.namespaces, view.namespaces);
  return view;
}

NonZeroRequests nonZeroRequests(const kube::Pod& pod) {
  kube::PodResourcesOptions options;
  options.non_missing_container_requests = {
      {"cpu", core::Quantity::fromMilli(kDefaultMilliCpuRequest)},
      {"memory", core::Quantity::fromValue(kDefaultMemoryRequestBytes)}};
  const kube::ResourceList requests = kube::podRequests(pod, options);
  return NonZeroRequests{quantityOf(requests, "cpu").milliValue(),
                         quantityOf(requests, "memory").value()};
}

PodInfo::PodInfo(const kube::Pod& pod) : pod_(&pod), requests_(kube::podRequests(pod)) {}

core::Quantity quantityOf(const kube::ResourceList& list, std::string_view name) {
  const auto it = list.find(name);
  return it == list.end() ? core::Quantity{} : it->second;
}

Snapshot::Snapshot(const ClusterView& objects, const kube::Pod& pod) : objects_(&objects) {
  std::unordered_map<std::string_view, size_t> index;
  nodes_.reserve(objects.nodes.size());
  for (const kube::Node* node : objects.nodes) {
    index.emplace(node->metadata.name, nodes_.size());
    nodes_.push_back(NodeInfo{node, {}, {}, {}});
  }
  for (const kube::Pod* other_ptr : objects.pods) {
    const kube::Pod& other = *other_ptr;
    // The scheduler's cache holds bound pods that are not Succeeded/Failed.
    if (other.spec.node_name.empty() || terminated(other) || samePod(other, pod)) continue;
    const auto it = index.find(other.spec.node_name);
    if (it == index.end()) continue;
    NodeInfo& info = nodes_[it->second];
    info.pods.push_back(&other);
    for (const auto& [name, q] : kube::podRequests(other)) info.requested[name] += q;
    const NonZeroRequests non_zero = nonZeroRequests(other);
    info.non_zero_requested.cpu_millicores += non_zero.cpu_millicores;
    info.non_zero_requested.memory_bytes += non_zero.memory_bytes;
  }
}

const kube::PersistentVolumeClaim* Snapshot::findClaim(std::string_view namespace_name,
                                                       std::string_view name) const {
  for (const kube::PersistentVolumeClaim* claim : objects_->pvcs) {
    if (claim->metadata.namespace_name == namespace_name && claim->metadata.name == name) {
      return claim;
    }
  }
  return nullptr;
}

const kube::PersistentVolume* Snapshot::findVolume(std::string_view name) const {
  return findNamed(objects_->pvs, name);
}

const kube::StorageClass* Snapshot::findStorageClass(std::string_view name) const {
  return findNamed(objects_->storage_classes, name);
}

}  // namespace keelson::schedule::framework
