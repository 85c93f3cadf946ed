#include "schedule/scheduler_cache.h"

#include <algorithm>

namespace keelson::schedule {
namespace {

bool counted(const kube::Pod& pod) {
  return !pod.spec.node_name.empty() && pod.status.phase != "Succeeded" &&
         pod.status.phase != "Failed";
}

}  // namespace

framework::NodeInfo* SchedulerCache::infoOf(std::string_view node_name) {
  const auto it = node_index_.find(std::string(node_name));
  return it == node_index_.end() ? nullptr : &infos_[it->second];
}

void SchedulerCache::attach(PodEntry& entry) {
  framework::NodeInfo* info = infoOf(entry.node);
  if (info == nullptr) {
    orphans_[entry.node].push_back(entry.pod->metadata.uid);
    return;
  }
  info->addPod(entry.pod.get());
}

void SchedulerCache::detach(const PodEntry& entry) {
  framework::NodeInfo* info = infoOf(entry.node);
  if (info == nullptr) {
    auto& uids = orphans_[entry.node];
    std::erase(uids, entry.pod->metadata.uid);
    if (uids.empty()) orphans_.erase(entry.node);
    return;
  }
  info->removePod(entry.pod.get());
}

void SchedulerCache::erasePod(std::unordered_map<std::string, PodEntry>::iterator it) {
  detach(it->second);
  if (it->second.assumed) --assumed_;
  pods_.erase(it);
}

void SchedulerCache::upsertNode(const kube::Node& node) {
  const std::lock_guard lock(mutex_);
  auto copy = std::make_unique<const kube::Node>(node);
  if (framework::NodeInfo* info = infoOf(node.metadata.name)) {
    info->node = copy.get();
    node_objects_[node_index_.at(node.metadata.name)] = std::move(copy);
    return;
  }
  node_index_.emplace(node.metadata.name, infos_.size());
  infos_.push_back(framework::NodeInfo{copy.get(), {}, {}, {}, {}});
  node_objects_.push_back(std::move(copy));
  const auto orphans = orphans_.find(node.metadata.name);
  if (orphans == orphans_.end()) return;
  const std::vector<std::string> uids = std::move(orphans->second);
  orphans_.erase(orphans);
  for (const std::string& uid : uids) attach(pods_.at(uid));
}

void SchedulerCache::removeNode(std::string_view name) {
  const std::lock_guard lock(mutex_);
  const auto it = node_index_.find(std::string(name));
  if (it == node_index_.end()) return;
  const std::size_t index = it->second;
  std::vector<std::string>& orphans = orphans_[it->first];
  for (const kube::Pod* pod : infos_[index].pods) orphans.push_back(pod->metadata.uid);
  node_index_.erase(it);
  if (index + 1 != infos_.size()) {
    infos_[index] = std::move(infos_.back());
    node_objects_[index] = std::move(node_objects_.back());
    node_index_[infos_[index].node->metadata.name] = index;
  }
  infos_.pop_back();
  node_objects_.pop_back();
}

void SchedulerCache::upsertPod(const kube::Pod& pod) {
  if (pod.metadata.uid.empty()) return;
  const std::lock_guard lock(mutex_);
  const auto it = pods_.find(pod.metadata.uid);
  if (it != pods_.end()) {
    // An assumed pod stays counted until the API reports it bound.
    if (it->second.assumed && pod.spec.node_name.empty()) return;
    erasePod(it);
  }
  if (!counted(pod)) return;
  PodEntry entry{std::make_unique<const kube::Pod>(pod), pod.spec.node_name, false};
  attach(pods_.emplace(pod.metadata.uid, std::move(entry)).first->second);
}

void SchedulerCache::removePod(const kube::Pod& pod) {
  const std::lock_guard lock(mutex_);
  const auto it = pods_.find(pod.metadata.uid);
  if (it != pods_.end()) erasePod(it);
}

void SchedulerCache::assume(const kube::Pod& pod, std::string_view node_name) {
  const std::lock_guard lock(mutex_);
  if (pods_.contains(pod.metadata.uid)) return;
  auto copy = std::make_unique<kube::Pod>(pod);
  copy->spec.node_name = node_name;
  PodEntry entry{std::move(copy), std::string(node_name), true};
  attach(pods_.emplace(pod.metadata.uid, std::move(entry)).first->second);
  ++assumed_;
}

void SchedulerCache::forget(std::string_view uid) {
  const std::lock_guard lock(mutex_);
  const auto it = pods_.find(std::string(uid));
  if (it != pods_.end() && it->second.assumed) erasePod(it);
}

std::size_t SchedulerCache::assumedPods() const {
  const std::lock_guard lock(mutex_);
  return assumed_;
}

std::size_t SchedulerCache::nodeCount() const {
  const std::lock_guard lock(mutex_);
  return infos_.size();
}

}  // namespace keelson::schedule
