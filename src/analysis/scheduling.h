#pragma once

// Why a pod is (or is not) scheduled: kube-scheduler's default Filter plugins
// (schedule/framework) replayed over one consistent set of API objects, and a parser for the
// scheduler's own FailedScheduling message so the two can be shown side by side. Pure: no I/O.
//
// Fidelity notes (kube-scheduler v1.36, pkg/scheduler/framework/plugins):
// - Filters run in the scheduler's default order (NodeUnschedulable, NodeName, TaintToleration,
//   NodeAffinity, NodePorts, NodeResourcesFit, VolumeBinding, VolumeZone, PodTopologySpread,
//   InterPodAffinity). The framework stops at a node's first failing plugin, so the scheduler's
//   message counts only that plugin's reasons. keelson evaluates every plugin (all reasons are
//   listed per node) but marks the first failing plugin's reasons `counted`; failure_categories
//   counts only those, so it compares equal to the scheduler's message.
// - PreFilter rejections (unbound immediate PVCs, a missing PVC, conflicting matchFields) reject
//   the pod on every node; the scheduler's message then carries the reason without a count, which
//   parseFailedSchedulingMessage reports as a count of all nodes.
// - Not modelled: VolumeRestrictions, NodeVolumeLimits (CSI attach limits), DynamicResources,
//   storage capacity tracking, nominated pods of higher priority and scheduler extenders.

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kube/node.h"
#include "kube/pod.h"
#include "kube/storage.h"
#include "schedule/framework/snapshot.h"

namespace keelson::analysis {

/// The API objects a scheduling analysis reads, owned (the framework's ClusterObjects; see
/// ClusterView for what each list must hold).
using SchedulingSnapshot = schedule::framework::ClusterObjects;

/// The same objects by pointer, so that a cache can be analysed without copying its objects
/// (the framework's ClusterView). The pointed-to objects must outlive the analysis.
using SchedulingView = schedule::framework::ClusterView;

/// One reason a node (or, for a PreFilter rejection, every node) cannot take the pod.
struct SchedulingReason {
  std::string plugin;    ///< The Filter plugin: "NodeResourcesFit", "TaintToleration", ...
  std::string category;  ///< kube-scheduler's reason string: "Insufficient cpu", ...
  std::string message;   ///< With numbers: "Insufficient memory: requested 2Gi, free 1Gi of 8Gi".
  /// True when kube-scheduler counts this reason for the node: it belongs to the first failing
  /// plugin in filter order (the framework stops there).
  bool counted = true;
};

/// One node as the Filter plugins see it.
struct NodeEvaluation {
  std::string name;
  bool fits = false;
  std::vector<SchedulingReason> reasons;  ///< Empty when the node fits.
};

/// What analyzeScheduling found.
struct SchedulingAnalysis {
  std::string pod_namespace;
  std::string pod_name;
  bool scheduled = false;  ///< spec.nodeName is set.
  std::string node_name;   ///< spec.nodeName when scheduled.
  /// Scheduled pods: why the node fits, one line per check ("cpu: requested 500m, free 3500m of
  /// 4 allocatable", "tolerates every NoSchedule/NoExecute taint", ...).
  std::vector<std::string> fit_details;
  int total_nodes = 0;
  /// A PreFilter rejection that applies to every node (e.g. "pod has unbound immediate
  /// PersistentVolumeClaims"); nullopt when PreFilter passed.
  std::optional<SchedulingReason> prefilter_failure;
  /// Scheduled pods: the pod's node only; pending pods: every node, in snapshot order.
  std::vector<NodeEvaluation> nodes;
  /// kube-scheduler reason → number of nodes failing with it (a node counts once per category;
  /// only `counted` reasons). Pending pods only.
  std::map<std::string, int> failure_categories;
  /// The counts in kube-scheduler's own wording: "0/6 nodes are available: 3 Insufficient cpu,
  /// 1 node(s) were unschedulable." (reasons sorted as the scheduler sorts them). Empty for a
  /// scheduled pod.
  std::string failure_summary;
  int feasible_nodes = 0;  ///< Nodes that pass every filter (pending pods).
};

/// Evaluates `pod` against `snapshot` (see the file comment). For a scheduled pod, explains its
/// node (the pod itself is left out of that node's usage); for a pending one, evaluates every
/// node. Pure; never throws for well-formed objects (Error(kBadInput) only if a resource sum
/// overflows Quantity's range).
SchedulingAnalysis analyzeScheduling(const kube::Pod& pod, const SchedulingView& snapshot);
/// analyzeScheduling(pod, viewOf(snapshot)).
SchedulingAnalysis analyzeScheduling(const kube::Pod& pod, const SchedulingSnapshot& snapshot);
/// The same analysis over NodeInfos built once for `view` by schedule::framework::buildNodeInfos
/// and shared by many analyses, so that a request does not visit every pod of the cluster (a
/// scheduled pod's NodeInfos are copied to leave it out). `nodes` must come from `view`.
SchedulingAnalysis analyzeScheduling(const kube::Pod& pod, const SchedulingView& view,
                                     std::span<const schedule::framework::NodeInfo> nodes);

/// kube-scheduler's FailedScheduling / PodScheduled=False message, parsed.
struct FailedSchedulingMessage {
  bool valid = false;   ///< The text started with "0/N nodes are available".
  int total_nodes = 0;  ///< N.
  /// Reason → node count, normalized to the current wording ("node(s) had untolerated
  /// taint(s)" for every taint wording). A reason without a count (a PreFilter rejection) counts
  /// all nodes.
  std::map<std::string, int> categories;
  /// The reasons as written (taints keep their "{key: value}"), with their counts.
  std::vector<std::pair<std::string, int>> raw_reasons;
  /// The PostFilter part after the reasons, without the trailing period, e.g. "preemption: 0/6
  /// nodes are available: 6 Preemption is not helpful for scheduling." → that text; "" if none.
  std::string postfilter;
  /// Just the "preemption: ..." part of `postfilter`; "" if none.
  std::string preemption;
};

/// Parses kube-scheduler's message, in every wording it has used since v1.18:
/// "0/6 nodes are available: 1 node(s) were unschedulable, 2 node(s) had untolerated taint(s),
/// 3 Insufficient cpu. preemption: 0/6 nodes are available: ...", "1 node(s) had taint {k: v},
/// that the pod didn't tolerate", "1 node(s) had untolerated taint {k: v}", "0/3 nodes are
/// available: pod has unbound immediate PersistentVolumeClaims.". Never throws; `valid` is false
/// for text that is not such a message.
FailedSchedulingMessage parseFailedSchedulingMessage(std::string_view message);

/// The current category for a reason as any scheduler version wrote it (taint wordings become
/// "node(s) had untolerated taint(s)", "node(s) didn't match node selector" becomes
/// "node(s) didn't match Pod's node affinity/selector", "node(s) had volume node affinity
/// conflict" becomes "node(s) didn't match PersistentVolume's node affinity"); other reasons are
/// returned unchanged.
std::string normalizeSchedulingCategory(std::string_view reason);

}  // namespace keelson::analysis
