// The watch-fed cache against the real test control plane (test/cluster/up). kubectl's view of
// the same objects is the independent source of truth. Skipped when no test cluster runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/prerequisite.h"
#include "kube/client.h"
#include "kube/cluster_cache.h"
#include "kube/cluster_config.h"
#include "kube/informer.h"
#include "kube/pod.h"
#include "support/test_cluster.h"

namespace keelson::kube {
namespace {

using namespace std::chrono_literals;
using NameToVersion = std::map<std::string, std::string>;

class InformerClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!keelson::testing::findTestCluster(cluster_, why)) KEELSON_MISSING_PREREQUISITE(why);
    ConfigOptions options;
    options.kubeconfig_path = cluster_.kubeconfig;
    client_ = std::make_unique<Client>(loadConfig(options));
    namespace_ = keelson::testing::uniqueName("hinf") + "-" + std::to_string(++counter_);
    cluster_.kubectlOk({"create", "namespace", namespace_});
  }

  void TearDown() override {
    if (namespace_.empty()) return;
    // Pods bound to nodes without a kubelet would wait for one: force them away.
    keelson::testing::run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "pods",
                           "--all", "-n", namespace_, "--force", "--grace-period=0"});
    keelson::testing::run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete",
                           "namespace", namespace_, "--wait=false"});
    for (const auto& node : nodes_) {
      keelson::testing::run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete",
                             "node", node, "--wait=false"});
    }
  }

  void createPod(const std::string& name, const std::string& node = "") {
    nlohmann::json pod = {
        {"apiVersion", "v1"},
        {"kind", "Pod"},
        {"metadata", {{"name", name}, {"namespace", namespace_}, {"labels", {{"app", "hinf"}}}}},
        {"spec", {{"containers", {{{"name", "app"}, {"image", "registry.example.com/none:1"}}}}}}};
    if (!node.empty()) pod["spec"]["nodeName"] = node;
    cluster_.apply(pod.dump());
  }

  void createNode(const std::string& name) {
    nodes_.push_back(name);
    cluster_.apply(
        nlohmann::json{{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}}}}
            .dump());
  }

  // kubectl's view: pod name -> resourceVersion in our namespace (optionally on one node).
  NameToVersion kubectlPods(const std::string& node = "") {
    std::vector<std::string> args = {"get", "pods", "-n", namespace_, "-o", "json"};
    if (!node.empty()) args.push_back("--field-selector=spec.nodeName=" + node);
    NameToVersion out;
    const nlohmann::json list = cluster_.kubectlJson(args);  // kept alive for the loop
    for (const auto& item : list["items"]) {
      out[item["metadata"]["name"].get<std::string>()] =
          item["metadata"]["resourceVersion"].get<std::string>();
    }
    return out;
  }

  NameToVersion cachedPods(const Informer<Pod>& informer) {
    NameToVersion out;
    const auto snapshot = informer.snapshot();
    for (const auto& pod : snapshot->list(namespace_)) {
      out[pod->metadata.name] = pod->metadata.resource_version;
    }
    return out;
  }

  // Polls until the cache equals kubectl's view (the watch is asynchronous); returns the last
  // cache view for the assertion.
  NameToVersion converge(const Informer<Pod>& informer, const std::string& node = "") {
    NameToVersion cached;
    NameToVersion expected;
    for (auto deadline = std::chrono::steady_clock::now() + 30s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(200ms)) {
      expected = kubectlPods(node);
      cached = cachedPods(informer);
      if (cached == expected) return cached;
    }
    EXPECT_EQ(cached, expected);
    return cached;
  }

  InformerOptions podOptions(std::int64_t watch_timeout_seconds) const {
    InformerOptions options;
    options.resource = "pods";
    options.path = "/api/v1/namespaces/" + namespace_ + "/pods";
    options.watch_timeout_seconds = watch_timeout_seconds;
    return options;
  }

  static inline int counter_ = 0;
  keelson::testing::TestCluster cluster_;
  std::unique_ptr<Client> client_;
  std::string namespace_;
  std::vector<std::string> nodes_;
};

TEST_F(InformerClusterTest, FollowsCreatesUpdatesAndDeletes) {
  createPod("before");
  Informer<Pod> informer(*client_, podOptions(300));
  informer.start();
  ASSERT_TRUE(informer.waitForSync(30s)) << informer.status().last_error;
  EXPECT_EQ(converge(informer).size(), 1u);

  createPod("a");
  createPod("b");
  EXPECT_EQ(converge(informer).size(), 3u);

  cluster_.kubectlOk({"label", "pod", "a", "-n", namespace_, "tier=web"});
  converge(informer);
  const auto snapshot = informer.snapshot();
  const Pod* a = snapshot->get(namespace_, "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->metadata.labels.at("tier"), "web");

  cluster_.kubectlOk(
      {"delete", "pod", "b", "-n", namespace_, "--force", "--grace-period=0", "--wait=true"});
  const auto after = converge(informer);
  EXPECT_EQ(after.count("b"), 0u);
  EXPECT_EQ(after.size(), 2u);
  EXPECT_NE(snapshot->get(namespace_, "b"), nullptr);  // an old snapshot does not change

  const InformerStatus status = informer.status();
  EXPECT_TRUE(status.has_synced);
  EXPECT_EQ(status.relists, 0u);
  EXPECT_EQ(status.failures, 0u) << status.last_error;
  EXPECT_EQ(status.consecutive_failures, 0);
  EXPECT_EQ(status.objects, 2u);
}

TEST_F(InformerClusterTest, SurvivesServerSideWatchExpiry) {
  // timeoutSeconds=1: the API server ends every watch after a second; the informer must watch
  // again from its last resourceVersion without losing or replaying anything.
  Informer<Pod> informer(*client_, podOptions(1));
  informer.start();
  ASSERT_TRUE(informer.waitForSync(30s)) << informer.status().last_error;
  createPod("first");
  converge(informer);
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       informer.status().watch_restarts < 3 && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_GE(informer.status().watch_restarts, 3u);
  createPod("second");
  cluster_.kubectlOk({"label", "pod", "first", "-n", namespace_, "round=2"});
  EXPECT_EQ(converge(informer).size(), 2u);
  const InformerStatus status = informer.status();
  EXPECT_EQ(status.relists, 0u);  // resumed from the resourceVersion, never relisted
  EXPECT_EQ(status.failures, 0u) << status.last_error;
}

TEST_F(InformerClusterTest, NodeModeCachesTheNodeAndItsPodsOnly) {
  const std::string node_a =
      keelson::testing::uniqueName("hinf-a") + "-" + std::to_string(++counter_);
  const std::string node_b =
      keelson::testing::uniqueName("hinf-b") + "-" + std::to_string(counter_);
  createNode(node_a);
  createNode(node_b);
  createPod("on-a-1", node_a);
  createPod("on-a-2", node_a);
  createPod("on-b", node_b);
  createPod("unbound");

  ClusterCacheOptions options;
  options.node_name = node_a;
  options.events_v1 = true;
  ClusterCache cache(*client_, options);
  cache.start();
  ASSERT_TRUE(cache.waitForSync(60s));
  for (const auto& status : cache.statuses()) {
    EXPECT_TRUE(status.has_synced) << status.resource << ": " << status.last_error;
  }

  // Only node A's pods, in every namespace, equal to kubectl's field-selected view.
  const auto cached = converge(cache.pods(), node_a);
  EXPECT_EQ(cached, (NameToVersion{{"on-a-1", kubectlPods(node_a)["on-a-1"]},
                                   {"on-a-2", kubectlPods(node_a)["on-a-2"]}}));
  const auto pods = cache.pods().snapshot();
  for (const auto& pod : pods->all()) {
    EXPECT_EQ(pod->spec.node_name, node_a) << pod->metadata.name;
  }

  // Node mode: the node itself and nothing cluster-wide.
  const auto nodes = cache.nodes().snapshot();
  EXPECT_NE(nodes->get("", node_a), nullptr);
  EXPECT_EQ(nodes->size(), 1u);
  EXPECT_EQ(cache.statuses().size(), 2u);
  EXPECT_EQ(cache.namespaces(), nullptr);
  EXPECT_EQ(cache.events(), nullptr);

  // A pod's events come from the API server, by its uid: the event of on-a-1 and not on-a-2's.
  for (const std::string pod : {"on-a-1", "on-a-2"}) {
    ASSERT_NE(pods->get(namespace_, pod), nullptr) << pod;
    const std::string uid = pods->get(namespace_, pod)->metadata.uid;
    const nlohmann::json event = {
        {"apiVersion", "v1"},
        {"kind", "Event"},
        {"metadata", {{"name", pod + ".test"}, {"namespace", namespace_}}},
        {"involvedObject",
         {{"kind", "Pod"}, {"name", pod}, {"namespace", namespace_}, {"uid", uid}}},
        {"reason", "Testing"},
        {"message", "event of " + pod},
        {"type", "Normal"}};
    cluster_.apply(event.dump());
  }
  const auto events = cache.listPodEvents(*pods->get(namespace_, "on-a-1"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message, "event of on-a-1");
  const auto started = std::chrono::steady_clock::now();
  cache.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

}  // namespace
}  // namespace keelson::kube
