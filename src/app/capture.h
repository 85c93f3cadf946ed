#pragma once

// `keelson capture`: one snapshot of this host and of the cluster, as a JSON document. The text
// report (report.h) is rendered from the same document, so both always agree.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>

#include "analysis/cluster_summary.h"
#include "host/gluster.h"
#include "host/host_snapshot.h"
#include "kube/client.h"
#include "kube/cluster_config.h"

namespace keelson::app {

/// What to read of the host.
struct HostCaptureOptions {
  std::string host_root = "/";  ///< --host-root / HOST_ROOT: where the host's / is mounted.
  std::chrono::milliseconds interval{1000};  ///< Sampling interval for rates and CPU %.
  bool include_gluster = true;               ///< Ask the host's gluster CLI for GlusterFS state.
};

/// The host half of a capture: /proc and /sys, and GlusterFS.
struct HostCapture {
  host::HostSnapshot snapshot;
  std::optional<host::GlusterStatus> gluster;  ///< nullopt when not asked for.

  /// True when every host section was produced (an absent gluster CLI is a state, not a failure).
  bool complete() const;
};

/// Reads the host: GlusterFS state is collected on a second thread while the snapshot samples.
/// Throws Error(kBadInput) only when `options.host_root` is not a root filesystem.
HostCapture captureHost(const HostCaptureOptions& options);

/// The host half as JSON: host::toJson(snapshot) plus a "glusterfs" member.
nlohmann::json toJson(const HostCapture& host);

/// What to capture.
struct CaptureOptions {
  HostCaptureOptions host;
  bool include_cluster = true;  ///< False: host only (no kubeconfig was found or asked for).
  kube::ConfigOptions kube;     ///< --kubeconfig, --context (and KUBECONFIG, in-cluster).
  analysis::PodScope scope;     ///< --namespace / -A: which pods the per-pod section lists.
  std::chrono::milliseconds api_timeout{30000};  ///< Per API request.
};

/// The cluster half of a capture: either a summary or the reason there is none.
struct ClusterCapture {
  std::string server;  ///< The API server's URL ("" when the configuration failed).
  std::optional<analysis::ClusterSummary> summary;  ///< nullopt when the cluster failed.
  std::optional<ErrorCode> error_code;              ///< Set when summary is nullopt.
  std::string error;          ///< What failed and why, e.g. "GET /api/v1/nodes: Forbidden: ...".
  std::string metrics_error;  ///< Why there is no usage (metrics.k8s.io), "" when present.
};

/// One capture: the host snapshot and, when asked for, the cluster.
struct Capture {
  std::chrono::system_clock::time_point timestamp;
  HostCapture host;
  std::optional<ClusterCapture> cluster;  ///< nullopt when include_cluster was false.

  /// True when every section asked for was produced.
  bool complete() const;
};

/// Lists every node and pod (GET /api/v1/nodes, /api/v1/pods) and metrics.k8s.io usage
/// (/apis/metrics.k8s.io/v1beta1/{nodes,pods}). The metrics API is optional: when it cannot be
/// read, node_metrics and pod_metrics are nullopt and `metrics_error` says why ("" otherwise).
/// Throws Error when nodes or pods cannot be listed.
analysis::ClusterState listClusterState(const kube::Client& client, std::string& metrics_error);

/// Takes one capture. The host is read (captureHost) while the cluster is listed (GET
/// /api/v1/nodes, /api/v1/pods, and metrics.k8s.io /apis/metrics.k8s.io/v1beta1/{nodes,pods}) on a
/// second thread. A cluster that cannot be reached or read yields a ClusterCapture with the error;
/// host sections that fail are reported inside the host snapshot. Throws Error(kBadInput) when
/// the host root is not a root filesystem, and kube::loadConfig's Error when the cluster is
/// asked for and its kubeconfig cannot be used (missing, malformed, unknown context): that is
/// bad input, not a partial capture.
Capture capture(const CaptureOptions& options);

/// The capture as one JSON document: {"timestamp", "host": {...}, "cluster": {...}}. Quantities
/// are Kubernetes' canonical strings ("1500m", "16Gi"); units are in key names elsewhere.
nlohmann::json toJson(const Capture& capture);

/// The cluster summary alone as JSON (the "cluster" member's success shape).
nlohmann::json toJson(const analysis::ClusterSummary& summary);

/// toJson(summary) serialised compactly (invalid UTF-8 replaced), written pod by pod so that the
/// whole tree never exists at once: the same text as toJson(summary).dump() at a fraction of
/// the memory. Throws Error(kTimeout) "cluster summary cancelled" once `cancel` is requested
/// (checked every 256 pods).
std::string toJsonText(const analysis::ClusterSummary& summary, const std::stop_token& cancel = {});

}  // namespace keelson::app
