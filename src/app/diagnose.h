#pragma once

// `keelson diagnose`: the documents of `keelson serve`'s diagnosis routes, computed once from the
// command line. A kube::ClusterCache is started, synced, read through the same functions as the
// server's routes (cache_documents.h) and stopped, so the command prints exactly what the server
// would answer.

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/cluster_pod_issues.h"
#include "analysis/namespace_errors.h"
#include "kube/cluster_config.h"

namespace keelson::app {

/// Where the cluster is and how long the cache may take to sync.
struct DiagnoseTarget {
  kube::ConfigOptions kube;                      ///< --kubeconfig, --context.
  std::chrono::milliseconds api_timeout{30000};  ///< One API request; also the sync deadline.
};

/// Which sections `diagnose pod` computes; none chosen means the first four (not explain, which
/// restates scheduling).
struct PodSections {
  bool scheduling = false;  ///< schedulingDocument.
  bool events = false;      ///< failureEventsDocument.
  bool resources = false;   ///< resourcesDocument.
  bool health = false;      ///< healthScoreDocument.
  bool explain = false;     ///< schedulingExplanation (docs/scheduling_explanation.h).
};

/// The pod's documents. With one section chosen: that document itself (what the route answers
/// in "data"); with several: {"scheduling": ..., "events": ..., "resources": ..., "health": ...,
/// "explain": ...} holding the chosen ones. Throws Error(kBadInput) for an invalid name,
/// Error(kNotFound) when the pod does not exist, Error(kUnavailable) when the cache does not sync
/// within api_timeout, and whatever kube::loadConfig throws.
nlohmann::json diagnosePod(const DiagnoseTarget& target, const std::string& namespace_name,
                           const std::string& name, PodSections sections);

/// Plain text of a diagnosePod document for the same `sections`.
std::string diagnosePodText(const nlohmann::json& doc, PodSections sections);

/// The namespace's error document (namespaceErrorDocument). Throws Error(kNotFound) when the
/// namespace does not exist, otherwise as diagnosePod.
nlohmann::json diagnoseNamespace(const DiagnoseTarget& target, const std::string& namespace_name,
                                 const analysis::NamespaceErrorOptions& options);

/// Every problematic pod of `namespace_name` ("" for every namespace) whose issues pass
/// `filter`, all on one page (clusterPodIssuesDocument, as GET /api/v1/cluster/pod-issues
/// answers with no limit). Throws Error(kBadInput) for an invalid namespace name, otherwise as
/// diagnosePod.
nlohmann::json diagnosePodIssues(const DiagnoseTarget& target, const std::string& namespace_name,
                                 const analysis::NamespaceErrorOptions& options,
                                 const analysis::PodIssueFilter& filter);

}  // namespace keelson::app
