#include "docs/scheduling_explanation.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string_view>
#include <vector>

#include "analysis/scheduling.h"
#include "docs/json_fields.h"

namespace keelson::docs {
namespace {

using nlohmann::json;

int number(const json& doc, const char* key) {
  const auto it = doc.find(key);
  return it != doc.end() && it->is_number_integer() ? it->get<int>() : 0;
}

std::string joined(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// What a kube-scheduler reason means on a node, and what would let the pod past it.
struct Words {
  std::string what;        // completes "<what> on N of M nodes"
  std::string suggestion;  // a sentence, or ""
};

Words wordsFor(std::string_view reason) {
  const std::string normalized = analysis::normalizeSchedulingCategory(reason);
  const std::string_view r = normalized;
  if (r == "Too many pods") {
    return {"No room for another pod (status.allocatable.pods reached)",
            "Add a node, or raise the kubelet's maxPods."};
  }
  if (r.starts_with("Insufficient ")) {
    const std::string resource(r.substr(13));
    return {fmt::format("Not enough allocatable {} left for the pod's request", resource),
            fmt::format("Lower the pod's {0} request, make room on a node (move or scale down "
                        "pods there), or add a node with more {0}.",
                        resource)};
  }
  if (r == "node(s) had untolerated taint(s)") {
    return {"A taint the pod does not tolerate",
            "Give the pod a toleration for the taint, or remove the taint from a node (kubectl "
            "taint nodes NODE KEY[:EFFECT]-)."};
  }
  if (r == "node(s) didn't match Pod's node affinity/selector") {
    return {"Labels that do not match the pod's nodeSelector or required node affinity",
            "Label a node to match (kubectl label nodes NODE KEY=VALUE), or relax the pod's "
            "nodeSelector or node affinity."};
  }
  if (r == "node(s) didn't match the requested node name") {
    return {"Not the node the pod's spec.nodeName names", ""};
  }
  if (r == "node(s) were unschedulable") {
    return {"Cordoned (spec.unschedulable)",
            "Uncordon a node that is fit to take pods (kubectl uncordon NODE)."};
  }
  if (r.starts_with("node(s) didn't have free ports")) {
    return {"A host port the pod asks for already in use",
            "Drop the pod's hostPort, or free the port on a node."};
  }
  if (r == "node(s) didn't match pod affinity rules") {
    return {"None of the pods the pod's required pod affinity asks to be near",
            "Run the pods it must be near first, or relax its required pod affinity."};
  }
  if (r == "node(s) didn't match pod anti-affinity rules") {
    return {"Pods the pod's required anti-affinity keeps it away from",
            "Add nodes (or topology domains), or relax the pod's required anti-affinity."};
  }
  if (r == "node(s) didn't satisfy existing pods anti-affinity rules") {
    return {"Pods whose own required anti-affinity keeps this pod away",
            "Relax the anti-affinity of the pods already there, or add nodes."};
  }
  if (r.starts_with("node(s) didn't match pod topology spread constraints")) {
    return {"A topology spread constraint the pod would break (maxSkew)",
            "Add nodes in the emptier topology domains, or set whenUnsatisfiable: "
            "ScheduleAnyway."};
  }
  if (r == "node(s) didn't match PersistentVolume's node affinity" ||
      r == "node(s) had no available volume zone") {
    return {"Out of reach of the pod's PersistentVolumes (node affinity or zone)",
            "Run the pod where its volumes are (the PersistentVolume's nodeAffinity), or use a "
            "StorageClass with volumeBindingMode: WaitForFirstConsumer."};
  }
  return {std::string(reason), ""};
}

// The failing node's reasons, e.g. "kw-1: Insufficient cpu: requested 1000, free 3900m of 4".
std::string example(const json& scheduling, const json& nodes) {
  if (nodes.empty() || !nodes[0].is_string()) return "";
  const std::string node = nodes[0].get<std::string>();
  for (const auto& evaluated : fieldArray(scheduling, "unschedulableNodes")) {
    if (fieldText(evaluated, "nodeName") != node) continue;
    std::vector<std::string> reasons;
    for (const auto& r : fieldArray(evaluated, "reasons")) reasons.push_back(r.get<std::string>());
    return fmt::format("{}: {}", node, joined(reasons, "; "));
  }
  return "";
}

struct Pending {
  std::vector<std::string> reasons;
  std::vector<std::string> suggestions;
};

Pending pendingReasons(const json& scheduling) {
  std::vector<const json*> entries;
  for (const auto& entry : fieldArray(scheduling, "failureSummary")) entries.push_back(&entry);
  std::stable_sort(entries.begin(), entries.end(), [](const json* a, const json* b) {
    return number(*a, "count") > number(*b, "count");
  });
  Pending out;
  const int total = number(scheduling, "totalNodes");
  for (const json* entry : entries) {
    const Words words = wordsFor(fieldText(*entry, "reason"));
    const std::string e = example(scheduling, fieldArray(*entry, "nodes"));
    out.reasons.push_back(fmt::format("{} on {} of {} nodes{}.", words.what,
                                      number(*entry, "count"), total,
                                      e.empty() ? "" : " (for example " + e + ")"));
    if (!words.suggestion.empty() && std::find(out.suggestions.begin(), out.suggestions.end(),
                                               words.suggestion) == out.suggestions.end()) {
      out.suggestions.push_back(words.suggestion);
    }
  }
  return out;
}

// kube-scheduler's latest word against this analysis; null when it has said nothing.
json schedulerComparison(const json& scheduling) {
  const auto it = scheduling.find("schedulerMessage");
  if (it == scheduling.end() || !it->is_object()) return nullptr;
  const json& said = *it;
  std::map<std::string, int> ours;
  for (const auto& entry : fieldArray(scheduling, "failureSummary")) {
    ours[analysis::normalizeSchedulingCategory(fieldText(entry, "reason"))] =
        number(entry, "count");
  }
  std::map<std::string, int> theirs;
  if (const auto c = said.find("categories"); c != said.end() && c->is_object()) {
    for (const auto& [reason, count] : c->items()) {
      theirs[reason] = count.is_number_integer() ? count.get<int>() : 0;
    }
  }
  const bool agrees = number(said, "totalNodes") == number(scheduling, "totalNodes") &&
                      ours == theirs && number(scheduling, "feasibleNodes") == 0;
  const std::string note =
      agrees ? fmt::format("kube-scheduler's last message ({}) agrees with this analysis.",
                           fieldText(said, "timestamp"))
             : fmt::format(
                   "kube-scheduler's last message ({}) differs from this analysis: the "
                   "cluster has changed since it last tried, and it will try again.",
                   fieldText(said, "timestamp"));
  return {{"message", fieldText(said, "message")},
          {"timestamp", fieldText(said, "timestamp")},
          {"agrees", agrees},
          {"note", note}};
}

std::string pendingVerdict(const json& scheduling, const std::string& pod) {
  const int total = number(scheduling, "totalNodes");
  const int feasible = number(scheduling, "feasibleNodes");
  const auto prefilter = scheduling.find("prefilterFailure");
  if (prefilter != scheduling.end() && prefilter->is_object()) {
    return fmt::format("Pod {} cannot be scheduled on any node: {}.", pod,
                       fieldText(*prefilter, "message"));
  }
  if (total == 0) return fmt::format("Pod {} cannot be scheduled: the cluster has no nodes.", pod);
  if (feasible == 0) {
    return fmt::format("Pod {} cannot be scheduled: none of the {} nodes can take it.", pod, total);
  }
  const std::string scheduler = fieldText(scheduling, "schedulerName");
  if (!scheduler.empty() && scheduler != "default-scheduler") {
    return fmt::format(
        "Pod {} is pending although {} of {} nodes can take it: it asks for the scheduler '{}', "
        "which kube-scheduler leaves alone; check that '{}' is running.",
        pod, feasible, total, scheduler, scheduler);
  }
  return fmt::format(
      "Pod {} is pending although {} of {} nodes can take it now: kube-scheduler has not placed "
      "it yet (it is queued, or retries after its backoff or the next change in the cluster).",
      pod, feasible, total);
}

}  // namespace

nlohmann::json schedulingExplanation(const nlohmann::json& scheduling) {
  const std::string pod =
      fieldText(scheduling, "namespace") + "/" + fieldText(scheduling, "podName");
  const std::string status = fieldText(scheduling, "status");
  std::string verdict;
  std::vector<std::string> reasons;
  std::vector<std::string> suggestions;
  json scheduler = nullptr;
  if (status == "Scheduled") {
    verdict =
        fmt::format("Pod {} is scheduled on node {}.", pod, fieldText(scheduling, "nodeName"));
    std::vector<std::string> fits;
    for (const auto& r : fieldArray(scheduling, "schedulingReasons"))
      fits.push_back(r.get<std::string>());
    if (!fits.empty()) reasons.push_back("It fits there: " + joined(fits, "; ") + ".");
  } else {
    verdict = pendingVerdict(scheduling, pod);
    Pending pending = pendingReasons(scheduling);
    reasons = std::move(pending.reasons);
    suggestions = std::move(pending.suggestions);
    scheduler = schedulerComparison(scheduling);
  }
  std::vector<std::string> paragraph = {verdict};
  paragraph.insert(paragraph.end(), reasons.begin(), reasons.end());
  if (scheduler.is_object()) paragraph.push_back(scheduler["note"].get<std::string>());
  paragraph.insert(paragraph.end(), suggestions.begin(), suggestions.end());
  return {{"podName", fieldText(scheduling, "podName")},
          {"namespace", fieldText(scheduling, "namespace")},
          {"status", status},
          {"verdict", verdict},
          {"reasons", reasons},
          {"suggestions", suggestions},
          {"scheduler", std::move(scheduler)},
          {"explanation", joined(paragraph, " ")}};
}

std::string schedulingExplanationText(const nlohmann::json& explanation) {
  std::string out = fieldText(explanation, "verdict") + "\n";
  for (const auto& r : fieldArray(explanation, "reasons"))
    out += "  - " + r.get<std::string>() + "\n";
  const auto scheduler = explanation.find("scheduler");
  if (scheduler != explanation.end() && scheduler->is_object()) {
    out +=
        "  " + fieldText(*scheduler, "note") + "\n    " + fieldText(*scheduler, "message") + "\n";
  }
  const json& suggestions = fieldArray(explanation, "suggestions");
  if (!suggestions.empty()) out += "What would let it schedule:\n";
  for (const auto& s : suggestions) out += "  - " + s.get<std::string>() + "\n";
  return out;
}

}  // namespace keelson::docs
