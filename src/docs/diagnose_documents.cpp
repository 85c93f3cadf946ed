#include "docs/diagnose_documents.h"

#include <fmt/format.h>

#include <cmath>
#include <string_view>

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

// Field access that tolerates documents missing a field (text rendering never throws).
std::string str(const json& doc, const char* key) {
  const auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

const json& arr(const json& doc, const char* key) {
  static const json kEmpty = json::array();
  const auto it = doc.find(key);
  return it != doc.end() && it->is_array() ? *it : kEmpty;
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
      fmt::format("Health of {}/{}: {}/100 ({}), phase {}\n", str(doc, "namespace"),
                  str(doc, "podName"), str(doc, "score"), str(doc, "status"), str(doc, "phase"));
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
    return fmt::format("  {:<17} {:>3}/100 x {:>2}%  = {}\n", title, str(c, "score"),
                       str(c, "weight"), str(c, "weightedScore"));
  };
  const json& restarts = part("restarts");
  out += header("restarts", restarts);
  out += fmt::format("      {} restarts, pod age {}, {} per hour (over at least one hour)\n",
                     str(evidence(restarts), "restartCount"), str(evidence(restarts), "podAge"),
                     str(evidence(restarts), "restartsPerHour"));
  const json& states = part("containerStates");
  out += header("container states", states);
  for (const auto& c : arr(evidence(states), "containers")) {
    std::string detail = str(c, "state");
    if (!str(c, "reason").empty()) detail += " " + str(c, "reason");
    if (!str(c, "exitCode").empty()) detail += " (exit code " + str(c, "exitCode") + ")";
    out += fmt::format("      {}{}: {}, ready {}, {} restarts -> {}\n", str(c, "name"),
                       c.value("init", false) ? " (init)" : "", detail, str(c, "ready"),
                       str(c, "restartCount"), str(c, "score"));
  }
  const json& conditions = part("conditions");
  out += header("conditions", conditions);
  for (const auto& c : arr(evidence(conditions), "conditions")) {
    const std::string status = str(c, "status").empty() ? "missing" : str(c, "status");
    out += fmt::format("      {} {}{}\n", str(c, "type"), status,
                       str(c, "reason").empty() ? "" : " (" + str(c, "reason") + ")");
  }
  const json& warnings = part("warningEvents");
  out += header("warning events", warnings);
  out += fmt::format(
      "      {} in the last {}s ({} occurrences)\n", str(evidence(warnings), "warningEvents"),
      str(evidence(warnings), "windowSeconds"), str(evidence(warnings), "occurrences"));
  for (const auto& e : arr(evidence(warnings), "events")) {
    out += fmt::format("      {} x{} at {}: {}\n", str(e, "reason"), str(e, "count"),
                       str(e, "lastTimestamp"), str(e, "message"));
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
  for (const auto& pod : analysis.problematic_pods) {
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
    pods.push_back({{"name", pod.name},
                    {"namespace", pod.namespace_name},
                    {"ownerKind", pod.owner.kind},
                    {"ownerName", pod.owner.name},
                    {"phase", pod.phase},
                    {"restartCount", pod.restart_count},
                    {"age", analysis::formatElapsed(pod.age)},
                    {"issues", std::move(issues)},
                    {"recentEvents", std::move(events)}});
  }
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

std::string failureEventsText(const nlohmann::json& doc) {
  std::string out = fmt::format("Pod {}/{}: phase {}, status {}\n", str(doc, "namespace"),
                                str(doc, "podName"), str(doc, "podPhase"), str(doc, "podStatus"));
  const json& events = arr(doc, "failureEvents");
  out += fmt::format("Events: {} total, {} failure events ({} critical, {} warning)\n",
                     str(doc, "totalEvents"), events.size(), str(doc, "criticalEvents"),
                     str(doc, "warningEvents"));
  for (const auto& e : events) {
    out += fmt::format("\n  [{}] {} {} x{} ({}), first {} ago, last {}\n", str(e, "severity"),
                       str(e, "category"), str(e, "reason"), str(e, "count"),
                       e.value("recurrenceRate", json()).is_string() ? str(e, "recurrenceRate")
                                                                     : std::string("once"),
                       str(e, "timeSinceFirst"), str(e, "lastTimestamp"));
    out += fmt::format("    {}\n", str(e, "message"));
    out += fmt::format("    source: {}\n", str(e, "source"));
    out += fmt::format("    possible causes: {}\n", joined(arr(e, "possibleCauses"), "; "));
    out += fmt::format("    suggested action: {}\n", str(e, "suggestedAction"));
  }
  const json& ongoing = arr(doc, "ongoingIssues");
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
      str(doc, "namespace"), str(doc, "totalPodsAnalyzed"), str(doc, "healthyPodsCount"),
      str(doc, "problematicPodsCount"), str(doc, "criticalIssuesCount"),
      str(doc, "warningIssuesCount"), str(doc, "restartThresholdUsed"));
  for (const auto& entry : arr(doc, "summary")) {
    out += fmt::format("  {:<20} {:>3}  {}: {}\n", str(entry, "issueType"), str(entry, "count"),
                       str(entry, "description"), joined(arr(entry, "affectedPods"), ", "));
  }
  for (const auto& pod : arr(doc, "problematicPods")) {
    out += fmt::format("\n{} ({} {}): phase {}, {} restarts, age {}\n", str(pod, "name"),
                       str(pod, "ownerKind"), str(pod, "ownerName"), str(pod, "phase"),
                       str(pod, "restartCount"), str(pod, "age"));
    for (const auto& issue : arr(pod, "issues")) {
      out += fmt::format("  [{}] {}: {}\n", str(issue, "severity"), str(issue, "type"),
                         str(issue, "description"));
      if (!str(issue, "details").empty()) out += "      " + str(issue, "details") + "\n";
    }
    for (const auto& e : arr(pod, "recentEvents")) {
      out += fmt::format("  event {} x{} at {}: {}\n", str(e, "reason"), str(e, "count"),
                         str(e, "lastTimestamp"), str(e, "message"));
    }
  }
  return out;
}

std::string schedulingText(const nlohmann::json& doc) {
  std::string out = fmt::format("Scheduling of {}/{}: {}\n", str(doc, "namespace"),
                                str(doc, "podName"), str(doc, "status"));
  if (str(doc, "status") == "Scheduled") {
    out += fmt::format("  node: {}\n", str(doc, "nodeName"));
    for (const auto& reason : arr(doc, "schedulingReasons")) {
      out += "  - " + (reason.is_string() ? reason.get<std::string>() : reason.dump()) + "\n";
    }
  } else {
    out += fmt::format("  feasible nodes: {} of {}\n", str(doc, "feasibleNodes"),
                       str(doc, "totalNodes"));
    if (!str(doc, "failureMessage").empty()) out += "  " + str(doc, "failureMessage") + "\n";
    for (const auto& entry : arr(doc, "failureSummary")) {
      out += fmt::format("  {:<26} {:>3}  {} ({})\n", str(entry, "category"), str(entry, "count"),
                         str(entry, "reason"), joined(arr(entry, "nodes"), ", "));
    }
  }
  const auto message = doc.find("schedulerMessage");
  if (message != doc.end() && message->is_object()) {
    out += fmt::format("  scheduler said ({}, {}): {}\n", str(*message, "source"),
                       str(*message, "timestamp"), str(*message, "message"));
  }
  return out;
}

std::string resourcesText(const nlohmann::json& doc) {
  std::string out = fmt::format("Resources of {}/{} (QoS {})\n", str(doc, "namespace"),
                                str(doc, "podName"), str(doc, "qosClass"));
  const auto total = doc.find("total");
  if (total != doc.end() && total->is_object()) {
    const auto unlimited = [&](const char* key) {
      const std::string value = str(*total, key);
      return value.empty() ? std::string("unlimited") : value;
    };
    out += fmt::format("  total: cpu {} request / {} limit, memory {} request / {} limit\n",
                       str(*total, "cpuRequest"), unlimited("cpuLimit"),
                       str(*total, "memoryRequest"), unlimited("memoryLimit"));
  }
  for (const char* list : {"initContainers", "containers"}) {
    for (const auto& c : arr(doc, list)) {
      out += fmt::format("  {}{}: requests {} limits {}\n", str(c, "name"),
                         std::string_view(list) == "initContainers" ? " (init)" : "",
                         c.value("requests", json::object()).dump(),
                         c.value("limits", json::object()).dump());
    }
  }
  return out;
}

}  // namespace keelson::docs
