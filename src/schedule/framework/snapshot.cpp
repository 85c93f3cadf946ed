#include "schedule/framework/snapshot.h"

#include <algorithm>
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

namespace {

bool hasPodAffinity(const kube::Pod& pod) {
  const auto& affinity = pod.spec.affinity;
  return affinity && (affinity->pod_affinity || affinity->pod_anti_affinity);
}

}  // namespace

void NodeInfo::addPod(const kube::Pod* pod) {
  pods.push_back(pod);
  if (hasPodAffinity(*pod)) pods_with_affinity.push_back(pod);
  for (const auto& [name, q] : kube::podRequests(*pod)) requested[name] += q;
  const NonZeroRequests non_zero = nonZeroRequests(*pod);
  non_zero_requested.cpu_millicores += non_zero.cpu_millicores;
  non_zero_requested.memory_bytes += non_zero.memory_bytes;
}

void NodeInfo::removePod(const kube::Pod* pod) {
  if (std::erase(pods, pod) == 0) return;
  std::erase(pods_with_affinity, pod);
  for (const auto& [name, q] : kube::podRequests(*pod)) requested[name] -= q;
  const NonZeroRequests non_zero = nonZeroRequests(*pod);
  non_zero_requested.cpu_millicores -= non_zero.cpu_millicores;
  non_zero_requested.memory_bytes -= non_zero.memory_bytes;
}

std::vector<NodeInfo> buildNodeInfos(const ClusterView& objects, const kube::Pod* leave_out) {
  std::vector<NodeInfo> infos;
  std::unordered_map<std::string_view, size_t> index;
  infos.reserve(objects.nodes.size());
  for (const kube::Node* node : objects.nodes) {
    index.emplace(node->metadata.name, infos.size());
    infos.push_back(NodeInfo{node, {}, {}, {}, {}});
  }
  for (const kube::Pod* other_ptr : objects.pods) {
    const kube::Pod& other = *other_ptr;
    // The scheduler's cache holds bound pods that are not Succeeded/Failed.
    if (other.spec.node_name.empty() || terminated(other)) continue;
    if (leave_out != nullptr && samePod(other, *leave_out)) continue;
    const auto it = index.find(other.spec.node_name);
    if (it == index.end()) continue;
    infos[it->second].addPod(&other);
  }
  return infos;
}

Snapshot::Snapshot(const ClusterView& objects, const kube::Pod& pod)
    : objects_(&objects), owned_(buildNodeInfos(objects, &pod)), nodes_(owned_) {}

Snapshot::Snapshot(const ClusterView& objects, std::span<const NodeInfo> nodes,
                   const kube::Pod& pod)
    : objects_(&objects), nodes_(nodes) {
  // Only a bound, running pod can be counted, and only on its own node.
  if (pod.spec.node_name.empty() || terminated(pod)) return;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].node->metadata.name != pod.spec.node_name) continue;
    const auto& pods = nodes[i].pods;
    const auto counted = std::find_if(pods.begin(), pods.end(),
                                      [&](const kube::Pod* other) { return samePod(*other, pod); });
    if (counted == pods.end()) return;
    const kube::Pod* const counted_pod = *counted;
    owned_.assign(nodes.begin(), nodes.end());
    owned_[i].removePod(counted_pod);
    nodes_ = owned_;
    return;
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
