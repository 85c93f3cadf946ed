// The diagnosis documents carry exactly the spec's field names (k8s-cluster-agent.md, "Get Pod
// Failure Events" and "Get Namespace Error Analysis" responses), and their text rendering
// survives documents with fields missing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "docs/diagnose_documents.h"
#include "kube/decode.h"

namespace keelson::docs {
namespace {

using nlohmann::json;

std::set<std::string> keys(const json& object) {
  std::set<std::string> out;
  for (const auto& [key, value] : object.items()) out.insert(key);
  return out;
}

kube::Pod pod() {
  return kube::decodeObject<kube::Pod>(R"json({"metadata":{"name":"app-1-xyz","namespace":"default",
    "uid":"u1","creationTimestamp":"2023-06-21T08:00:00Z","ownerReferences":[{"apiVersion":"apps/v1",
    "kind":"StatefulSet","name":"app-1","uid":"s1","controller":true}]},
    "spec":{"containers":[{"name":"main","image":"app:1"}]},
    "status":{"phase":"Running","containerStatuses":[{"name":"main","restartCount":15,
      "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s"}},
      "lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]}})json");
}

kube::Event backOff() {
  return kube::decodeObject<kube::Event>(
      R"json({"metadata":{"name":"app-1-xyz.1","namespace":"default"},
    "involvedObject":{"kind":"Pod","namespace":"default","name":"app-1-xyz","uid":"u1"},
    "reason":"BackOff","message":"Back-off restarting failed container main in pod app-1-xyz_default(u1)",
    "source":{"component":"kubelet","host":"node-1"},"firstTimestamp":"2023-06-21T09:00:00Z",
    "lastTimestamp":"2023-06-21T10:25:00Z","count":10,"type":"Warning"})json");
}

TEST(DiagnoseDocuments, FailureEventsHaveTheSpecsFields) {
  const auto now = kube::parseTime("2023-06-21T10:30:00Z");
  const json doc = failureEventsDocument(analysis::analyzeFailureEvents(pod(), {backOff()}, now));
  EXPECT_EQ(keys(doc),
            (std::set<std::string>{"podName", "namespace", "totalEvents", "failureEvents",
                                   "eventCategories", "criticalEvents", "warningEvents",
                                   "mostRecentIssue", "ongoingIssues", "podPhase", "podStatus"}));
  ASSERT_EQ(doc["failureEvents"].size(), 1U);
  const json& event = doc["failureEvents"][0];
  EXPECT_EQ(keys(event),
            (std::set<std::string>{"type", "reason", "message", "firstTimestamp", "lastTimestamp",
                                   "count", "source", "category", "severity", "isRecurring",
                                   "recurrenceRate", "timeSinceFirst", "possibleCauses",
                                   "suggestedAction"}));
  EXPECT_EQ(event["source"], "kubelet/node-1");
  EXPECT_EQ(event["firstTimestamp"], "2023-06-21T09:00:00Z");
  EXPECT_EQ(event["timeSinceFirst"], "1h30m");
  EXPECT_EQ(keys(doc["mostRecentIssue"]),
            (std::set<std::string>{"reason", "message", "lastTimestamp"}));
  EXPECT_NE(failureEventsText(doc).find("[critical] ContainerCrash BackOff x10"), std::string::npos)
      << failureEventsText(doc);
}

TEST(DiagnoseDocuments, NamespaceErrorsHaveTheSpecsFields) {
  const auto now = kube::parseTime("2023-06-21T10:30:00Z");
  const json doc = namespaceErrorDocument(
      analysis::analyzeNamespaceErrors("default", {pod()}, {}, {backOff()}, now));
  EXPECT_EQ(keys(doc), (std::set<std::string>{"namespace", "analysisTime", "totalPodsAnalyzed",
                                              "problematicPodsCount", "healthyPodsCount",
                                              "restartThresholdUsed", "summary", "problematicPods",
                                              "criticalIssuesCount", "warningIssuesCount"}));
  ASSERT_EQ(doc["summary"].size(), 2U);
  EXPECT_EQ(keys(doc["summary"][0]),
            (std::set<std::string>{"issueType", "count", "description", "affectedPods"}));
  const json& problem = doc["problematicPods"][0];
  EXPECT_EQ(keys(problem),
            (std::set<std::string>{"name", "namespace", "ownerKind", "ownerName", "phase",
                                   "restartCount", "age", "issues", "recentEvents"}));
  EXPECT_EQ(problem["age"], "2h30m");
  EXPECT_EQ(keys(problem["issues"][0]),
            (std::set<std::string>{"type", "description", "severity", "details"}));
  EXPECT_EQ(keys(problem["recentEvents"][0]),
            (std::set<std::string>{"type", "reason", "message", "lastTimestamp", "count"}));
  EXPECT_EQ(doc["analysisTime"], "2023-06-21T10:30:00Z");
}

TEST(DiagnoseDocuments, HealthScoreDocumentCarriesComponentsAndEvidence) {
  const auto now = kube::parseTime("2023-06-21T10:30:00Z");
  const json doc = healthScoreDocument(analysis::scorePodHealth(pod(), {backOff()}, now));
  EXPECT_EQ(keys(doc), (std::set<std::string>{"podName", "namespace", "phase", "evaluatedAt",
                                              "score", "status", "bands", "components"}));
  EXPECT_EQ(doc["evaluatedAt"], "2023-06-21T10:30:00Z");
  EXPECT_EQ(doc["bands"], (json{{"healthy", 80}, {"degraded", 50}, {"unhealthy", 25}}));
  EXPECT_EQ(keys(doc["components"]),
            (std::set<std::string>{"restarts", "containerStates", "conditions", "warningEvents"}));
  for (const auto& [name, component] : doc["components"].items()) {
    EXPECT_EQ(keys(component),
              (std::set<std::string>{"score", "weight", "weightedScore", "evidence"}))
        << name;
  }
  // The pod: 15 restarts over 2h30m (6 per hour), CrashLoopBackOff, no conditions, one Warning
  // event 5 minutes ago. Restarts 100 − 50 − 50 = 0; states 0; conditions 0; events 75.
  const json& restarts = doc["components"]["restarts"];
  EXPECT_EQ(restarts["weight"], 30);
  EXPECT_EQ(restarts["score"], 0);
  EXPECT_EQ(restarts["evidence"]["restartCount"], 15);
  EXPECT_EQ(restarts["evidence"]["restartsPerHour"], 6.0);
  EXPECT_EQ(restarts["evidence"]["podAge"], "2h30m");
  EXPECT_EQ(restarts["evidence"]["podAgeSeconds"], 9000);
  const json& container = doc["components"]["containerStates"]["evidence"]["containers"][0];
  EXPECT_EQ(container, (json{{"name", "main"},
                             {"init", false},
                             {"state", "waiting"},
                             {"reason", "CrashLoopBackOff"},
                             {"exitCode", nullptr},
                             {"ready", false},
                             {"restartCount", 15},
                             {"score", 0}}));
  const json& conditions = doc["components"]["conditions"]["evidence"]["conditions"];
  ASSERT_EQ(conditions.size(), 3U);
  EXPECT_TRUE(conditions[0]["status"].is_null());
  const json& warnings = doc["components"]["warningEvents"];
  EXPECT_EQ(warnings["weight"], 15);
  EXPECT_EQ(warnings["score"], 75);
  EXPECT_EQ(warnings["weightedScore"], 11.25);
  EXPECT_EQ(warnings["evidence"]["windowSeconds"], 3600);
  EXPECT_EQ(warnings["evidence"]["warningEvents"], 1);
  EXPECT_EQ(warnings["evidence"]["occurrences"], 10);
  EXPECT_EQ(warnings["evidence"]["events"][0]["lastTimestamp"], "2023-06-21T10:25:00Z");
  EXPECT_EQ(doc["score"], (75 * 15 + 50) / 100);  // 11
  EXPECT_EQ(doc["status"], "critical");
  const std::string text = healthScoreText(doc);
  EXPECT_NE(text.find("Health of default/app-1-xyz: 11/100 (critical), phase Running"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("main: waiting CrashLoopBackOff"), std::string::npos) << text;
  EXPECT_NE(text.find("BackOff x10 at 2023-06-21T10:25:00Z"), std::string::npos) << text;
}

TEST(DiagnoseDocuments, TextToleratesMissingFields) {
  for (const json& doc : {json::object(), json{{"failureEvents", 3}}, json{{"summary", "x"}}}) {
    EXPECT_FALSE(failureEventsText(doc).empty());
    EXPECT_FALSE(namespaceErrorText(doc).empty());
    EXPECT_FALSE(schedulingText(doc).empty());
    EXPECT_FALSE(resourcesText(doc).empty());
    EXPECT_FALSE(healthScoreText(doc).empty());
  }
  EXPECT_FALSE(healthScoreText(json{{"components", {{"restarts", 1}}}}).empty());
}

}  // namespace
}  // namespace keelson::docs
