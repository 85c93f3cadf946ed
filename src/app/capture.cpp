#include "app/capture.h"

#include <future>
#include <utility>

#include "app/json_fields.h"
#include "core/error.h"
#include "host/host_fs.h"
#include "host/host_json.h"
#include "kube/api_error.h"
#include "kube/client.h"
#include "kube/curl_transport.h"
#include "kube/list.h"

namespace keelson::app {
namespace {

using nlohmann::json;

ClusterCapture captureCluster(const kube::ClusterConfig& config, const CaptureOptions& options) {
  ClusterCapture out;
  out.server = config.server;
  try {
    kube::TransportOptions transport;
    transport.request_timeout = options.api_timeout;
    // An interactive command should fail fast when the server is down, not back off for long.
    transport.retry.max_attempts = 3;
    transport.retry.max_total = std::chrono::seconds(5);
    const kube::Client client(config, transport);
    const analysis::ClusterState state = listClusterState(client, out.metrics_error);
    out.summary = analysis::summarizeCluster(state, options.scope);
  } catch (const Error& e) {
    out.summary.reset();
    out.error_code = e.code();
    out.error = e.what();
  }
  return out;
}

json usageJson(const analysis::Usage& usage) {
  return {{"usage", quantities(usage.usage)},
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

json conditionsJson(const std::vector<kube::Condition>& conditions) {
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
              {"capacity", quantities(node.capacity)},
              {"allocatable", quantities(node.allocatable)},
              {"requested", quantities(node.requested)},
              {"limits", quantities(node.limits)},
              {"available", quantities(node.available)},
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
              {"requests", quantities(pod.requests)},
              {"limits", quantities(pod.limits)},
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

analysis::ClusterState listClusterState(const kube::Client& client, std::string& metrics_error) {
  analysis::ClusterState state;
  state.nodes = kube::listAll<kube::Node>(client, "/api/v1/nodes").items;
  state.pods = kube::listAll<kube::Pod>(client, "/api/v1/pods").items;
  // metrics.k8s.io is optional: without it the state still has everything else, and the
  // caller can say why usage is missing.
  metrics_error.clear();
  try {
    state.node_metrics =
        kube::listAll<kube::NodeMetrics>(client, "/apis/metrics.k8s.io/v1beta1/nodes").items;
    state.pod_metrics =
        kube::listAll<kube::PodMetrics>(client, "/apis/metrics.k8s.io/v1beta1/pods").items;
  } catch (const Error& e) {
    state.node_metrics.reset();
    state.pod_metrics.reset();
    metrics_error = e.code() == ErrorCode::kNotFound
                        ? "metrics.k8s.io is not served by this cluster (is metrics-server "
                          "installed?): " +
                              std::string(e.what())
                        : std::string(e.what());
  }
  return state;
}

bool HostCapture::complete() const {
  const auto& s = snapshot;
  return s.system.ok() && s.cpu.ok() && s.memory.ok() && s.filesystems.ok() && s.disks.ok() &&
         s.network.ok() && s.connections.ok() && s.processes.ok();
}

HostCapture captureHost(const HostCaptureOptions& options) {
  const host::HostFs fs = host::HostFs::open(options.host_root);
  std::future<host::GlusterStatus> gluster;
  if (options.include_gluster) {
    gluster = std::async(std::launch::async, [&options] {
      host::GlusterCollectOptions gluster_options;
      gluster_options.exec.host_root = options.host_root;
      return host::collectGluster(gluster_options);
    });
  }
  host::HostOptions host_options;
  host_options.interval = options.interval;
  HostCapture out;
  out.snapshot = host::collectHost(fs, host_options);
  if (gluster.valid()) out.gluster = gluster.get();
  return out;
}

nlohmann::json toJson(const HostCapture& host) {
  json out = host::toJson(host.snapshot);
  out["glusterfs"] = host.gluster ? host::toJson(*host.gluster) : json();
  return out;
}

bool Capture::complete() const {
  return host.complete() && (!cluster || cluster->summary.has_value());
}

Capture capture(const CaptureOptions& options) {
  // A host root that is not one, or a kubeconfig that cannot be used (missing, malformed, no
  // such context), is bad input: refuse before sampling or asking the cluster anything.
  (void)host::HostFs::open(options.host.host_root);
  std::optional<kube::ClusterConfig> config;
  if (options.include_cluster) config = kube::loadConfig(options.kube);
  Capture out;
  out.timestamp = std::chrono::system_clock::now();
  // The cluster is listed while the host is sampled: the sampling interval is mostly waiting.
  std::future<ClusterCapture> cluster;
  if (config) {
    cluster = std::async(std::launch::async,
                         [&config, &options] { return captureCluster(*config, options); });
  }
  out.host = captureHost(options.host);
  if (cluster.valid()) out.cluster = cluster.get();
  return out;
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

}  // namespace keelson::app
