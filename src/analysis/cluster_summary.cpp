#include "analysis/cluster_summary.h"

#include <algorithm>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "core/error.h"
#include "kube/resources.h"

namespace keelson::analysis {
namespace {

bool conditionTrue(const kube::List<kube::Condition>& conditions, std::string_view type) {
  return std::any_of(conditions.begin(), conditions.end(),
                     [&](const kube::Condition& c) { return c.type == type && c.isTrue(); });
}

void addInto(kube::ResourceList& total, const kube::ResourceList& more) {
  for (const auto& [name, quantity] : more) total[name] += quantity;
}

double percent(int part, int whole) { return whole == 0 ? 0.0 : 100.0 * part / whole; }

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

ClusterSummary summarizeCluster(const ClusterObjects& objects, const PodTotals& totals,
                                const PodScope& scope, const std::stop_token& cancel) {
  ClusterSummary out;
  out.metrics_available = objects.node_metrics != nullptr;
  const auto node_usage = nodeUsage(objects);
  for (const kube::Node* node : objects.nodes) {
    NodeSummary& summary = out.nodes.emplace_back(summarizeNode(*node));
    if (auto it = node_usage.find(node->metadata.name); it != node_usage.end()) {
      summary.usage = it->second;
    }
    if (auto it = totals.by_node.find(node->metadata.name); it != totals.by_node.end()) {
      summary.requested = it->second.requested;
      summary.limits = it->second.limits;
      summary.pods = it->second.pods;
    }
    for (const auto& [name, quantity] : summary.allocatable) {
      auto requested = summary.requested.find(name);
      summary.available[name] =
          requested == summary.requested.end() ? quantity : quantity - requested->second;
    }
    out.health.ready_nodes += summary.ready ? 1 : 0;
  }
  out.health.total_nodes = static_cast<int>(out.nodes.size());
  out.health.total_pods = totals.total_pods;
  out.health.pods_by_phase = totals.pods_by_phase;
  out.health.healthy_pods = totals.healthy_pods;
  out.health.node_health_percent = percent(out.health.ready_nodes, out.health.total_nodes);
  out.health.pod_health_percent = percent(out.health.healthy_pods, out.health.total_pods);

  const auto pod_usage = podUsage(objects);
  std::size_t seen = 0;
  for (const kube::Pod* pod : objects.pods) {
    if (seen++ % kCancelCheckStride == 0) throwIfCancelled(cancel, "cluster summary");
    if (!inScope(*pod, scope)) continue;
    PodSummary& summary = out.pods.emplace_back(summarizePod(*pod));
    if (auto it = pod_usage.find(summary.namespace_name + "/" + summary.name);
        it != pod_usage.end()) {
      summary.usage = it->second;
    }
  }

  std::sort(out.nodes.begin(), out.nodes.end(),
            [](const NodeSummary& a, const NodeSummary& b) { return a.name < b.name; });
  std::sort(out.pods.begin(), out.pods.end(), [](const PodSummary& a, const PodSummary& b) {
    return std::tie(a.namespace_name, a.name) < std::tie(b.namespace_name, b.name);
  });
  return out;
}

ClusterSummary summarizeCluster(const ClusterObjects& objects, const PodScope& scope,
                                const std::stop_token& cancel) {
  return summarizeCluster(objects, podTotals(objects.pods, cancel), scope, cancel);
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
