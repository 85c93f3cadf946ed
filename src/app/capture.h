#pragma once

// `keelson capture`: reads one snapshot of this host and of the cluster. The document it makes
// and its JSON form are docs/capture_document.h.

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>

#include "analysis/cluster_summary.h"
#include "docs/capture_document.h"
#include "host/collectors.h"
#include "host/connectivity.h"
#include "host/host_snapshot.h"
#include "kube/client.h"
#include "kube/cluster_config.h"

namespace keelson::app {

/// What to read of the host.
struct HostCaptureOptions {
  std::string host_root = "/";  ///< --host-root / HOST_ROOT: where the host's / is mounted.
  std::chrono::milliseconds interval{1000};  ///< Sampling interval for rates and CPU %.
  /// Which collectors run (--collector.NAME); a disabled one reads as {"state":"disabled"}.
  /// Collector::kGluster asks the host's gluster CLI for GlusterFS state (not_installed when
  /// there is no gluster on the host's search path).
  host::EnabledCollectors collectors;
  /// --probe-target, --probe-timeout, and the API server to probe (capture sets it from the
  /// cluster configuration it uses; `keelson host` from hostApiServerTarget).
  host::ConnectivityOptions connectivity;
  /// When set, the snapshot is collector->collect (a long-running caller: each capture after the
  /// first reads the counters once and takes its rates since the previous capture, without
  /// waiting `interval`); null: host::collectHost (two samples `interval` apart).
  std::shared_ptr<host::HostCollector> collector;
};

/// The API server endpoint `keelson host` probes: the server of the configuration
/// kube::loadConfig(`options`) finds, when `options.kubeconfig_path` is set or the KUBECONFIG
/// environment variable (through `options.getenv` when set) is non-empty; nullopt otherwise
/// (host needs no cluster, so neither in-cluster nor ~/.kube/config is used unasked). Throws
/// kube::loadConfig's Error when that configuration cannot be used, and Error(kBadInput) when
/// its server is not an http(s) URL.
std::optional<host::ProbeTarget> hostApiServerTarget(const kube::ConfigOptions& options);

/// Reads the host: GlusterFS state is collected on a second thread while the snapshot samples.
/// Throws Error(kBadInput) only when `options.host_root` is not a root filesystem.
docs::HostCapture captureHost(const HostCaptureOptions& options);

/// What to capture.
struct CaptureOptions {
  HostCaptureOptions host;
  bool include_cluster = true;  ///< False: host only (no kubeconfig was found or asked for).
  kube::ConfigOptions kube;     ///< --kubeconfig, --context (and KUBECONFIG, in-cluster).
  analysis::PodScope scope;     ///< --namespace / -A: which pods the per-pod section lists.
  std::chrono::milliseconds api_timeout{30000};  ///< Per API request.
};

/// Lists every node and pod (GET /api/v1/nodes, /api/v1/pods) and metrics.k8s.io usage
/// (/apis/metrics.k8s.io/v1beta1/{nodes,pods}). The metrics API is optional: when it cannot be
/// read, node_metrics and pod_metrics are nullopt and `metrics_error` says why ("" otherwise).
/// Throws Error when nodes or pods cannot be listed.
analysis::ClusterState listClusterState(const kube::Client& client, std::string& metrics_error);

/// Takes one capture. When the cluster is included, its API server (the configuration's server
/// URL) is probed by the host's connectivity section too. The host is read (captureHost) while the
/// cluster is listed (GET /api/v1/nodes, /api/v1/pods, and metrics.k8s.io
/// /apis/metrics.k8s.io/v1beta1/{nodes,pods}) on a second thread. A cluster that cannot be reached
/// or read yields a docs::ClusterCapture with the error; host sections that fail are reported
/// inside the host snapshot. Throws Error(kBadInput) when the host root is not a root filesystem,
/// and kube::loadConfig's Error when the cluster is asked for and its kubeconfig cannot be used
/// (missing, malformed, unknown context): that is bad input, not a partial capture.
docs::Capture capture(const CaptureOptions& options);

}  // namespace keelson::app
