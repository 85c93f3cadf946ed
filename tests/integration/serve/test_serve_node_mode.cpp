// `keelson serve --node N` (node mode, the DaemonSet) against the test control plane: it caches
// exactly kubectl's field-selected view of N's pods and N itself and nothing else, /readyz waits
// for those two informers only, the routes that need the whole cluster answer 409 naming node
// mode, a pod's events are listed on demand, the cluster gauges are exported by the cluster-wide
// agent only, and the DaemonSet's service account (deploy/manifests/20-node.yaml) is enough.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/prerequisite.h"
#include "common/test_env.h"
#include "support/serve_process.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class ServeNodeMode : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    if (!findTestCluster(cluster_, why)) return;
    for (const std::string& node : {node_, other_node_}) {
      ASSERT_EQ(run({sourceDir() + "/test/cluster/add-node", node, "--cpu", "4", "--memory", "8Gi"})
                    .exit_code,
                0);
    }
    cluster_.kubectlOk({"create", "namespace", namespace_});
    for (const auto& [pod, node] : {std::pair{"on-node-1", node_}, std::pair{"on-node-2", node_},
                                    std::pair{"elsewhere", other_node_}}) {
      cluster_.apply(
          json{{"apiVersion", "v1"},
               {"kind", "Pod"},
               {"metadata", {{"name", pod}, {"namespace", namespace_}}},
               {"spec",
                {{"nodeName", node},
                 {"containers",
                  json::array({{{"name", "app"}, {"image", "registry.example.com/app:1"}}})}}}}
              .dump());
    }
    node_mode_.start(cluster_, {"--no-host", "--node", node_});
    cluster_mode_.start(cluster_, {"--no-host"});
  }

  static void TearDownTestSuite() {
    node_mode_.kill();
    cluster_mode_.kill();
    if (cluster_.kubectl.empty()) return;
    run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "namespace", namespace_,
         "--wait=false"});
    run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "node", node_,
         other_node_, "--wait=false"});
  }

  void SetUp() override {
    if (cluster_.kubectl.empty()) KEELSON_MISSING_PREREQUISITE("no test cluster");
    ASSERT_GT(node_mode_.pid(), 0) << "keelson serve --node is not running";
    ASSERT_GT(cluster_mode_.pid(), 0) << "keelson serve is not running";
    const HttpAnswer ready = node_mode_.waitFor("/readyz", 200);
    ASSERT_EQ(ready.status, 200) << ready.body;
    ASSERT_EQ(cluster_mode_.waitFor("/readyz", 200).status, 200);
  }

  // The error document of a 409 from the node-mode agent at `path`.
  static void expectNodeModeError(const std::string& path) {
    const HttpAnswer answer = node_mode_.get(path);
    ASSERT_EQ(answer.status, 409) << path << ": " << answer.body;
    const json error = json::parse(answer.body)["error"];
    EXPECT_EQ(error["code"], "CONFLICT") << path;
    const std::string message = error.dump();
    EXPECT_NE(message.find("node mode (--node " + node_ + ")"), std::string::npos) << message;
    EXPECT_NE(message.find("cluster-wide keelson"), std::string::npos) << message;
  }

  static TestCluster cluster_;
  static ServeProcess node_mode_;
  static ServeProcess cluster_mode_;
  static const std::string namespace_;
  static const std::string node_;
  static const std::string other_node_;
};

TestCluster ServeNodeMode::cluster_;
ServeProcess ServeNodeMode::node_mode_;
ServeProcess ServeNodeMode::cluster_mode_;
const std::string ServeNodeMode::namespace_ = uniqueName("nodemode");
const std::string ServeNodeMode::node_ = uniqueName("nodemode-n");
const std::string ServeNodeMode::other_node_ = uniqueName("nodemode-m");

// The value of the first sample of `series` (e.g. `keelson_cache_objects{resource="pods"}`) in a
// Prometheus text body, or nullopt when there is none.
std::optional<double> sample(const std::string& body, const std::string& series) {
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

TEST_F(ServeNodeMode, CachesOnlyTheNodeAndItsPods) {
  // kubectl's own view through the same field selectors.
  const std::size_t pods = cluster_
                               .kubectlJson({"get", "pods", "-A", "--field-selector",
                                             "spec.nodeName=" + node_, "-o", "json"})["items"]
                               .size();
  const std::size_t nodes = cluster_
                                .kubectlJson({"get", "nodes", "--field-selector",
                                              "metadata.name=" + node_, "-o", "json"})["items"]
                                .size();
  ASSERT_EQ(pods, 2u);
  ASSERT_EQ(nodes, 1u);
  const std::string metrics = node_mode_.get("/metrics").body;
  EXPECT_EQ(sample(metrics, "keelson_cache_objects{resource=\"pods\"}"), pods) << metrics;
  EXPECT_EQ(sample(metrics, "keelson_cache_objects{resource=\"nodes\"}"), nodes) << metrics;
  // No other informer exists, so /readyz (200 above) waited for these two only.
  std::size_t informers = 0;
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    informers += line.starts_with("keelson_informer_synced{");
  }
  EXPECT_EQ(informers, 2u) << metrics;
  EXPECT_EQ(sample(metrics, "keelson_cache_objects{resource=\"events\"}"), std::nullopt);
  EXPECT_EQ(json::parse(node_mode_.get("/readyz").body)["data"]["status"], "ready");
}

TEST_F(ServeNodeMode, ClusterWideRoutesAnswerTheNodeModeError) {
  expectNodeModeError("/api/v1/cluster");
  expectNodeModeError("/api/v1/cluster/pod-issues");
  expectNodeModeError("/api/v1/namespace/" + namespace_ + "/error");
  expectNodeModeError("/api/v1/pods/" + namespace_ + "/on-node-1/scheduling");
  expectNodeModeError("/api/v1/pods/" + namespace_ + "/on-node-1/scheduling/explain");
  expectNodeModeError("/api/v1/nodes/" + other_node_ + "/utilization");
  // The cluster-wide agent answers them.
  EXPECT_EQ(cluster_mode_.get("/api/v1/cluster").status, 200);
  EXPECT_EQ(cluster_mode_.get("/api/v1/cluster/pod-issues").status, 200);
  EXPECT_EQ(cluster_mode_.get("/api/v1/namespace/" + namespace_ + "/error").status, 200);
}

TEST_F(ServeNodeMode, PodRoutesListThePodsEventsOnDemand) {
  const std::string uid = cluster_.kubectlJson(
      {"get", "pod", "on-node-1", "-n", namespace_, "-o", "json"})["metadata"]["uid"];
  cluster_.apply(json{
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", "on-node-1.test"}, {"namespace", namespace_}}},
      {"involvedObject",
       {{"kind", "Pod"}, {"name", "on-node-1"}, {"namespace", namespace_}, {"uid", uid}}},
      {"reason", "BackOff"},
      {"message", "node mode test event"},
      {"type",
       "Warning"}}.dump());
  const std::string pod = "/api/v1/pods/" + namespace_ + "/on-node-1";
  const HttpAnswer describe = node_mode_.get(pod + "/describe");
  ASSERT_EQ(describe.status, 200) << describe.body;
  const json events = json::parse(describe.body)["data"]["events"];
  ASSERT_EQ(events.size(), 1u) << events.dump();
  EXPECT_NE(events.dump().find("node mode test event"), std::string::npos) << events.dump();
  // The same document as the cluster-wide agent's, which reads its events informer.
  const HttpAnswer cluster_describe = cluster_mode_.waitFor(pod + "/describe", 200);
  EXPECT_EQ(json::parse(cluster_describe.body)["data"]["events"].size(), 1u)
      << cluster_describe.body;
  EXPECT_EQ(node_mode_.get(pod + "/failure-events").status, 200);
  EXPECT_EQ(node_mode_.get(pod + "/resources").status, 200);
  // A pod on another node is not this agent's: 404 saying so.
  const HttpAnswer elsewhere = node_mode_.get("/api/v1/pods/" + namespace_ + "/elsewhere/describe");
  EXPECT_EQ(elsewhere.status, 404);
  EXPECT_NE(elsewhere.body.find("caches only the pods of node '" + node_ + "'"), std::string::npos)
      << elsewhere.body;
}

TEST_F(ServeNodeMode, ClusterGaugesOnlyInClusterMode) {
  const std::string node_metrics = node_mode_.get("/metrics").body;
  EXPECT_EQ(node_metrics.find("keelson_cluster_"), std::string::npos) << node_metrics;
  // This node's own pods instead, labelled with its name (2 pods, kwok runs them).
  double node_pods = 0;
  for (const char* phase : {"Pending", "Running", "Succeeded", "Failed", "Unknown"}) {
    const auto value =
        sample(node_metrics, "keelson_node_pods{node=\"" + node_ + "\",phase=\"" + phase + "\"}");
    ASSERT_TRUE(value.has_value()) << phase << "\n" << node_metrics;
    node_pods += *value;
  }
  EXPECT_EQ(node_pods, 2);

  const std::string cluster_metrics = cluster_mode_.get("/metrics").body;
  const std::size_t nodes = cluster_.kubectlJson({"get", "nodes", "-o", "json"})["items"].size();
  EXPECT_EQ(sample(cluster_metrics, "keelson_cluster_nodes"), nodes) << cluster_metrics;
  EXPECT_TRUE(sample(cluster_metrics, "keelson_cluster_namespaces").has_value());
  EXPECT_TRUE(sample(cluster_metrics, "keelson_cluster_pods{phase=\"Running\"}").has_value());
  EXPECT_EQ(cluster_metrics.find("keelson_node_pods"), std::string::npos);
}

// The shipped keelson-node service account (the DaemonSet's, deploy/manifests/20-node.yaml) is
// enough for node mode: every informer syncs, a pod's events are listed, node metrics are read;
// it may not read the kinds only the cluster-wide agent watches.
TEST_F(ServeNodeMode, DaemonSetRbacIsEnough) {
  cluster_.apply(cluster_.shippedObjects("00-namespace.yaml", {"Namespace"}));
  cluster_.apply(cluster_.shippedObjects("20-node.yaml",
                                         {"ServiceAccount", "ClusterRole", "ClusterRoleBinding"}));
  std::string token;
  const TestCluster as_agent = cluster_.asServiceAccount("keelson", "keelson-node", token);
  ASSERT_FALSE(token.empty());
  const auto can_i = [&](const std::string& verb, const std::string& resource) {
    return run({cluster_.kubectl, "--kubeconfig", as_agent.kubeconfig, "auth", "can-i", verb,
                resource, "-A"})
        .out.substr(0, 2);
  };
  EXPECT_EQ(can_i("list", "deployments.apps"), "no");
  EXPECT_EQ(can_i("list", "persistentvolumeclaims"), "no");
  EXPECT_EQ(can_i("delete", "pods"), "no");

  ServeProcess agent;
  ASSERT_TRUE(agent.start(as_agent, {"--no-host", "--node", node_, "--metrics-refresh", "1s",
                                     "--authentication=delegated"}));
  const HttpAnswer ready = agent.waitFor("/readyz", 200, 60s);
  EXPECT_EQ(ready.status, 200) << ready.body;
  const HttpAnswer describe =
      agent.get("/api/v1/pods/" + namespace_ + "/on-node-1/describe", token);
  EXPECT_EQ(describe.status, 200) << describe.body;
  const HttpAnswer utilization =
      agent.waitFor("/api/v1/nodes/" + node_ + "/utilization", 200, 90s, token);
  EXPECT_EQ(utilization.status, 200) << utilization.body;
  agent.kill();
}

}  // namespace
}  // namespace keelson::testing
