#pragma once

// The capture document: what `keelson capture` read of the host and the cluster, and its JSON
// form. The text report (report.h) is rendered from the same document, so both always agree.
// Pure: values in, values out; the reading lives in app/capture.h.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>

#include "analysis/cluster_summary.h"
#include "core/error.h"
#include "host/gluster.h"
#include "host/host_snapshot.h"

namespace keelson::docs {

/// The host half of a capture: /proc and /sys, and GlusterFS.
struct HostCapture {
  host::HostSnapshot snapshot;
  std::optional<host::GlusterStatus> gluster;  ///< nullopt when its collector is disabled.

  /// True when every enabled host section was produced (an absent gluster CLI is a state, not a
  /// failure; a disabled collector is not one either).
  bool complete() const;
};

/// The host half as JSON: host::toJson(snapshot) plus a "glusterfs" member.
nlohmann::json toJson(const HostCapture& host);

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

}  // namespace keelson::docs
