#include "docs/diagnose_documents.h"

#include <fmt/format.h>

#include <cmath>
#include <string_view>

#include "docs/json_fields.h"

namespace keelson::docs {
namespace {

using nlohmann::json;

std::string eventSource(const kube::Event& event) {
  const std::string& component =
      event.source_component.empty() ? event.reporting_controller : event.source_component;
  return event.source_host.empty() ? component : component + "/" + event.source_host;
}

json failureEventJson(const analysis::FailureEvent& failure) {
  const kube::Event& e = failure.event;
  return {{"type", e.type},
          {"reason", e.reason},
          {"message", e.message},
          {"firstTimestamp", kube::formatTime(e.first_time)},
          {"lastTimestamp", kube::formatTime(e.last_time)},
          {"count", e.count},
          {"source", eventSource(e)},
          {"category", analysis::categoryName(failure.category)},
          {"severity", analysis::severityName(failure.severity)},
          {"isRecurring", failure.is_recurring},
          {"recurrenceRate", failure.is_recurring
                                 ? json(analysis::formatRecurrence(failure.recurrence_per_hour))
                                 : json(nullptr)},
          {"timeSinceFirst", analysis::formatElapsed(failure.since_first)},
          {"possibleCauses", failure.possible_causes},
          {"suggestedAction", failure.suggested_action}};
}

std::string joined(const json& list, std::string_view separator) {
  std::string out;
  for (const auto& item : list) {
    if (!out.empty()) out += separator;
    out += item.is_string() ? item.get<std::string>() : item.dump();
  }
  return out;
}

// Two decimals, so the document does not carry binary noise (1.6666666666666667).
double twoDecimals(double value) { return std::round(value * 100.0) / 100.0; }

json component(int score, int weight, json evidence) {
  return {{"score", score},
          {"weight", weight},
          {"weightedScore", twoDecimals(score * weight / 100.0)},
          {"evidence", std::move(evidence)}};
}

json orNull(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json problematicPodJson(const analysis::ProblematicPod& pod) {
  json issues = json::array();
  for (const auto& issue : pod.issues) {
    issues.push_back({{"type", analysis::issueTypeName(issue.type)},
                      {"description", issue.description},
                      {"severity", issue.critical ? "critical" : "warning"},
                      {"details", issue.details}});
  }
  json events = json::array();
  for (const auto& e : pod.recent_events) {
    events.push_back({{"type", e.type},
                      {"reason", e.reason},
                      {"message", e.message},
                      {"lastTimestamp", kube::formatTime(e.last_time)},
                      {"count", e.count}});
  }
  return {{"name", pod.name},
          {"namespace", pod.namespace_name},
          {"ownerKind", orNull(pod.owner.kind)},
          {"ownerName", orNull(pod.owner.name)},
          {"phase", pod.phase},
          {"restartCount", pod.restart_count},
          {"age", analysis::formatElapsed(pod.age)},
          {"issues", std::move(issues)},
          {"recentEvents", std::move(events)}};
}

// A problematicPodJson as text, headed by `label` (the pod's name, or namespace/name).
std::string problematicPodText(const json& pod, const std::string& label) {
  const std::string owner = fieldText(pod, "ownerKind").empty()
                                ? "no controller"
                                : fieldText(pod, "ownerKind") + " " + fieldText(pod, "ownerName");
  std::string out =
      fmt::format("\n{} ({}): phase {}, {} restarts, age {}\n", label, owner,
                  fieldText(pod, "phase"), fieldText(pod, "restartCount"), fieldText(pod, "age"));
  for (const auto& issue : fieldArray(pod, "issues")) {
    out += fmt::format("  [{}] {}: {}\n", fieldText(issue, "severity"), fieldText(issue, "type"),
                       fieldText(issue, "description"));
    if (!fieldText(issue, "details").empty()) out += "      " + fieldText(issue, "details") + "\n";
  }
  for (const auto& e : fieldArray(pod, "recentEvents")) {
    out += fmt::format("  event {} x{} at {}: {}\n", fieldText(e, "reason"), fieldText(e, "count"),
                       fieldText(e, "lastTimestamp"), fieldText(e, "message"));
  }
  return out;
}

}  // namespace

nlohmann::json healthScoreDocument(const analysis::HealthScore& score) {
  json containers = json::array();
  for (const auto& c : score.container_states.containers) {
    containers.push_back({{"name", c.name},
                          {"init", c.init},
                          {"state", c.state},
                          {"reason", orNull(c.reason)},
                          {"exitCode", c.exit_code ? json(*c.exit_code) : json(nullptr)},
                          {"ready", c.ready},
                          {"restartCount", c.restart_count},
                          {"score", c.score}});
  }
  json conditions = json::array();
  for (const auto& c : score.conditions.conditions) {
    conditions.push_back({{"type", c.type},
                          {"status", orNull(c.status)},
                          {"reason", c.reason},
                          {"message", c.message},
                          {"points", c.points}});
  }
  json events = json::array();
  for (const auto& e : score.warning_events.events) {
    events.push_back({{"reason", e.reason},
                      {"message", e.message},
                      {"count", e.count},
                      {"lastTimestamp", kube::formatTime(e.last_time)}});
  }
  const auto& r = score.restarts;
  json components = {
      {"restarts", component(r.score, analysis::kRestartsWeight,
                             {{"restartCount", r.restart_count},
                              {"restartsPerHour", twoDecimals(r.restarts_per_hour)},
                              {"podAge", analysis::formatElapsed(r.pod_age)},
                              {"podAgeSeconds", r.pod_age.count()}})},
      {"containerStates", component(score.container_states.score, analysis::kContainerStatesWeight,
                                    {{"containers", std::move(containers)}})},
      {"conditions", component(score.conditions.score, analysis::kConditionsWeight,
                               {{"conditions", std::move(conditions)}})},
      {"warningEvents", component(score.warning_events.score, analysis::kWarningEventsWeight,
                                  {{"windowSeconds", score.warning_events.window.count()},
                                   {"warningEvents", score.warning_events.events.size()},
                                   {"occurrences", score.warning_events.occurrences},
                                   {"events", std::move(events)}})}};
  return {{"podName", score.pod_name},
          {"namespace", score.namespace_name},
          {"phase", score.phase},
          {"evaluatedAt", kube::formatTime(score.evaluated_at)},
          {"score", score.score},
          {"status", analysis::healthBandName(score.band)},
          {"bands",
           {{"healthy", analysis::kHealthyMinScore},
            {"degraded", analysis::kDegradedMinScore},
            {"unhealthy", analysis::kUnhealthyMinScore}}},
          {"components", std::move(components)}};
}

std::string healthScoreText(const nlohmann::json& doc) {
  std::string out =
      fmt::format("Health of {}/{}: {}/100 ({}), phase {}\n", fieldText(doc, "namespace"),
                  fieldText(doc, "podName"), fieldText(doc, "score"), fieldText(doc, "status"),
                  fieldText(doc, "phase"));
  static const json kEmpty = json::object();
  const auto it = doc.find("components");
  const json& components = it != doc.end() && it->is_object() ? *it : kEmpty;
  const auto part = [&](const char* key) -> const json& {
    const auto found = components.find(key);
    return found != components.end() && found->is_object() ? *found : kEmpty;
  };
  const auto evidence = [&](const json& c) -> const json& {
    const auto found = c.find("evidence");
    return found != c.end() && found->is_object() ? *found : kEmpty;
  };
  const auto header = [&](const char* title, const json& c) {
    return fmt::format("  {:<17} {:>3}/100 x {:>2}%  = {}\n", title, fieldText(c, "score"),
                       fieldText(c, "weight"), fieldText(c, "weightedScore"));
  };
  const json& restarts = part("restarts");
  out += header("restarts", restarts);
  out += fmt::format("      {} restarts, pod age {}, {} per hour (over at least one hour)\n",
                     fieldText(evidence(restarts), "restartCount"),
                     fieldText(evidence(restarts), "podAge"),
                     fieldText(evidence(restarts), "restartsPerHour"));
  const json& states = part("containerStates");
  out += header("container states", states);
  for (const auto& c : fieldArray(evidence(states), "containers")) {
    std::string detail = fieldText(c, "state");
    if (!fieldText(c, "reason").empty()) detail += " " + fieldText(c, "reason");
    if (!fieldText(c, "exitCode").empty())
      detail += " (exit code " + fieldText(c, "exitCode") + ")";
    out += fmt::format("      {}{}: {}, ready {}, {} restarts -> {}\n", fieldText(c, "name"),
                       c.value("init", false) ? " (init)" : "", detail, fieldText(c, "ready"),
                       fieldText(c, "restartCount"), fieldText(c, "score"));
  }
  const json& conditions = part("conditions");
  out += header("conditions", conditions);
  for (const auto& c : fieldArray(evidence(conditions), "conditions")) {
    const std::string status = fieldText(c, "status").empty() ? "missing" : fieldText(c, "status");
    out += fmt::format("      {} {}{}\n", fieldText(c, "type"), status,
                       fieldText(c, "reason").empty() ? "" : " (" + fieldText(c, "reason") + ")");
  }
  const json& warnings = part("warningEvents");
  out += header("warning events", warnings);
  out += fmt::format(
      "      {} in the last {}s ({} occurrences)\n", fieldText(evidence(warnings), "warningEvents"),
      fieldText(evidence(warnings), "windowSeconds"), fieldText(evidence(warnings), "occurrences"));
  for (const auto& e : fieldArray(evidence(warnings), "events")) {
    out += fmt::format("      {} x{} at {}: {}\n", fieldText(e, "reason"), fieldText(e, "count"),
                       fieldText(e, "lastTimestamp"), fieldText(e, "message"));
  }
  return out;
}

nlohmann::json failureEventsDocument(const analysis::FailureEventsAnalysis& analysis) {
  json events = json::array();
  for (const auto& failure : analysis.failure_events) events.push_back(failureEventJson(failure));
  json recent = nullptr;
  if (analysis.most_recent_issue) {
    recent = {{"reason", analysis.most_recent_issue->reason},
              {"message", analysis.most_recent_issue->message},
              {"lastTimestamp", kube::formatTime(analysis.most_recent_issue->last_time)}};
  }
  return {{"podName", analysis.pod_name},
          {"namespace", analysis.namespace_name},
          {"totalEvents", analysis.total_events},
          {"failureEvents", std::move(events)},
          {"eventCategories", analysis.event_categories},
          {"criticalEvents", analysis.critical_events},
          {"warningEvents", analysis.warning_events},
          {"mostRecentIssue", std::move(recent)},
          {"ongoingIssues", analysis.ongoing_issues},
          {"podPhase", analysis.pod_phase},
          {"podStatus", analysis.pod_status}};
}

nlohmann::json namespaceErrorDocument(const analysis::NamespaceErrorAnalysis& analysis) {
  json summary = json::array();
  for (const auto& entry : analysis.summary) {
    summary.push_back({{"issueType", analysis::issueTypeName(entry.type)},
                       {"count", entry.count},
                       {"description", analysis::issueTypeDescription(entry.type)},
                       {"affectedPods", entry.affected_pods}});
  }
  json pods = json::array();
  for (const auto& pod : analysis.problematic_pods) pods.push_back(problematicPodJson(pod));
  return {{"namespace", analysis.namespace_name},
          {"analysisTime", kube::formatTime(analysis.analysis_time)},
          {"totalPodsAnalyzed", analysis.total_pods_analyzed},
          {"problematicPodsCount", analysis.problematic_pods_count},
          {"healthyPodsCount", analysis.healthy_pods_count},
          {"restartThresholdUsed", analysis.restart_threshold_used},
          {"summary", std::move(summary)},
          {"problematicPods", std::move(pods)},
          {"criticalIssuesCount", analysis.critical_issues_count},
          {"warningIssuesCount", analysis.warning_issues_count}};
}

nlohmann::json clusterPodIssuesDocument(const analysis::ClusterPodIssues& analysis,
                                        const std::string& namespace_name,
                                        const analysis::PodIssueFilter& filter) {
  json summary = json::array();
  for (const auto& group : analysis.summary) {
    summary.push_back({{"issueType", analysis::issueTypeName(group.type)},
                       {"description", analysis::issueTypeDescription(group.type)},
                       {"count", group.count},
                       {"podCount", group.pod_count}});
  }
  json pods = json::array();
  for (const auto& pod : analysis.problematic_pods) pods.push_back(problematicPodJson(pod));
  return {{"namespace", orNull(namespace_name)},
          {"severity",
           filter.critical ? json(*filter.critical ? "critical" : "warning") : json(nullptr)},
          {"issueType", filter.type ? json(analysis::issueTypeName(*filter.type)) : json(nullptr)},
          {"analysisTime", kube::formatTime(analysis.analysis_time)},
          {"restartThresholdUsed", analysis.restart_threshold_used},
          {"totalPodsAnalyzed", analysis.total_pods_analyzed},
          {"problematicPodsCount", analysis.problematic_pods_count},
          {"criticalIssuesCount", analysis.critical_issues_count},
          {"warningIssuesCount", analysis.warning_issues_count},
          {"summary", std::move(summary)},
          {"problematicPods", std::move(pods)},
          {"continue", orNull(analysis.continue_after)},
          {"remainingItemCount", analysis.remaining_pods}};
}

std::string clusterPodIssuesText(const nlohmann::json& doc) {
  const std::string scope = fieldText(doc, "namespace").empty()
                                ? "all namespaces"
                                : "namespace " + fieldText(doc, "namespace");
  std::string out = fmt::format(
      "Pod issues in {}: {} pods analyzed, {} with issues ({} critical, {} warning issues; "
      "restart threshold {})\n",
      scope, fieldText(doc, "totalPodsAnalyzed"), fieldText(doc, "problematicPodsCount"),
      fieldText(doc, "criticalIssuesCount"), fieldText(doc, "warningIssuesCount"),
      fieldText(doc, "restartThresholdUsed"));
  for (const auto& group : fieldArray(doc, "summary")) {
    out += fmt::format("  {:<20} {:>3} issues, {:>3} pods  {}\n", fieldText(group, "issueType"),
                       fieldText(group, "count"), fieldText(group, "podCount"),
                       fieldText(group, "description"));
  }
  for (const auto& pod : fieldArray(doc, "problematicPods")) {
    out += problematicPodText(pod, fieldText(pod, "namespace") + "/" + fieldText(pod, "name"));
  }
  if (!fieldText(doc, "continue").empty()) {
    out += fmt::format("\n{} more pods; next page: continue={}\n",
                       fieldText(doc, "remainingItemCount"), fieldText(doc, "continue"));
  }
  return out;
}

std::string failureEventsText(const nlohmann::json& doc) {
  std::string out = fmt::format("Pod {}/{}: phase {}, status {}\n", fieldText(doc, "namespace"),
                                fieldText(doc, "podName"), fieldText(doc, "podPhase"),
                                fieldText(doc, "podStatus"));
  const json& events = fieldArray(doc, "failureEvents");
  out += fmt::format("Events: {} total, {} failure events ({} critical, {} warning)\n",
                     fieldText(doc, "totalEvents"), events.size(), fieldText(doc, "criticalEvents"),
                     fieldText(doc, "warningEvents"));
  for (const auto& e : events) {
    out +=
        fmt::format("\n  [{}] {} {} x{} ({}), first {} ago, last {}\n", fieldText(e, "severity"),
                    fieldText(e, "category"), fieldText(e, "reason"), fieldText(e, "count"),
                    e.value("recurrenceRate", json()).is_string() ? fieldText(e, "recurrenceRate")
                                                                  : std::string("once"),
                    fieldText(e, "timeSinceFirst"), fieldText(e, "lastTimestamp"));
    out += fmt::format("    {}\n", fieldText(e, "message"));
    out += fmt::format("    source: {}\n", fieldText(e, "source"));
    out += fmt::format("    possible causes: {}\n", joined(fieldArray(e, "possibleCauses"), "; "));
    out += fmt::format("    suggested action: {}\n", fieldText(e, "suggestedAction"));
  }
  const json& ongoing = fieldArray(doc, "ongoingIssues");
  if (!ongoing.empty()) {
    out += "\nOngoing (last 5 minutes):\n";
    for (const auto& issue : ongoing) out += "  " + issue.get<std::string>() + "\n";
  }
  return out;
}

std::string namespaceErrorText(const nlohmann::json& doc) {
  std::string out = fmt::format(
      "Namespace {}: {} workload pods analyzed, {} healthy, {} with issues ({} critical, {} "
      "warning issues; restart threshold {})\n",
      fieldText(doc, "namespace"), fieldText(doc, "totalPodsAnalyzed"),
      fieldText(doc, "healthyPodsCount"), fieldText(doc, "problematicPodsCount"),
      fieldText(doc, "criticalIssuesCount"), fieldText(doc, "warningIssuesCount"),
      fieldText(doc, "restartThresholdUsed"));
  for (const auto& entry : fieldArray(doc, "summary")) {
    out += fmt::format("  {:<20} {:>3}  {}: {}\n", fieldText(entry, "issueType"),
                       fieldText(entry, "count"), fieldText(entry, "description"),
                       joined(fieldArray(entry, "affectedPods"), ", "));
  }
  for (const auto& pod : fieldArray(doc, "problematicPods"))
    out += problematicPodText(pod, fieldText(pod, "name"));
  return out;
}

std::string schedulingText(const nlohmann::json& doc) {
  std::string out = fmt::format("Scheduling of {}/{}: {}\n", fieldText(doc, "namespace"),
                                fieldText(doc, "podName"), fieldText(doc, "status"));
  if (fieldText(doc, "status") == "Scheduled") {
    out += fmt::format("  node: {}\n", fieldText(doc, "nodeName"));
    for (const auto& reason : fieldArray(doc, "schedulingReasons")) {
      out += "  - " + (reason.is_string() ? reason.get<std::string>() : reason.dump()) + "\n";
    }
  } else {
    out += fmt::format("  feasible nodes: {} of {}\n", fieldText(doc, "feasibleNodes"),
                       fieldText(doc, "totalNodes"));
    if (!fieldText(doc, "failureMessage").empty())
      out += "  " + fieldText(doc, "failureMessage") + "\n";
    for (const auto& entry : fieldArray(doc, "failureSummary")) {
      out += fmt::format("  {:<26} {:>3}  {} ({})\n", fieldText(entry, "category"),
                         fieldText(entry, "count"), fieldText(entry, "reason"),
                         joined(fieldArray(entry, "nodes"), ", "));
    }
  }
  const auto message = doc.find("schedulerMessage");
  if (message != doc.end() && message->is_object()) {
    out += fmt::format("  scheduler said ({}, {}): {}\n", fieldText(*message, "source"),
                       fieldText(*message, "timestamp"), fieldText(*message, "message"));
  }
  return out;
}

std::string resourcesText(const nlohmann::json& doc) {
  std::string out = fmt::format("Resources of {}/{} (QoS {})\n", fieldText(doc, "namespace"),
                                fieldText(doc, "podName"), fieldText(doc, "qosClass"));
  const auto total = doc.find("total");
  if (total != doc.end() && total->is_object()) {
    const auto unlimited = [&](const char* key) {
      const std::string value = fieldText(*total, key);
      return value.empty() ? std::string("unlimited") : value;
    };
    out += fmt::format("  total: cpu {} request / {} limit, memory {} request / {} limit\n",
                       fieldText(*total, "cpuRequest"), unlimited("cpuLimit"),
                       fieldText(*total, "memoryRequest"), unlimited("memoryLimit"));
  }
  for (const char* list : {"initContainers", "containers"}) {
    for (const auto& c : fieldArray(doc, list)) {
      out += fmt::format("  {}{}: requests {} limits {}\n", fieldText(c, "name"),
                         std::string_view(list) == "initContainers" ? " (init)" : "",
                         c.value("requests", json::object()).dump(),
                         c.value("limits", json::object()).dump());
    }
  }
  return out;
}

}  // namespace keelson::docs
