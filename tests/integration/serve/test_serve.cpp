// `keelson serve` against the test control plane: readiness, /metrics through promtool, 404s,
// the resources endpoint, the scheduling endpoint of a pending pod compared with
// kube-scheduler's own FailedScheduling counts, and a graceful stop on SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "analysis/scheduling.h"
#include "common/prerequisite.h"
#include "common/test_env.h"
#include "support/serve_process.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class Serve : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    if (!findTestCluster(cluster_, why)) return;
    serve_.start(cluster_, {"--host-refresh", "5s"});
  }

  static void TearDownTestSuite() { serve_.kill(); }

  void SetUp() override {
    if (cluster_.kubectl.empty()) KEELSON_MISSING_PREREQUISITE("no test cluster");
    ASSERT_GT(serve_.pid(), 0) << "keelson serve is not running";
  }

  static HttpAnswer get(const std::string& path) { return serve_.get(path); }
  static HttpAnswer waitFor(const std::string& path, int status,
                            std::chrono::seconds timeout = 60s) {
    return serve_.waitFor(path, status, timeout);
  }

  static TestCluster cluster_;
  static ServeProcess serve_;
};

TestCluster Serve::cluster_;
ServeProcess Serve::serve_;

TEST_F(Serve, HealthAndReadiness) {
  EXPECT_EQ(waitFor("/healthz", 200).status, 200);
  const HttpAnswer ready = waitFor("/readyz", 200);
  ASSERT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(json::parse(ready.body)["data"]["status"], "ready");
}

TEST_F(Serve, MetricsPassPromtool) {
  ASSERT_EQ(waitFor("/readyz", 200).status, 200);
  get("/api/v1/pods/nowhere/nothing/resources");  // one request series at least
  const auto check =
      run({"sh", "-c",
           "curl -sS --max-time 10 http://127.0.0.1:" + std::to_string(serve_.port()) +
               "/metrics | promtool check metrics"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  const HttpAnswer metrics = get("/metrics");
  EXPECT_NE(metrics.body.find("keelson_cache_objects{resource=\"pods\"}"), std::string::npos);
  EXPECT_NE(metrics.body.find("keelson_informer_watch_restarts_total{resource=\"nodes\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("keelson_informer_handler_errors_total{resource=\"pods\"} 0"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("keelson_http_requests_total"), std::string::npos);
  // The cluster gauge agrees with kubectl.
  const auto nodes = cluster_.kubectlJson({"get", "nodes", "-o", "json"});
  EXPECT_NE(metrics.body.find("keelson_cluster_nodes " + std::to_string(nodes["items"].size())),
            std::string::npos)
      << metrics.body;
}

TEST_F(Serve, UnknownPodIs404) {
  ASSERT_EQ(waitFor("/readyz", 200).status, 200);
  const HttpAnswer answer = get("/api/v1/pods/nowhere/nothing/scheduling");
  ASSERT_EQ(answer.status, 404) << answer.body;
  const json doc = json::parse(answer.body);
  EXPECT_EQ(doc["error"]["code"], "RESOURCE_NOT_FOUND");
  EXPECT_FALSE(doc["metadata"]["requestId"].get<std::string>().empty());
  EXPECT_EQ(get("/api/v1/nope").status, 404);
  EXPECT_EQ(get("/api/v1/pods/ns").status, 404);
  EXPECT_EQ(get("/api/v1/pods/ns/pod/unknown").status, 404);
  // Names Kubernetes would reject are the caller's mistake, not a missing pod.
  for (const std::string bad : {"/api/v1/pods/a%2Fb/c/resources", "/api/v1/pods/ns/%zz/scheduling",
                                "/api/v1/pods/Upper/web/resources"}) {
    const HttpAnswer rejected = get(bad);
    EXPECT_EQ(rejected.status, 400) << bad << ": " << rejected.body;
    if (rejected.status == 400) {
      EXPECT_EQ(json::parse(rejected.body)["error"]["code"], "BAD_REQUEST");
    }
  }
}

TEST_F(Serve, PendingPodMatchesTheScheduler) {
  ASSERT_EQ(waitFor("/readyz", 200).status, 200);
  const std::string ns = uniqueName("serve");
  cluster_.kubectlOk({"create", "namespace", ns});
  // Three kinds of node, so the scheduler's message has three reasons: plain (Insufficient
  // cpu), tainted (untolerated taint) and cordoned (unschedulable).
  const std::vector<std::string> nodes = {ns + "-plain", ns + "-tainted", ns + "-cordoned"};
  const std::string add_node = keelson::testing::sourceDir() + "/test/cluster/add-node";
  EXPECT_EQ(run({add_node, nodes[0], "--cpu", "2", "--label", "keelson-serve-test=1"}).exit_code,
            0);
  EXPECT_EQ(run({add_node, nodes[1], "--cpu", "2", "--label", "keelson-serve-test=1", "--taint",
                 "dedicated=db:NoSchedule"})
                .exit_code,
            0);
  EXPECT_EQ(run({add_node, nodes[2], "--cpu", "2", "--label", "keelson-serve-test=1"}).exit_code,
            0);
  cluster_.kubectlOk({"cordon", nodes[2]});
  // More cpu than any node has: every node fails, each at its first failing filter.
  const json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", {{"name", "big"}, {"namespace", ns}}},
      {"spec",
       {{"containers", json::array({{{"name", "app"},
                                     {"image", "registry.example.com/app:1"},
                                     {"resources",
                                      {{"requests", {{"cpu", "1000"}, {"memory", "1Gi"}}},
                                       {"limits", {{"memory", "2Gi"}}}}}}})}}}};
  cluster_.apply(pod.dump());

  // Wait until the cache has the scheduler's FailedScheduling event.
  const std::string path = "/api/v1/pods/" + ns + "/big/scheduling";
  json data;
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (std::chrono::steady_clock::now() < deadline) {
    const HttpAnswer answer = get(path);
    if (answer.status == 200) {
      data = json::parse(answer.body)["data"];
      if (data["schedulerMessage"].is_object() && data["schedulerMessage"]["source"] == "event") {
        break;
      }
    }
    std::this_thread::sleep_for(500ms);
  }
  ASSERT_TRUE(data.is_object() && data["schedulerMessage"].is_object()) << data.dump(2);
  EXPECT_EQ(data["status"], "Pending");

  // The scheduler's message, read independently through kubectl.
  const auto events = cluster_.kubectlJson(
      {"get", "events", "-n", ns, "--field-selector", "reason=FailedScheduling", "-o", "json"});
  ASSERT_FALSE(events["items"].empty());
  const auto parsed =
      analysis::parseFailedSchedulingMessage(events["items"].back()["message"].get<std::string>());
  ASSERT_TRUE(parsed.valid) << events["items"].back()["message"];
  EXPECT_GE(parsed.categories.size(), 3U) << events["items"].back()["message"];

  std::map<std::string, int> keelson_counts;
  for (const auto& entry : data["failureSummary"]) {
    keelson_counts[analysis::normalizeSchedulingCategory(entry["reason"].get<std::string>())] =
        entry["count"].get<int>();
    EXPECT_EQ(entry["nodes"].size(), entry["count"].get<std::size_t>()) << entry.dump();
  }
  EXPECT_EQ(keelson_counts, parsed.categories) << data.dump(2);
  EXPECT_EQ(data["totalNodes"].get<int>(), parsed.total_nodes);
  EXPECT_EQ(data["schedulerMessage"]["totalNodes"].get<int>(), parsed.total_nodes);
  EXPECT_FALSE(data["failureCategories"].empty());

  const HttpAnswer resources = get("/api/v1/pods/" + ns + "/big/resources");
  ASSERT_EQ(resources.status, 200) << resources.body;
  const json total = json::parse(resources.body)["data"]["total"];
  EXPECT_EQ(total["cpuRequest"], "1k");
  EXPECT_EQ(total["memoryRequest"], "1Gi");
  EXPECT_EQ(total["memoryLimit"], "2Gi");
  EXPECT_TRUE(total["cpuLimit"].is_null());

  // The answer follows a node change: a pod no scheduler handles (no events of its own) waits
  // while the third node is uncordoned; then that node fails it for lack of cpu like the plain
  // one. (The big pod goes first: the scheduler's retries would add events.)
  const auto category_of = [](const json& doc, const std::string& node) {
    if (!doc.is_object() || !doc.contains("failureSummary")) return std::string();
    for (const auto& entry : doc["failureSummary"]) {
      for (const auto& name : entry["nodes"]) {
        if (name == node) return entry["category"].get<std::string>();
      }
    }
    return std::string();
  };
  const std::string no_cpu = category_of(data, nodes[0]);
  ASSERT_FALSE(no_cpu.empty()) << data.dump(2);
  cluster_.kubectlOk({"delete", "pod", "-n", ns, "big", "--wait=true"});
  json orphan = pod;
  orphan["metadata"]["name"] = "orphan";
  orphan["spec"]["schedulerName"] = "keelson-test-no-scheduler";
  cluster_.apply(orphan.dump());
  const std::string orphan_path = "/api/v1/pods/" + ns + "/orphan/scheduling";
  const auto orphan_document = [&] {
    const HttpAnswer answer = get(orphan_path);
    return answer.status == 200 ? json::parse(answer.body)["data"] : json();
  };
  json cordoned;
  for (int i = 0; i < 40 && category_of(cordoned, nodes[2]).empty(); ++i) {
    cordoned = orphan_document();
    std::this_thread::sleep_for(250ms);
  }
  ASSERT_FALSE(category_of(cordoned, nodes[2]).empty()) << cordoned.dump(2);
  EXPECT_NE(category_of(cordoned, nodes[2]), no_cpu) << cordoned.dump(2);
  cluster_.kubectlOk({"uncordon", nodes[2]});
  json uncordoned;
  for (int i = 0; i < 40 && category_of(uncordoned, nodes[2]) != no_cpu; ++i) {
    uncordoned = orphan_document();
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_EQ(category_of(uncordoned, nodes[2]), no_cpu) << uncordoned.dump(2);

  // A pod the scheduler can place (on the plain node): the endpoint names its node and why.
  const json small = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", {{"name", "small"}, {"namespace", ns}}},
      {"spec",
       {{"nodeSelector", {{"kubernetes.io/hostname", nodes[0]}}},
        {"containers", json::array({{{"name", "app"},
                                     {"image", "registry.example.com/app:1"},
                                     {"resources", {{"requests", {{"cpu", "100m"}}}}}}})}}}};
  cluster_.apply(small.dump());
  cluster_.kubectlOk(
      {"wait", "-n", ns, "--for=jsonpath={.status.phase}=Running", "pod/small", "--timeout=60s"});
  json scheduled;
  for (int i = 0; i < 40; ++i) {
    const HttpAnswer answer = get("/api/v1/pods/" + ns + "/small/scheduling");
    if (answer.status == 200) scheduled = json::parse(answer.body)["data"];
    if (scheduled.value("status", "") == "Scheduled") break;
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_EQ(scheduled["status"], "Scheduled") << scheduled.dump(2);
  EXPECT_EQ(scheduled["nodeName"], nodes[0]);
  EXPECT_FALSE(scheduled["schedulingReasons"].empty()) << scheduled.dump(2);

  run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "namespace", ns,
       "--wait=false"});
  for (const auto& node : nodes) {
    run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "node", node,
         "--ignore-not-found"});
  }
}

TEST_F(Serve, ClusterAndHost) {
  ASSERT_EQ(waitFor("/readyz", 200).status, 200);
  const HttpAnswer cluster = get("/api/v1/cluster");
  ASSERT_EQ(cluster.status, 200) << cluster.body;
  const auto nodes = cluster_.kubectlJson({"get", "nodes", "-o", "json"});
  EXPECT_EQ(json::parse(cluster.body)["data"]["nodes"].size(), nodes["items"].size());
  const HttpAnswer host = waitFor("/api/v1/host", 200, 30s);
  ASSERT_EQ(host.status, 200) << host.body;
  EXPECT_TRUE(json::parse(host.body)["data"].contains("timestamp"));
  // Once a capture exists, /metrics carries the host gauges and still passes promtool.
  EXPECT_NE(get("/metrics").body.find("keelson_host_memory_total_bytes "), std::string::npos);
  const auto check =
      run({"sh", "-c",
           "curl -sS --max-time 10 http://127.0.0.1:" + std::to_string(serve_.port()) +
               "/metrics | promtool check metrics"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

// Kill the API server: keelson keeps answering from the cache and stays ready while the cache is
// younger than --max-staleness (every answer says how old it is); a replica with a short
// --max-staleness turns 503. Once the API server is back the cache converges.
TEST_F(Serve, SurvivesApiServerRestart) {
  ServeProcess strict;
  ASSERT_TRUE(strict.start(cluster_, {"--no-host", "--max-staleness", "3s"}));
  ASSERT_EQ(waitFor("/readyz", 200).status, 200);
  ASSERT_EQ(strict.waitFor("/readyz", 200).status, 200);
  const std::string ctl = keelson::testing::sourceDir() + "/tests/integration/serve/apiserver-ctl";
  const std::size_t node_count =
      cluster_.kubectlJson({"get", "nodes", "-o", "json"})["items"].size();
  EXPECT_EQ(json::parse(get("/api/v1/cluster").body)["metadata"]["cacheAge"], 0.0);
  const auto killed_at = std::chrono::steady_clock::now();
  const auto killed = run({ctl, "kill"});
  ASSERT_EQ(killed.exit_code, 0) << killed.err;

  const HttpAnswer not_ready = strict.waitFor("/readyz", 503, 20s);
  EXPECT_EQ(not_ready.status, 503) << "--max-staleness 3s: still ready 20 s after the API "
                                      "server died";
  EXPECT_NE(not_ready.body.find("max staleness 3s"), std::string::npos) << not_ready.body;
  std::cout << "readyz 503 (max staleness 3s) after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - killed_at)
                   .count()
            << " ms\n";
  // The default replica (5m) stays ready and answers from its cache, saying how old it is.
  const HttpAnswer still_ready = get("/readyz");
  EXPECT_EQ(still_ready.status, 200) << still_ready.body;
  const HttpAnswer cached = get("/api/v1/cluster");
  ASSERT_EQ(cached.status, 200) << cached.body;
  EXPECT_EQ(json::parse(cached.body)["data"]["nodes"].size(), node_count);
  EXPECT_GT(json::parse(cached.body)["metadata"]["cacheAge"].get<double>(), 0.0) << cached.body;
  const std::string metrics = get("/metrics").body;
  EXPECT_NE(metrics.find("keelson_cache_staleness_seconds "), std::string::npos);
  EXPECT_EQ(metrics.find("keelson_cache_staleness_seconds 0\n"), std::string::npos) << metrics;
  strict.kill();

  const auto started = run({ctl, "start"});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "get", "--raw", "/readyz"})
                 .exit_code != 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(500ms);
  }
  // Changes made after the restart reach the cache: a new namespace with a pod, and a pod that
  // existed before the outage deleted.
  const std::string ns = uniqueName("serve-back");
  cluster_.kubectlOk({"create", "namespace", ns});
  // Pods need the namespace's default service account, which the controller-manager creates.
  cluster_.kubectlOk({"-n", ns, "wait", "--for=create", "serviceaccount/default", "--timeout=60s"});
  cluster_.kubectlOk({"-n", ns, "run", "after", "--image=registry.example.com/app:1"});
  cluster_.kubectlOk({"-n", ns, "run", "doomed", "--image=registry.example.com/app:1"});
  cluster_.kubectlOk({"-n", ns, "delete", "pod", "doomed", "--wait=false"});
  const HttpAnswer ready = waitFor("/readyz", 200, 60s);
  EXPECT_EQ(ready.status, 200) << ready.body;
  // Converged: keelson's pods and nodes are exactly those of a fresh list (no missing or extra
  // objects). Terminating objects of earlier tests may still change: compare fresh sets each round.
  std::set<std::string> expected;
  std::set<std::string> cached_objects;
  for (int i = 0; i < 60 && (expected.empty() || expected != cached_objects); ++i) {
    if (i > 0) std::this_thread::sleep_for(500ms);
    expected.clear();
    cached_objects.clear();
    // (Named: a range-for over a member of a temporary would dangle.)
    const json pods = cluster_.kubectlJson({"get", "pods", "-A", "-o", "json"});
    const json nodes = cluster_.kubectlJson({"get", "nodes", "-o", "json"});
    // The counts too: /api/v1/cluster takes them from totals the informer's handlers keep
    // through the outage's relist, so they must match a fresh list as well.
    std::map<std::string, int> phases;
    std::map<std::string, int> bound;  // non-terminated pods by node
    for (const auto& pod : pods["items"]) {
      expected.insert("pod " + pod["metadata"]["namespace"].get<std::string>() + "/" +
                      pod["metadata"]["name"].get<std::string>());
      const std::string phase = pod["status"].value("phase", "Unknown");
      ++phases[phase];
      if (phase != "Succeeded" && phase != "Failed") ++bound[pod["spec"].value("nodeName", "")];
    }
    expected.insert("total_pods " + std::to_string(pods["items"].size()));
    for (const auto& [phase, count] : phases) {
      expected.insert("phase " + phase + " " + std::to_string(count));
    }
    for (const auto& node : nodes["items"]) {
      const std::string name = node["metadata"]["name"];
      expected.insert("node " + name);
      expected.insert("node " + name + " pods " + std::to_string(bound[name]));
    }
    const HttpAnswer answer = get("/api/v1/cluster?allNamespaces=true");
    if (answer.status != 200) continue;
    const json data = json::parse(answer.body)["data"];
    for (const auto& pod : data["pods"]) {
      cached_objects.insert("pod " + pod["namespace"].get<std::string>() + "/" +
                            pod["name"].get<std::string>());
    }
    for (const auto& node : data["nodes"]) {
      cached_objects.insert("node " + node["name"].get<std::string>());
      cached_objects.insert("node " + node["name"].get<std::string>() + " pods " +
                            std::to_string(node["pods"].get<int>()));
    }
    cached_objects.insert("total_pods " +
                          std::to_string(data["cluster_health"]["total_pods"].get<int>()));
    for (const auto& [phase, count] : data["cluster_health"]["pods_by_phase"].items()) {
      cached_objects.insert("phase " + phase + " " + std::to_string(count.get<int>()));
    }
  }
  EXPECT_EQ(cached_objects, expected);
  EXPECT_TRUE(expected.count("pod " + ns + "/after"));
  run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "namespace", ns,
       "--wait=false"});
}

// Last: SIGTERM stops the server cleanly with exit status 0.
TEST_F(Serve, StopsOnSigterm) {
  // Ready means the signal handling is in place (run alone, the process may just have started).
  ASSERT_EQ(waitFor("/readyz", 200).status, 200);
  const int status = serve_.signalAndWait(SIGTERM, 20s);
  ASSERT_NE(status, -1) << "keelson serve did not stop within 20 s of SIGTERM";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace keelson::testing
