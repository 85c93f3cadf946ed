// `keelson serve`'s documents: the spec's categories, pod resources, scheduling, readiness; the
// lanes of the pod routes.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "api/routes.h"
#include "docs/pod_documents.h"
#include "kube/decode.h"
#include "serve_router.h"

namespace keelson::api {
namespace {

using nlohmann::json;

kube::Pod pod(const json& spec, std::string uid = "u-1") {
  return kube::decodeObject<kube::Pod>(json{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", "web"},
        {"namespace", "shop"},
        {"uid", uid},
        {"creationTimestamp", "2024-01-15T10:00:00Z"}}},
      {"spec", spec},
      {"status", {{"phase", "Pending"}}}}.dump());
}

kube::Event event(std::string reason, std::string message, std::string uid,
                  std::string last = "2024-01-15T10:05:00Z") {
  return kube::decodeObject<kube::Event>(json{
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", "web." + reason + uid + last}, {"namespace", "shop"}}},
      {"involvedObject", {{"kind", "Pod"}, {"namespace", "shop"}, {"name", "web"}, {"uid", uid}}},
      {"reason", reason},
      {"message", message},
      {"type", "Warning"},
      {"count", 3},
      {"firstTimestamp", "2024-01-15T10:00:00Z"},
      {"lastTimestamp", last}}.dump());
}

TEST(SpecFailureCategory, MapsEverySchedulerWording) {
  EXPECT_EQ(docs::specFailureCategory("Insufficient cpu"), "InsufficientCPU");
  EXPECT_EQ(docs::specFailureCategory("Insufficient memory"), "InsufficientMemory");
  EXPECT_EQ(docs::specFailureCategory("Insufficient ephemeral-storage"), "InsufficientStorage");
  EXPECT_EQ(docs::specFailureCategory("Insufficient example.com/gpu"), "InsufficientResources");
  EXPECT_EQ(docs::specFailureCategory("Too many pods"), "InsufficientResources");
  EXPECT_EQ(
      docs::specFailureCategory("node(s) had taint {dedicated: db}, that the pod didn't tolerate"),
      "TaintTolerationMismatch");
  EXPECT_EQ(docs::specFailureCategory("node(s) had untolerated taint {dedicated: db}"),
            "TaintTolerationMismatch");
  EXPECT_EQ(docs::specFailureCategory("node(s) didn't match node selector"),
            "NodeAffinityNotMatch");
  EXPECT_EQ(docs::specFailureCategory("node(s) didn't match pod anti-affinity rules"),
            "PodAffinityConflict");
  EXPECT_EQ(docs::specFailureCategory("node(s) had volume node affinity conflict"),
            "VolumeNodeAffinityConflict");
  EXPECT_EQ(docs::specFailureCategory("pod has unbound immediate PersistentVolumeClaims"),
            "VolumeAttachmentError");
  EXPECT_EQ(docs::specFailureCategory("node(s) were unschedulable"), "NodeUnschedulable");
  EXPECT_EQ(docs::specFailureCategory("node(s) didn't have free ports for the requested pod ports"),
            "HostPortConflict");
  EXPECT_EQ(docs::specFailureCategory("node(s) didn't match pod topology spread constraints"),
            "TopologySpreadConflict");
  EXPECT_EQ(docs::specFailureCategory("something new"), "Miscellaneous");
}

TEST(ResourcesDocument, UsesTheSchedulersRuleForTotals) {
  // Sidecar 50m first, then an ordinary init container of 500m: init = 500m + 50m = 550m, which
  // beats the app container plus the sidecar (100m + 50m), so the pod requests 550m.
  const kube::Pod p =
      pod({{"initContainers", json::array({{{"name", "proxy"},
                                            {"image", "envoy"},
                                            {"restartPolicy", "Always"},
                                            {"resources", {{"requests", {{"cpu", "50m"}}}}}},
                                           {{"name", "migrate"},
                                            {"image", "tool"},
                                            {"resources", {{"requests", {{"cpu", "500m"}}}}}}})},
           {"containers", json::array({{{"name", "app"},
                                        {"image", "nginx"},
                                        {"resources",
                                         {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}},
                                          {"limits", {{"cpu", "200m"}}}}}}})}});
  const json doc = docs::resourcesDocument(p);
  EXPECT_EQ(doc["containers"][0]["name"], "app");
  EXPECT_EQ(doc["containers"][0]["requests"]["memory"], "128Mi");
  EXPECT_EQ(doc["initContainers"][0]["sidecar"], true);
  EXPECT_EQ(doc["initContainers"][1]["sidecar"], false);
  EXPECT_EQ(doc["total"]["cpuRequest"], "550m");
  EXPECT_EQ(doc["total"]["memoryRequest"], "128Mi");
  EXPECT_TRUE(doc["total"]["memoryLimit"].is_null());
  EXPECT_EQ(doc["requests"]["cpu"], "550m");
}

TEST(ResourcesDocument, NoRequestsAreZero) {
  const json doc = docs::resourcesDocument(pod({{"containers", json::array({{{"name", "a"}}})}}));
  EXPECT_EQ(doc["total"]["cpuRequest"], "0");
  EXPECT_TRUE(doc["total"]["cpuLimit"].is_null());
}

TEST(PodEvents, KeepsThisPodsEventsOnlyOldestFirst) {
  const kube::Pod p = pod({{"containers", json::array({{{"name", "a"}}})}}, "u-2");
  const std::vector<kube::Event> events = {
      event("FailedScheduling", "new", "u-2", "2024-01-15T10:09:00Z"),
      event("FailedScheduling", "predecessor", "u-1"),
      event("FailedScheduling", "old", "u-2", "2024-01-15T10:01:00Z")};
  const auto mine = docs::podEvents(p, events);
  ASSERT_EQ(mine.size(), 2U);
  EXPECT_EQ(mine[0].message, "old");
  EXPECT_EQ(mine[1].message, "new");
}

TEST(SchedulingDocument, CountsEachNodeOncePerCountedReason) {
  const kube::Pod p = pod({{"containers", json::array({{{"name", "a"}}})}});
  analysis::SchedulingAnalysis a;
  a.total_nodes = 3;
  a.feasible_nodes = 1;
  a.failure_categories = {{"Insufficient cpu", 1}, {"node(s) had untolerated taint(s)", 1}};
  a.failure_summary = "0/3 nodes are available: ...";
  a.nodes = {{"n1",
              false,
              {{"NodeResourcesFit", "Insufficient cpu",
                "Insufficient cpu: requested 2, free 1 of 4", true},
               {"NodeResourcesFit", "Insufficient memory", "Insufficient memory: ...", true}}},
             {"n2",
              false,
              {{"TaintToleration", "node(s) had untolerated taint(s)", "taint a=b", true},
               {"NodeResourcesFit", "Insufficient cpu", "Insufficient cpu: ...", false}}},
             {"n3", true, {}}};
  a.failure_categories["Insufficient memory"] = 1;
  const json doc = docs::schedulingDocument(
      p, a,
      {event("FailedScheduling",
             "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had taint {a: b}, that the "
             "pod didn't tolerate.",
             "u-1")});
  EXPECT_EQ(doc["status"], "Pending");
  EXPECT_EQ(doc["failureCategories"],
            json::array({"InsufficientCPU", "InsufficientMemory", "TaintTolerationMismatch"}));
  ASSERT_EQ(doc["failureSummary"].size(), 3U);
  EXPECT_EQ(doc["failureSummary"][0]["reason"], "Insufficient cpu");
  EXPECT_EQ(doc["failureSummary"][0]["nodes"], json::array({"n1"}));  // n2's is not counted
  ASSERT_EQ(doc["unschedulableNodes"].size(), 2U);
  EXPECT_EQ(doc["unschedulableNodes"][0]["insufficientResources"].size(), 2U);
  EXPECT_EQ(doc["schedulerMessage"]["source"], "event");
  EXPECT_EQ(doc["schedulerMessage"]["totalNodes"], 3);
  EXPECT_EQ(doc["schedulerMessage"]["categories"]["node(s) had untolerated taint(s)"], 1);
  EXPECT_EQ(doc["schedulingEvents"].size(), 1U);
}

TEST(ReadinessReasons, NeedsEverySyncedAndNoneTooStale) {
  const auto now = std::chrono::system_clock::now();
  kube::InformerStatus pods;
  pods.resource = "pods";
  pods.has_synced = true;
  pods.last_contact = now;
  kube::InformerStatus nodes = pods;
  nodes.resource = "nodes";
  EXPECT_TRUE(readinessReasons({pods, nodes}, now).empty());
  nodes.has_synced = false;
  ASSERT_EQ(readinessReasons({pods, nodes}, now).size(), 1U);
  EXPECT_NE(readinessReasons({pods, nodes}, now)[0].find("nodes: not synced"), std::string::npos);
  nodes.has_synced = true;
  pods.consecutive_failures = 2;
  pods.last_error = "connection refused";
  pods.last_contact = now - std::chrono::seconds(7);
  pods.last_failure = now - std::chrono::seconds(1);
  pods.failing_since = now - std::chrono::seconds(6);
  // The API server is away, but a 6 s old cache is younger than the default 5 min: still ready,
  // and its age is known.
  EXPECT_TRUE(readinessReasons({pods, nodes}, now).empty());
  EXPECT_EQ(cacheAge({pods, nodes}, now), std::chrono::milliseconds(6000));
  ReadinessPolicy strict;
  strict.max_staleness = std::chrono::seconds(5);
  const auto reasons = readinessReasons({pods, nodes}, now, strict);
  ASSERT_EQ(reasons.size(), 1U);
  EXPECT_NE(reasons[0].find("pods: cache 6s old (max staleness 5s)"), std::string::npos)
      << reasons[0];
  EXPECT_NE(reasons[0].find("connection refused"), std::string::npos);
  nodes.has_synced = false;
  EXPECT_EQ(cacheAge({pods, nodes}, now), std::nullopt);
}

TEST(ReadinessReasons, ARetryThatDidNotFailIsConnected) {
  const auto now = std::chrono::system_clock::now();
  kube::InformerStatus events;
  events.resource = "events";
  events.has_synced = true;
  events.consecutive_failures = 2;  // backoff for 2 failures: at most 1 s (initial 500 ms)
  events.last_contact = now - std::chrono::seconds(90);
  events.failing_since = now - std::chrono::seconds(89);
  ReadinessPolicy policy;
  policy.grace = std::chrono::seconds(12);
  policy.max_staleness = std::chrono::seconds(60);
  events.last_failure = now - std::chrono::seconds(12);
  EXPECT_EQ(readinessReasons({events}, now, policy).size(), 1U);  // 12 s <= 1 s + 12 s
  EXPECT_EQ(informerStaleness(events, now, policy), std::chrono::milliseconds(89000));
  events.last_failure = now - std::chrono::seconds(14);
  EXPECT_TRUE(readinessReasons({events}, now, policy).empty());  // the retry is a live watch
  EXPECT_EQ(informerStaleness(events, now, policy), std::chrono::milliseconds(0));
  // A contact after the failure means the failure is over, whatever the counter says.
  events.last_failure = now - std::chrono::seconds(1);
  events.last_contact = now;
  EXPECT_TRUE(readinessReasons({events}, now, policy).empty());
}

// The pod routes read the cache on the I/O thread (Lane::kQuick), except those that list the
// pod's events from the API server: in node mode, where the cache holds no events.
TEST(ServeRoutes, PodRoutesThatCallTheApiServerRunOnTheWorkers) {
  kube::ClusterConfig config;
  config.server = "https://127.0.0.1:1";  // never contacted: the caches are not started
  const kube::Client client(config);
  const kube::ClusterCache cluster(client);
  kube::ClusterCacheOptions node_options;
  node_options.node_name = "node-1";
  const kube::ClusterCache node(client, node_options);
  const auto lanes = [](const server::Router& router) {
    std::map<std::string, server::Lane> out;
    for (const auto& route : router.routes()) out[route.pattern] = route.lane;
    return out;
  };
  const auto in_cluster = lanes(testing::serveRouter(cluster));
  const auto in_node = lanes(testing::serveRouter(node));
  for (const std::string route : {"describe", "failure-events", "health-score"}) {
    const std::string pattern = "/api/v1/pods/{ns}/{pod}/" + route;
    EXPECT_EQ(in_cluster.at(pattern), server::Lane::kQuick) << pattern;
    EXPECT_EQ(in_node.at(pattern), server::Lane::kStandard) << pattern;
  }
  for (const std::string route : {"resources", "scheduling", "scheduling/explain"}) {
    const std::string pattern = "/api/v1/pods/{ns}/{pod}/" + route;
    EXPECT_EQ(in_cluster.at(pattern), server::Lane::kQuick) << pattern;
    EXPECT_EQ(in_node.at(pattern), server::Lane::kQuick) << pattern;
  }
}

}  // namespace
}  // namespace keelson::api
