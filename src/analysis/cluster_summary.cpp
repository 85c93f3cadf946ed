#include "analysis/cluster_summary.h"

#include <algorithm>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "core/error.h"
#include "kube/resources.h"

namespace keelson::analysis {
namespace {

bool conditionTrue(const std::vector<kube::Condition>& conditions, std::string_view type) {
  return std::any_of(conditions.begin(), conditions.end(),
                     [&](const kube::Condition& c) { return c.type == type && c.isTrue(); });
}

bool terminated(const kube::Pod& pod) {
  return pod.status.phase == "Succeeded" || pod.status.phase == "Failed";
}

void addInto(kube::ResourceList& total, const kube::ResourceList& more) {
  for (const auto& [name, quantity] : more) total[name] += quantity;
}

double percent(int part, int whole) { return whole == 0 ? 0.0 : 100.0 * part / whole; }

bool podHealthy(const kube::Pod& pod) {
  if (pod.status.phase == "Succeeded") return true;
  if (pod.status.phase != "Running") return false;
  const auto& statuses = pod.status.container_statuses;
  return !statuses.empty() && std::all_of(statuses.begin(), statuses.end(),
                                          [](const kube::ContainerStatus& s) { return s.ready; });
}

std::unordered_map<std::string, Usage> nodeUsage(const ClusterObjects& objects) {
  std::unordered_map<std::string, Usage> out;
  if (objects.node_metrics == nullptr) return out;
  for (const auto& m : *objects.node_metrics) {
    out[m.metadata.name] = Usage{m.usage, m.timestamp, m.window};
  }
  return out;
}

std::unordered_map<std::string, Usage> podUsage(const ClusterObjects& objects) {
  std::unordered_map<std::string, Usage> out;
  if (objects.pod_metrics == nullptr) return out;
  for (const auto& m : *objects.pod_metrics) {
    Usage usage{{}, m.timestamp, m.window};
    for (const auto& c : m.containers) addInto(usage.usage, c.usage);
    out[m.metadata.namespace_name + "/" + m.metadata.name] = std::move(usage);
  }
  return out;
}

NodeSummary summarizeNode(const kube::Node& node) {
  NodeSummary out;
  out.name = node.metadata.name;
  out.ready = conditionTrue(node.status.conditions, "Ready");
  out.unschedulable = node.spec.unschedulable;
  out.taints = node.spec.taints;
  out.conditions = node.status.conditions;
  out.capacity = node.status.capacity;
  out.allocatable = node.status.allocatable;
  return out;
}

PodSummary summarizePod(const kube::Pod& pod) {
  PodSummary out;
  out.namespace_name = pod.metadata.namespace_name;
  out.name = pod.metadata.name;
  out.phase = pod.status.phase.empty() ? "Unknown" : pod.status.phase;
  out.node = pod.spec.node_name;
  out.requests = kube::podRequests(pod);
  out.limits = kube::podLimits(pod);
  out.total_containers = static_cast<int>(pod.spec.containers.size());
  for (const auto& s : pod.status.container_statuses) {
    out.restarts += s.restart_count;
    out.ready_containers += s.ready ? 1 : 0;
  }
  for (const auto& s : pod.status.init_container_statuses) out.restarts += s.restart_count;
  return out;
}

bool inScope(const kube::Pod& pod, const PodScope& scope) {
  return scope.list_pods &&
         (scope.namespace_name.empty() || pod.metadata.namespace_name == scope.namespace_name);
}

}  // namespace

ClusterSummary summarizeCluster(const ClusterObjects& objects, const PodScope& scope,
                                const std::stop_token& cancel) {
  ClusterSummary out;
  out.metrics_available = objects.node_metrics != nullptr;
  auto node_usage = nodeUsage(objects);
  auto pod_usage = podUsage(objects);

  std::unordered_map<std::string, size_t> node_index;
  for (const kube::Node* node : objects.nodes) {
    node_index[node->metadata.name] = out.nodes.size();
    out.nodes.push_back(summarizeNode(*node));
    if (auto it = node_usage.find(node->metadata.name); it != node_usage.end()) {
      out.nodes.back().usage = it->second;
    }
  }

  std::size_t seen = 0;
  for (const kube::Pod* pod_pointer : objects.pods) {
    if (seen++ % kCancelCheckStride == 0) throwIfCancelled(cancel, "cluster summary");
    const kube::Pod& pod = *pod_pointer;
    PodSummary summary = summarizePod(pod);
    ++out.health.pods_by_phase[summary.phase];
    out.health.healthy_pods += podHealthy(pod) ? 1 : 0;
    auto node = node_index.find(pod.spec.node_name);
    if (node != node_index.end() && !terminated(pod)) {
      NodeSummary& target = out.nodes[node->second];
      addInto(target.requested, summary.requests);
      addInto(target.limits, summary.limits);
      ++target.pods;
    }
    if (!inScope(pod, scope)) continue;
    if (auto it = pod_usage.find(summary.namespace_name + "/" + summary.name);
        it != pod_usage.end()) {
      summary.usage = it->second;
    }
    out.pods.push_back(std::move(summary));
  }

  for (auto& node : out.nodes) {
    for (const auto& [name, quantity] : node.allocatable) {
      auto requested = node.requested.find(name);
      node.available[name] =
          requested == node.requested.end() ? quantity : quantity - requested->second;
    }
    out.health.ready_nodes += node.ready ? 1 : 0;
  }
  out.health.total_nodes = static_cast<int>(out.nodes.size());
  out.health.total_pods = static_cast<int>(objects.pods.size());
  out.health.node_health_percent = percent(out.health.ready_nodes, out.health.total_nodes);
  out.health.pod_health_percent = percent(out.health.healthy_pods, out.health.total_pods);

  std::sort(out.nodes.begin(), out.nodes.end(),
            [](const NodeSummary& a, const NodeSummary& b) { return a.name < b.name; });
  std::sort(out.pods.begin(), out.pods.end(), [](const PodSummary& a, const PodSummary& b) {
    return std::tie(a.namespace_name, a.name) < std::tie(b.namespace_name, b.name);
  });
  return out;
}

ClusterSummary summarizeCluster(const ClusterState& state, const PodScope& scope) {
  ClusterObjects objects;
  objects.nodes.reserve(state.nodes.size());
  for (const auto& node : state.nodes) objects.nodes.push_back(&node);
  objects.pods.reserve(state.pods.size());
  for (const auto& pod : state.pods) objects.pods.push_back(&pod);
  if (state.node_metrics) objects.node_metrics = &*state.node_metrics;
  if (state.pod_metrics) objects.pod_metrics = &*state.pod_metrics;
  return summarizeCluster(objects, scope);
}

}  // namespace keelson::analysis
