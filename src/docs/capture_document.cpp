#include "docs/capture_document.h"

#include <utility>

#include "core/error.h"
#include "docs/json_fields.h"
#include "host/host_json.h"

namespace keelson::docs {
namespace {

using nlohmann::json;

json usageJson(const analysis::Usage& usage) {
  return {{"usage", docs::quantities(usage.usage)},
          {"timestamp", kube::formatTime(usage.timestamp)},
          {"window_seconds", static_cast<double>(usage.window.count()) / 1000.0}};
}

// Each resource of `whole` (allocatable, capacity, a pod's requests) that `part` uses, in
// percent; a resource `part` lacks counts as 0.
json percentOf(const kube::ResourceList& part, const kube::ResourceList& whole) {
  json out = json::object();
  for (const auto& [name, quantity] : whole) {
    if (quantity.isZero()) continue;
    const auto it = part.find(name);
    const double used = it == part.end() ? 0.0 : static_cast<double>(it->second.milliValue());
    out[name] = 100.0 * used / static_cast<double>(quantity.milliValue());
  }
  return out;
}

json conditionsJson(const kube::List<kube::Condition>& conditions) {
  json out = json::array();
  for (const auto& c : conditions) {
    out.push_back(
        {{"type", c.type}, {"status", c.status}, {"reason", c.reason}, {"message", c.message}});
  }
  return out;
}

json nodeJson(const analysis::NodeSummary& node) {
  json taints = json::array();
  for (const auto& t : node.taints) {
    taints.push_back({{"key", t.key}, {"value", t.value}, {"effect", t.effect}});
  }
  json out = {{"name", node.name},
              {"ready", node.ready},
              {"unschedulable", node.unschedulable},
              {"taints", taints},
              {"conditions", conditionsJson(node.conditions)},
              {"capacity", docs::quantities(node.capacity)},
              {"allocatable", docs::quantities(node.allocatable)},
              {"requested", docs::quantities(node.requested)},
              {"limits", docs::quantities(node.limits)},
              {"available", docs::quantities(node.available)},
              {"requested_percent", percentOf(node.requested, node.allocatable)},
              {"limits_percent", percentOf(node.limits, node.allocatable)},
              {"pods", node.pods},
              {"usage", nullptr}};
  if (node.usage) {
    out["usage"] = usageJson(*node.usage);
    out["usage"]["percent_of_allocatable"] = percentOf(node.usage->usage, node.allocatable);
    out["usage"]["percent_of_capacity"] = percentOf(node.usage->usage, node.capacity);
  }
  return out;
}

json podJson(const analysis::PodSummary& pod) {
  json out = {{"namespace", pod.namespace_name},
              {"name", pod.name},
              {"phase", pod.phase},
              {"node", pod.node},
              {"requests", docs::quantities(pod.requests)},
              {"limits", docs::quantities(pod.limits)},
              {"restarts", pod.restarts},
              {"ready_containers", pod.ready_containers},
              {"total_containers", pod.total_containers},
              {"usage", nullptr}};
  if (pod.usage) {
    out["usage"] = usageJson(*pod.usage);
    out["usage"]["percent_of_requests"] = percentOf(pod.usage->usage, pod.requests);
    out["usage"]["percent_of_limits"] = percentOf(pod.usage->usage, pod.limits);
  }
  return out;
}

json healthJson(const analysis::ClusterHealth& h) {
  return {{"total_nodes", h.total_nodes},
          {"ready_nodes", h.ready_nodes},
          {"node_health_percent", h.node_health_percent},
          {"total_pods", h.total_pods},
          {"pods_by_phase", h.pods_by_phase},
          {"healthy_pods", h.healthy_pods},
          {"pod_health_percent", h.pod_health_percent}};
}

json nodesJson(const std::vector<analysis::NodeSummary>& nodes) {
  json out = json::array();
  for (const auto& n : nodes) out.push_back(nodeJson(n));
  return out;
}

// As the serve envelope serialises: compact, invalid UTF-8 replaced.
std::string dumpJson(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json clusterJson(const ClusterCapture& cluster) {
  json out = {{"server", cluster.server}};
  if (!cluster.summary) {
    out["status"] = "error";
    out["error"] = {{"code", errorCodeName(cluster.error_code.value_or(ErrorCode::kInternal))},
                    {"message", cluster.error}};
    return out;
  }
  out["status"] = "ok";
  out.update(toJson(*cluster.summary));
  out["metrics"] = {{"available", cluster.summary->metrics_available},
                    {"reason", cluster.metrics_error}};
  return out;
}

}  // namespace

bool HostCapture::complete() const {
  const auto& s = snapshot;
  return s.system.ok() && s.cpu.okOrDisabled() && s.memory.okOrDisabled() &&
         s.filesystems.okOrDisabled() && s.disks.okOrDisabled() && s.network.okOrDisabled() &&
         s.connections.okOrDisabled() && s.processes.okOrDisabled() &&
         s.connectivity.okOrDisabled();
}

nlohmann::json toJson(const HostCapture& host) {
  json out = host::toJson(host.snapshot);
  out["glusterfs"] = host.gluster ? host::toJson(*host.gluster) : host::disabledSectionJson();
  return out;
}

bool Capture::complete() const {
  return host.complete() && (!cluster || cluster->summary.has_value());
}

json toJson(const analysis::ClusterSummary& summary) {
  json pods = json::array();
  for (const auto& p : summary.pods) pods.push_back(podJson(p));
  return {{"cluster_health", healthJson(summary.health)},
          {"nodes", nodesJson(summary.nodes)},
          {"pods", std::move(pods)}};
}

std::string toJsonText(const analysis::ClusterSummary& summary, const std::stop_token& cancel) {
  // The keys in the order json's dump sorts them; each pod's tree lives only while it is dumped.
  std::string out = R"({"cluster_health":)";
  out += dumpJson(healthJson(summary.health));
  out += R"(,"nodes":)";
  out += dumpJson(nodesJson(summary.nodes));
  out += R"(,"pods":[)";
  for (std::size_t i = 0; i < summary.pods.size(); ++i) {
    if (i % kCancelCheckStride == 0) throwIfCancelled(cancel, "cluster summary");
    if (i > 0) out += ',';
    out += dumpJson(podJson(summary.pods[i]));
  }
  out += "]}";
  return out;
}

json toJson(const Capture& capture) {
  json out = {{"timestamp", kube::formatTime(capture.timestamp)},
              {"host", toJson(capture.host)},
              {"cluster", nullptr}};
  if (capture.cluster) out["cluster"] = clusterJson(*capture.cluster);
  return out;
}

}  // namespace keelson::docs
