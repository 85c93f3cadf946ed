#pragma once

// Every problematic pod across namespaces (GET /api/v1/cluster/pod-issues, `keelson diagnose
// pod-issues`): the checks of the namespace error analysis (podIssues) applied to every pod in
// scope, whatever runs it (workload pods, Job pods and bare pods alike), grouped by issue type,
// filtered by severity and type, and listed a page at a time in (namespace, name) order. Pure:
// the caller passes the pods and the lookups of ReplicaSets and events by namespace.

#include <cstddef>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/namespace_errors.h"
#include "kube/event.h"
#include "kube/objects.h"
#include "kube/pod.h"

namespace keelson::analysis {

/// Which issues are reported; a pod is listed when one of its issues passes.
struct PodIssueFilter {
  std::optional<bool> critical;      ///< true: critical issues only; false: warnings only.
  std::optional<PodIssueType> type;  ///< Only issues of this type.
};

/// Which slice of the (namespace, name)-ordered list is returned.
struct PodIssuesPage {
  std::size_t limit = 0;  ///< At most this many pods; 0 for all of them.
  /// Start after this pod, "namespace/name" (the continue token of the previous page); "" for
  /// the first page. The pod need not exist any more.
  std::string after;
};

/// The objects analysed, borrowed for the call.
struct ClusterPodObjects {
  std::vector<const kube::Pod*> pods;  ///< The pods in scope, any order.
  /// The ReplicaSets of a namespace (to resolve Deployment owners); asked only for the
  /// namespaces of listed pods.
  std::function<std::vector<const kube::ReplicaSet*>(std::string_view)> replica_sets;
  /// The events of a namespace (a listed pod's recent Warning events); asked likewise.
  std::function<std::vector<const kube::Event*>(std::string_view)> events;
};

/// The issues of one type across the pods that pass the filter.
struct PodIssueGroup {
  PodIssueType type = PodIssueType::kFailed;
  int count = 0;      ///< Issues of the type (a pod may have several).
  int pod_count = 0;  ///< Distinct pods with the type.
};

/// The cluster-wide analysis: counts over every pod that passes the filter, and one page of them.
struct ClusterPodIssues {
  kube::Time analysis_time;
  int restart_threshold_used = 0;
  int total_pods_analyzed = 0;     ///< Pods in scope.
  int problematic_pods_count = 0;  ///< Pods with an issue that passes the filter (all pages).
  int critical_issues_count = 0;   ///< Over all pages, after the filter.
  int warning_issues_count = 0;
  std::vector<PodIssueGroup> summary;  ///< Types with issues, in PodIssueType order.
  /// This page, by (namespace, name). owner: the workload (resolveWorkloadOwner), else the
  /// controller owner reference's kind and name (a Job, a custom controller), else empty (a bare
  /// pod). issues: those that pass the filter.
  std::vector<ProblematicPod> problematic_pods;
  /// "namespace/name" of the page's last pod when more pods follow (PodIssuesPage::after of the
  /// next page), else "".
  std::string continue_after;
  int remaining_pods = 0;  ///< Problematic pods after this page.
};

/// Analyses `objects.pods` at `now` with `options`' thresholds. Throws Error(kTimeout) "pod
/// issues cancelled" once `cancel` is requested (checked every kCancelCheckStride pods); nothing
/// else (the lookups must not throw).
ClusterPodIssues analyzeClusterPodIssues(const ClusterPodObjects& objects, kube::Time now,
                                         const NamespaceErrorOptions& options,
                                         const PodIssueFilter& filter, const PodIssuesPage& page,
                                         const std::stop_token& cancel = {});

/// The PodIssueType named `name` (issueTypeName), or nullopt.
std::optional<PodIssueType> parseIssueType(std::string_view name) noexcept;

}  // namespace keelson::analysis
