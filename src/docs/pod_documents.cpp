#include "docs/pod_documents.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "analysis/failure_events.h"
#include "kube/resources.h"

namespace keelson::docs {
namespace {

using nlohmann::json;

struct CategoryInfo {
  const char* category;
  const char* description;
};

CategoryInfo categoryInfo(std::string_view reason) {
  const std::string normalized = analysis::normalizeSchedulingCategory(reason);
  const std::string_view r = normalized;
  if (r == "Insufficient cpu") return {"InsufficientCPU", "Not enough allocatable CPU on nodes"};
  if (r == "Insufficient memory") {
    return {"InsufficientMemory", "Not enough allocatable memory on nodes"};
  }
  if (r == "Insufficient ephemeral-storage") {
    return {"InsufficientStorage", "Not enough allocatable ephemeral storage on nodes"};
  }
  if (r.starts_with("Insufficient ") || r == "Too many pods") {
    return {"InsufficientResources", "Not enough of a resource (pod count or extended)"};
  }
  if (r == "node(s) had untolerated taint(s)") {
    return {"TaintTolerationMismatch", "Node taints not tolerated by the pod"};
  }
  if (r == "node(s) didn't match Pod's node affinity/selector" ||
      r == "node(s) didn't match the requested node name") {
    return {"NodeAffinityNotMatch", "Pod node selector or node affinity not met"};
  }
  if (r == "node(s) didn't match pod affinity rules" ||
      r == "node(s) didn't match pod anti-affinity rules" ||
      r == "node(s) didn't satisfy existing pods anti-affinity rules") {
    return {"PodAffinityConflict", "Pod affinity or anti-affinity not satisfied"};
  }
  if (r == "node(s) didn't match PersistentVolume's node affinity" ||
      r == "node(s) had no available volume zone") {
    return {"VolumeNodeAffinityConflict", "Persistent volume node affinity or zone mismatch"};
  }
  if (r == "pod has unbound immediate PersistentVolumeClaims" ||
      r == "node(s) didn't find available persistent volumes to bind" ||
      r.find("pvc(s)") != std::string_view::npos) {
    return {"VolumeAttachmentError", "Persistent volume claims cannot be bound"};
  }
  if (r == "node(s) were unschedulable") {
    return {"NodeUnschedulable", "Nodes are cordoned (spec.unschedulable)"};
  }
  if (r.starts_with("node(s) didn't have free ports")) {
    return {"HostPortConflict", "Requested host ports already in use on nodes"};
  }
  if (r.starts_with("node(s) didn't match pod topology spread constraints")) {
    return {"TopologySpreadConflict", "Pod topology spread constraints not satisfied"};
  }
  return {"Miscellaneous", "Other scheduling failure"};
}

json tolerations(const kube::List<kube::Toleration>& list) {
  json out = json::array();
  for (const auto& t : list) {
    json item = {{"key", t.key},
                 {"operator", t.op.empty() ? "Equal" : t.op},
                 {"value", t.value},
                 {"effect", t.effect}};
    if (t.toleration_seconds) item["tolerationSeconds"] = *t.toleration_seconds;
    out.push_back(std::move(item));
  }
  return out;
}

json affinity(const core::Boxed<kube::Affinity>& affinity) {
  if (!affinity) return nullptr;
  return {{"nodeAffinity", affinity->node_affinity.has_value()},
          {"podAffinity", affinity->pod_affinity.has_value()},
          {"podAntiAffinity", affinity->pod_anti_affinity.has_value()}};
}

json eventSummaryJson(const kube::Event& event) {
  return {{"type", event.type},
          {"reason", event.reason},
          {"message", event.message},
          {"timestamp", kube::formatTime(event.last_time)},
          {"firstTimestamp", kube::formatTime(event.first_time)},
          {"count", event.count}};
}

json schedulingEvents(const std::vector<kube::Event>& events) {
  json out = json::array();
  for (const auto& event : events) {
    if (event.reason == "FailedScheduling" || event.reason == "Scheduled" ||
        event.reason == "Preempted" || event.reason == "NotTriggerScaleUp") {
      out.push_back(eventSummaryJson(event));
    }
  }
  return out;
}

// The scheduler's latest word: the newest FailedScheduling event, else the PodScheduled=False
// condition (which the scheduler writes together with the event).
json schedulerMessage(const kube::Pod& pod, const std::vector<kube::Event>& events) {
  std::string message;
  std::string source;
  kube::Time when{};
  for (const auto& event : events) {
    if (event.reason == "FailedScheduling" && event.last_time >= when) {
      message = event.message;
      source = "event";
      when = event.last_time;
    }
  }
  if (message.empty()) {
    for (const auto& condition : pod.status.conditions) {
      if (condition.type == "PodScheduled" && condition.status == "False" &&
          !condition.message.empty()) {
        message = condition.message;
        source = "condition";
        when = condition.last_transition_time;
      }
    }
  }
  if (message.empty()) return nullptr;
  const analysis::FailedSchedulingMessage parsed = analysis::parseFailedSchedulingMessage(message);
  json categories = json::object();
  for (const auto& [reason, count] : parsed.categories) categories[reason] = count;
  return {{"message", message},
          {"source", source},
          {"timestamp", kube::formatTime(when)},
          {"parsed", parsed.valid},
          {"totalNodes", parsed.total_nodes},
          {"categories", std::move(categories)},
          {"preemption", parsed.preemption}};
}

json pendingDocument(const analysis::SchedulingAnalysis& analysis) {
  // reason → nodes counting it (once per node), as failure_categories counts.
  std::map<std::string, std::set<std::string>> nodes_by_reason;
  json unschedulable = json::array();
  for (const auto& node : analysis.nodes) {
    if (node.fits) continue;
    json reasons = json::array();
    json insufficient = json::array();
    std::set<std::string> categories;
    std::set<std::string> scheduler_reasons;
    for (const auto& reason : node.reasons) {
      reasons.push_back(reason.message);
      if (reason.plugin == "NodeResourcesFit") insufficient.push_back(reason.message);
      categories.insert(categoryInfo(reason.category).category);
      scheduler_reasons.insert(reason.category);
      if (reason.counted) nodes_by_reason[reason.category].insert(node.name);
    }
    unschedulable.push_back({{"nodeName", node.name},
                             {"reasons", std::move(reasons)},
                             {"insufficientResources", std::move(insufficient)},
                             {"categories", categories},
                             {"schedulerReasons", scheduler_reasons}});
  }
  if (analysis.prefilter_failure) {
    for (const auto& node : analysis.nodes) {
      nodes_by_reason[analysis.prefilter_failure->category].insert(node.name);
    }
  }
  json summary = json::array();
  std::set<std::string> categories;
  for (const auto& [reason, count] : analysis.failure_categories) {
    const CategoryInfo info = categoryInfo(reason);
    categories.insert(info.category);
    const auto it = nodes_by_reason.find(reason);
    json nodes = it == nodes_by_reason.end() ? json::array() : json(it->second);
    summary.push_back({{"category", info.category},
                       {"reason", reason},
                       {"count", count},
                       {"description", info.description},
                       {"nodes", std::move(nodes)}});
  }
  json prefilter = nullptr;
  if (analysis.prefilter_failure) {
    prefilter = {{"plugin", analysis.prefilter_failure->plugin},
                 {"reason", analysis.prefilter_failure->category},
                 {"message", analysis.prefilter_failure->message}};
  }
  return {{"status", "Pending"},
          {"totalNodes", analysis.total_nodes},
          {"feasibleNodes", analysis.feasible_nodes},
          {"failureCategories", categories},
          {"failureSummary", std::move(summary)},
          {"failureMessage", analysis.failure_summary},
          {"prefilterFailure", std::move(prefilter)},
          {"unschedulableNodes", std::move(unschedulable)}};
}

json containerResources(const kube::Container& container) {
  return {{"name", container.name},
          {"requests", quantities(container.resources.requests)},
          {"limits", quantities(container.resources.limits)}};
}

json quantityOr(const kube::ResourceList& list, std::string_view name, json fallback) {
  const auto it = list.find(name);
  return it == list.end() ? std::move(fallback) : json(it->second.format());
}

}  // namespace

std::string specFailureCategory(std::string_view scheduler_reason) {
  return categoryInfo(scheduler_reason).category;
}

std::vector<kube::Event> podEvents(const kube::Pod& pod, const std::vector<kube::Event>& events) {
  std::vector<kube::Event> out;
  for (const auto& event : events) {
    if (analysis::isEventOfPod(event, pod)) out.push_back(event);
  }
  std::stable_sort(out.begin(), out.end(), [](const kube::Event& a, const kube::Event& b) {
    return a.last_time < b.last_time;
  });
  return out;
}

nlohmann::json schedulingDocument(const kube::Pod& pod,
                                  const analysis::SchedulingAnalysis& analysis,
                                  const std::vector<kube::Event>& events) {
  json doc;
  if (analysis.scheduled) {
    doc = {{"status", "Scheduled"},
           {"nodeName", analysis.node_name},
           {"schedulingReasons", analysis.fit_details}};
  } else {
    doc = pendingDocument(analysis);
  }
  doc["podName"] = pod.metadata.name;
  doc["namespace"] = pod.metadata.namespace_name;
  doc["schedulerName"] = pod.spec.scheduler_name;
  doc["nodeSelector"] = stringMap(pod.spec.node_selector);
  doc["tolerations"] = tolerations(pod.spec.tolerations);
  doc["affinity"] = affinity(pod.spec.affinity);
  doc["priority"] = pod.spec.priority;
  doc["priorityClassName"] = pod.spec.priority_class_name;
  doc["schedulerMessage"] = schedulerMessage(pod, events);
  doc["schedulingEvents"] = schedulingEvents(events);
  return doc;
}

nlohmann::json resourcesDocument(const kube::Pod& pod) {
  json containers = json::array();
  for (const auto& c : pod.spec.containers) containers.push_back(containerResources(c));
  json init = json::array();
  for (const auto& c : pod.spec.init_containers) {
    json item = containerResources(c);
    item["sidecar"] = c.restart_policy == "Always";
    init.push_back(std::move(item));
  }
  const kube::ResourceList requests = kube::podRequests(pod);
  const kube::ResourceList limits = kube::podLimits(pod);
  return {{"podName", pod.metadata.name},
          {"namespace", pod.metadata.namespace_name},
          {"qosClass", pod.status.qos_class},
          {"containers", std::move(containers)},
          {"initContainers", std::move(init)},
          {"overhead", quantities(pod.spec.overhead)},
          {"total",
           {{"cpuRequest", quantityOr(requests, "cpu", "0")},
            {"cpuLimit", quantityOr(limits, "cpu", nullptr)},
            {"memoryRequest", quantityOr(requests, "memory", "0")},
            {"memoryLimit", quantityOr(limits, "memory", nullptr)}}},
          {"requests", quantities(requests)},
          {"limits", quantities(limits)}};
}

}  // namespace keelson::docs
