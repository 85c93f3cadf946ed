#include "analysis/cluster_summary.h"

#include <algorithm>
#include <string_view>
#include <tuple>
#include <unordered_map>

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

std::unordered_map<std::string, Usage> nodeUsage(const ClusterState& state) {
  std::unordered_map<std::string, Usage> out;
  if (!state.node_metrics) return out;
  for (const auto& m : *state.node_metrics) {
    out[m.metadata.name] = Usage{m.usage, m.timestamp, m.window};
  }
  return out;
}

std::unordered_map<std::string, Usage> podUsage(const ClusterState& state) {
  std::unordered_map<std::string, Usage> out;
  if (!state.pod_metrics) return out;
  for (const auto& m : *state.pod_metrics) {
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

ClusterSummary summarizeCluster(const ClusterState& state, const PodScope& scope) {
  ClusterSummary out;
  out.metrics_available = state.node_metrics.has_value();
  auto node_usage = nodeUsage(state);
  auto pod_usage = podUsage(state);

  std::unordered_map<std::string, size_t> node_index;
  for (const auto& node : state.nodes) {
    node_index[node.metadata.name] = out.nodes.size();
    out.nodes.push_back(summarizeNode(node));
    if (auto it = node_usage.find(node.metadata.name); it != node_usage.end()) {
      out.nodes.back().usage = it->second;
    }
  }

  for (const auto& pod : state.pods) {
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
  out.health.total_pods = static_cast<int>(state.pods.size());
  out.health.node_health_percent = percent(out.health.ready_nodes, out.health.total_nodes);
  out.health.pod_health_percent = percent(out.health.healthy_pods, out.health.total_pods);

  std::sort(out.nodes.begin(), out.nodes.end(),
            [](const NodeSummary& a, const NodeSummary& b) { return a.name < b.name; });
  std::sort(out.pods.begin(), out.pods.end(), [](const PodSummary& a, const PodSummary& b) {
    return std::tie(a.namespace_name, a.name) < std::tie(b.namespace_name, b.name);
  });
  return out;
}

}  // namespace keelson::analysis
