#include "link/metric_items.h"

#include <algorithm>

#include "docs/json_fields.h"

namespace keelson::link {
namespace {

using nlohmann::json;

void addUsage(json& item, const std::optional<analysis::Usage>& usage) {
  if (!usage) return;
  if (const auto cpu = usage->usage.find("cpu"); cpu != usage->usage.end()) {
    item["cpuMillicores"] = cpu->second.milliValue();
  }
  if (const auto memory = usage->usage.find("memory"); memory != usage->usage.end()) {
    item["memoryBytes"] = memory->second.value();
  }
}

}  // namespace

std::vector<json> clusterItems(const analysis::ClusterSummary& summary, kube::Time at) {
  const std::string timestamp = kube::formatTime(at);
  std::vector<json> items;
  items.reserve(summary.pods.size() + summary.nodes.size());
  for (const analysis::PodSummary& pod : summary.pods) {
    json item = {{"type", "pod"},
                 {"namespace", pod.namespace_name},
                 {"name", pod.name},
                 {"node", pod.node},
                 {"phase", pod.phase},
                 {"restarts", pod.restarts},
                 {"readyContainers", pod.ready_containers},
                 {"containers", pod.total_containers},
                 {"requests", docs::quantities(pod.requests)},
                 {"limits", docs::quantities(pod.limits)},
                 {"timestamp", timestamp}};
    addUsage(item, pod.usage);
    items.push_back(std::move(item));
  }
  for (const analysis::NodeSummary& node : summary.nodes) {
    json item = {{"type", "node"},
                 {"name", node.name},
                 {"ready", node.ready},
                 {"unschedulable", node.unschedulable},
                 {"capacity", docs::quantities(node.capacity)},
                 {"allocatable", docs::quantities(node.allocatable)},
                 {"requested", docs::quantities(node.requested)},
                 {"pods", node.pods},
                 {"timestamp", timestamp}};
    addUsage(item, node.usage);
    items.push_back(std::move(item));
  }
  return items;
}

std::vector<json> eventItems(const std::vector<kube::Event>& events, kube::Time since) {
  std::vector<json> items;
  for (const kube::Event& e : events) {
    if (e.last_time <= since) continue;
    items.push_back({{"type", "event"},
                     {"namespace", e.metadata.namespace_name},
                     {"kind", e.regarding.kind},
                     {"name", e.regarding.name},
                     {"reason", e.reason},
                     {"message", e.message},
                     {"count", e.count},
                     {"lastTimestamp", kube::formatTime(e.last_time)}});
  }
  return items;
}

std::vector<std::string> batches(const std::vector<json>& items, std::size_t batch_size) {
  batch_size = std::max<std::size_t>(1, batch_size);
  std::vector<std::string> out;
  for (std::size_t start = 0; start < items.size(); start += batch_size) {
    const auto end = std::min(items.size(), start + batch_size);
    out.push_back(json(std::vector<json>(items.begin() + static_cast<std::ptrdiff_t>(start),
                                         items.begin() + static_cast<std::ptrdiff_t>(end)))
                      .dump());
  }
  return out;
}

}  // namespace keelson::link
