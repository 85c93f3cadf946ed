#pragma once

// The JSON documents of `keelson serve`'s pod endpoints (/api/v1/pods/{ns}/{pod}/scheduling and
// /resources), in the shape and field names (camelCase) of the k8s-cluster-agent spec. Pure: the
// caller takes the objects from the cluster cache.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/scheduling.h"
#include "docs/json_fields.h"
#include "kube/event.h"
#include "kube/pod.h"

namespace keelson::docs {

/// The spec's failure category for a kube-scheduler reason ("Insufficient memory" →
/// "InsufficientMemory", "node(s) had untolerated taint(s)" → "TaintTolerationMismatch", ...).
/// Reasons the spec has no category for get keelson's own: "InsufficientResources" (pod count,
/// extended resources), "NodeUnschedulable", "HostPortConflict", "TopologySpreadConflict";
/// anything else is "Miscellaneous". Accepts every wording normalizeSchedulingCategory accepts.
std::string specFailureCategory(std::string_view scheduler_reason);

/// The events of `pod` among `events` (analysis::isEventOfPod), sorted by last occurrence,
/// oldest first.
std::vector<kube::Event> podEvents(const kube::Pod& pod, const std::vector<kube::Event>& events);

/// The scheduling document. Scheduled pods: status "Scheduled", nodeName, schedulerName,
/// nodeSelector, tolerations, affinity (which kinds are set, or null), priority,
/// priorityClassName, schedulingReasons (why the node fits), schedulingEvents. Pending pods:
/// status "Pending", totalNodes, feasibleNodes, failureCategories (spec categories, sorted),
/// failureSummary ([{category, reason, count, description, nodes}], one entry per
/// kube-scheduler reason, a node counted once per reason and only for its first failing
/// plugin, as the scheduler counts), failureMessage (the same counts in the scheduler's
/// wording), prefilterFailure, unschedulableNodes ([{nodeName, reasons, insufficientResources,
/// categories, schedulerReasons}], every failing plugin's reasons with numbers),
/// schedulerMessage (the latest FailedScheduling event or PodScheduled=False condition, parsed:
/// {message, source, timestamp, totalNodes, categories, preemption}, or null) and
/// schedulingEvents. `events` are the pod's events (podEvents).
nlohmann::json schedulingDocument(const kube::Pod& pod,
                                  const analysis::SchedulingAnalysis& analysis,
                                  const std::vector<kube::Event>& events);

/// The resources document: containers and initContainers ([{name, requests, limits}], init
/// containers with `sidecar`), total ({cpuRequest, cpuLimit, memoryRequest, memoryLimit}: the
/// pod's effective values by the scheduler's rule, kube::podRequests/podLimits; a request never
/// made is "0", an absent limit is null = unlimited), requests and limits (every resource of
/// the effective totals) and overhead. Quantities are exact canonical strings. Throws
/// Error(kBadInput) only if a sum overflows.
nlohmann::json resourcesDocument(const kube::Pod& pod);

}  // namespace keelson::docs
