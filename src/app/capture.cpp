#include "app/capture.h"

#include <cstdlib>
#include <future>
#include <utility>

#include "app/cluster_access.h"
#include "core/error.h"
#include "docs/json_fields.h"
#include "host/host_fs.h"
#include "host/host_json.h"
#include "kube/api_error.h"
#include "kube/client.h"
#include "kube/list.h"

namespace keelson::app {
namespace {

using nlohmann::json;

docs::ClusterCapture captureCluster(const ClusterAccess& access, const CaptureOptions& options) {
  docs::ClusterCapture out;
  out.server = access.config().server;
  try {
    const analysis::ClusterState state = listClusterState(access.client(), out.metrics_error);
    out.summary = analysis::summarizeCluster(state, options.scope);
  } catch (const Error& e) {
    out.summary.reset();
    out.error_code = e.code();
    out.error = e.what();
  }
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

docs::HostCapture captureHost(const HostCaptureOptions& options) {
  const host::HostFs fs = host::HostFs::open(options.host_root);
  std::future<host::GlusterStatus> gluster;
  if (options.collectors.enabled(host::Collector::kGluster)) {
    gluster = std::async(std::launch::async, [&options] {
      host::GlusterCollectOptions gluster_options;
      gluster_options.exec.host_root = options.host_root;
      return host::collectGluster(gluster_options);
    });
  }
  host::HostOptions host_options;
  host_options.interval = options.interval;
  host_options.collectors = options.collectors;
  host_options.connectivity = options.connectivity;
  docs::HostCapture out;
  out.snapshot = options.collector ? options.collector->collect(fs, host_options)
                                   : host::collectHost(fs, host_options);
  if (gluster.valid()) out.gluster = gluster.get();
  return out;
}

std::optional<host::ProbeTarget> hostApiServerTarget(const kube::ConfigOptions& options) {
  std::optional<std::string> kubeconfig_variable;
  if (options.getenv) {
    kubeconfig_variable = options.getenv("KUBECONFIG");
  } else if (const char* value = std::getenv("KUBECONFIG")) {
    kubeconfig_variable = value;
  }
  if (options.kubeconfig_path.empty() && kubeconfig_variable.value_or("").empty()) {
    return std::nullopt;
  }
  const kube::ClusterConfig config = kube::loadConfig(options);
  auto target = host::apiServerTarget(config.server);
  if (!target) {
    throw Error(ErrorCode::kBadInput, config.source + ": server \"" + config.server +
                                          "\" is not an http(s) URL with a host");
  }
  return target;
}

docs::Capture capture(const CaptureOptions& options) {
  // A host root that is not one, or a kubeconfig that cannot be used (missing, malformed, no
  // such context), is bad input: refuse before sampling or asking the cluster anything.
  (void)host::HostFs::open(options.host.host_root);
  std::optional<ClusterAccess> access;
  if (options.include_cluster) {
    access.emplace(options.kube, ClientProfile::kInteractive, options.api_timeout);
  }
  HostCaptureOptions host_options = options.host;
  if (access && !host_options.connectivity.api_server) {
    host_options.connectivity.api_server = host::apiServerTarget(access->config().server);
  }
  docs::Capture out;
  out.timestamp = std::chrono::system_clock::now();
  // The cluster is listed while the host is sampled: the sampling interval is mostly waiting.
  std::future<docs::ClusterCapture> cluster;
  if (access) {
    cluster = std::async(std::launch::async,
                         [&access, &options] { return captureCluster(*access, options); });
  }
  out.host = captureHost(host_options);
  if (cluster.valid()) out.cluster = cluster.get();
  return out;
}

}  // namespace keelson::app
