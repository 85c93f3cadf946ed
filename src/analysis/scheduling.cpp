#include "analysis/scheduling.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "schedule/framework/fit_error.h"
#include "schedule/framework/framework.h"
#include "schedule/framework/matching.h"

namespace keelson::analysis {
namespace {

namespace fw = schedule::framework;

void explainFit(const fw::NodeInfo& node, const fw::PodInfo& pod, std::vector<std::string>& out) {
  const auto& alloc = node.node->status.allocatable;
  for (const auto& [name, request] : pod.requests()) {
    const core::Quantity allocatable = fw::quantityOf(alloc, name);
    const core::Quantity free = allocatable - fw::quantityOf(node.requested, name);
    out.push_back(
        fmt::format("{}: requested {}, free {} of {} allocatable (other pods' requests "
                    "subtracted)",
                    name, request.format(), free.format(), allocatable.format()));
  }
  out.push_back(fmt::format("pods: {} other pod(s) on the node, {} allowed", node.pods.size(),
                            fw::quantityOf(alloc, "pods").value()));
  if (!node.node->spec.taints.empty()) {
    out.push_back("tolerates every NoSchedule/NoExecute taint of the node");
  }
  if (!pod.pod().spec.node_selector.empty() || fw::requiredNodeAffinity(pod.pod()) != nullptr) {
    out.push_back("node labels match the pod's nodeSelector and required node affinity");
  }
}

/// The framework's verdicts as one node's evaluation: the first rejecting plugin's reasons are
/// the ones kube-scheduler counts.
NodeEvaluation evaluation(const fw::NodeInfo& node, const std::vector<fw::Status>& rejections) {
  NodeEvaluation ev;
  ev.name = node.node->metadata.name;
  ev.fits = rejections.empty();
  for (size_t i = 0; i < rejections.size(); ++i) {
    for (const auto& r : rejections[i].reasons) {
      ev.reasons.push_back(SchedulingReason{rejections[i].plugin, r.category, r.message, i == 0});
    }
  }
  return ev;
}

SchedulingAnalysis analyze(const kube::Pod& pod, const fw::Snapshot& snapshot) {
  SchedulingAnalysis out;
  out.pod_namespace = pod.metadata.namespace_name;
  out.pod_name = pod.metadata.name;
  out.total_nodes = static_cast<int>(snapshot.nodes().size());
  out.scheduled = !pod.spec.node_name.empty();
  out.node_name = pod.spec.node_name;

  const fw::Framework& framework = fw::Framework::defaultFilters();
  const fw::PodInfo pod_info(pod);
  const fw::CycleState cycle = framework.preFilter(pod_info, snapshot);

  if (out.scheduled) {
    for (const auto& node : snapshot.nodes()) {
      if (node.node->metadata.name != pod.spec.node_name) continue;
      out.nodes.push_back(evaluation(node, framework.filter(cycle, pod_info, node)));
      explainFit(node, pod_info, out.fit_details);
    }
    if (out.nodes.empty()) {
      out.fit_details.push_back(fmt::format("node {} is not in the snapshot", pod.spec.node_name));
    }
    return out;
  }

  std::optional<SchedulingReason> prefilter;
  if (!cycle.status.isSuccess()) {
    const fw::Reason& r = cycle.status.reasons.front();
    prefilter = SchedulingReason{cycle.status.plugin, r.category, r.message, true};
  }
  out.prefilter_failure = prefilter;

  for (const auto& node : snapshot.nodes()) {
    NodeEvaluation ev = evaluation(node, framework.evaluate(cycle, pod_info, node));
    if (ev.fits) ++out.feasible_nodes;
    std::set<std::string> seen;
    for (const auto& r : ev.reasons) {
      if (r.counted && seen.insert(r.category).second && !prefilter)
        ++out.failure_categories[r.category];
    }
    out.nodes.push_back(std::move(ev));
  }
  if (prefilter) out.failure_categories[prefilter->category] = out.total_nodes;
  if (out.feasible_nodes == 0) {
    out.failure_summary =
        fw::fitErrorMessage(out.total_nodes, out.failure_categories,
                            prefilter ? std::optional(prefilter->category) : std::nullopt);
  }
  return out;
}

}  // namespace

SchedulingAnalysis analyzeScheduling(const kube::Pod& pod, const SchedulingSnapshot& snapshot) {
  return analyzeScheduling(pod, viewOf(snapshot));
}

SchedulingAnalysis analyzeScheduling(const kube::Pod& pod, const SchedulingView& view) {
  return analyze(pod, fw::Snapshot(view, pod));
}

SchedulingAnalysis analyzeScheduling(const kube::Pod& pod, const SchedulingView& view,
                                     std::span<const fw::NodeInfo> nodes) {
  return analyze(pod, fw::Snapshot(view, nodes, pod));
}

}  // namespace keelson::analysis
