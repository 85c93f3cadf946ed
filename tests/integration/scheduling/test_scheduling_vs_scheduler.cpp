// The acceptance test of the scheduling analysis: for each Filter plugin (and mixes), shape the
// test cluster so that a pod cannot be scheduled, wait for kube-scheduler's FailedScheduling
// event, and check that keelson's per-category node counts equal those in the scheduler's own
// message. The scheduler evaluates every node of the cluster, and so does keelson: the snapshot
// is listed from the API right after the event.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "analysis/scheduling.h"
#include "common/prerequisite.h"
#include "common/test_env.h"
#include "kube/client.h"
#include "kube/cluster_config.h"
#include "kube/curl_transport.h"
#include "kube/event.h"
#include "kube/list.h"
#include "pod_manifests.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kTestLabel = "keelson-sched-test";

json container(const std::string& cpu = "10m", const std::string& memory = "16Mi") {
  return requestingContainer(cpu, memory);
}

class SchedulingVsScheduler : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TestCluster cluster;
    std::string why;
    if (!findTestCluster(cluster, why)) return;
    // Nodes left behind by an earlier, interrupted run of this test.
    run({cluster.kubectl, "--kubeconfig", cluster.kubeconfig, "delete", "node", "-l",
         std::string(kTestLabel) + "=1", "--ignore-not-found"});
  }

  void SetUp() override {
    std::string why;
    if (!findTestCluster(cluster_, why)) KEELSON_MISSING_PREREQUISITE(why);
    prefix_ =
        uniqueName("sch") + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (auto& c : prefix_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ns_ = prefix_;
    cluster_.kubectlOk({"create", "namespace", ns_});
  }

  void TearDown() override {
    if (cluster_.kubectl.empty()) return;
    run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "namespace", ns_,
         "--timeout=60s", "--ignore-not-found"});
    for (const auto& pv : pvs_) {
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "pv", pv,
           "--ignore-not-found"});
    }
    for (const auto& sc : classes_) {
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "storageclass", sc,
           "--ignore-not-found"});
    }
    for (const auto& node : nodes_) {
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "node", node,
           "--ignore-not-found"});
    }
  }

  /// Adds a kwok node `<prefix>-<suffix>`; `extra` are add-node flags.
  std::string addNode(const std::string& suffix, std::vector<std::string> extra = {}) {
    const std::string name = prefix_ + "-" + suffix;
    std::vector<std::string> argv = {keelson::testing::sourceDir() + "/test/cluster/add-node", name,
                                     "--label", std::string(kTestLabel) + "=1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const auto result = run(argv);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    nodes_.push_back(name);
    return name;
  }

  /// Creates a pod bound to `node` (spec.nodeName) and waits until kwok runs it.
  void runPodOn(const std::string& name, const std::string& node, json spec = json::object(),
                const json& labels = json::object()) {
    if (!spec.contains("containers")) spec["containers"] = json::array({container()});
    spec["nodeName"] = node;
    cluster_.apply(podManifest(ns_, name, spec, labels).dump());
    cluster_.kubectlOk({"wait", "-n", ns_, "--for=jsonpath={.status.phase}=Running", "pod/" + name,
                        "--timeout=60s"});
  }

  /// Creates the 1Gi ReadWriteOnce claim "data" of class `storage_class` ("" for none), bound
  /// to `volume_name` when it is not empty.
  void applyClaim(const std::string& storage_class, const std::string& volume_name = {}) {
    json spec = {{"storageClassName", storage_class},
                 {"accessModes", {"ReadWriteOnce"}},
                 {"resources", {{"requests", {{"storage", "1Gi"}}}}}};
    if (!volume_name.empty()) spec["volumeName"] = volume_name;
    cluster_.apply(json{
        {"apiVersion", "v1"},
        {"kind", "PersistentVolumeClaim"},
        {"metadata", {{"name", "data"}, {"namespace", ns_}}},
        {"spec", spec}}.dump());
  }

  /// A pod spec that mounts the claim "data".
  static json claimPodSpec() {
    json spec = json::object();
    spec["volumes"] =
        json::array({{{"name", "data"}, {"persistentVolumeClaim", {{"claimName", "data"}}}}});
    return spec;
  }

  /// Waits for kube-scheduler's FailedScheduling event on the pod and returns its latest message.
  std::string waitForFailedScheduling(const kube::Client& client, const std::string& pod) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto events =
          kube::listAll<kube::Event>(client, "/api/v1/namespaces/" + ns_ + "/events").items;
      const kube::Event* latest = nullptr;
      for (const auto& e : events) {
        if (e.reason != "FailedScheduling" || e.regarding.name != pod) continue;
        if (latest == nullptr || e.last_time >= latest->last_time) latest = &e;
      }
      if (latest != nullptr) return latest->message;
      const auto bound = cluster_.kubectlJson({"get", "pod", "-n", ns_, pod, "-o", "json"});
      if (!bound["spec"].value("nodeName", "").empty()) {
        ADD_FAILURE() << ns_ << "/" << pod << " was scheduled to " << bound["spec"]["nodeName"];
        return "";
      }
      std::this_thread::sleep_for(500ms);
    }
    ADD_FAILURE() << "no FailedScheduling event for " << ns_ << "/" << pod;
    return "";
  }

  analysis::SchedulingSnapshot snapshot(const kube::Client& client) {
    analysis::SchedulingSnapshot s;
    s.nodes = kube::listAll<kube::Node>(client, "/api/v1/nodes").items;
    s.pods = kube::listAll<kube::Pod>(client, "/api/v1/pods").items;
    s.pvcs =
        kube::listAll<kube::PersistentVolumeClaim>(client, "/api/v1/persistentvolumeclaims").items;
    s.pvs = kube::listAll<kube::PersistentVolume>(client, "/api/v1/persistentvolumes").items;
    s.storage_classes =
        kube::listAll<kube::StorageClass>(client, "/apis/storage.k8s.io/v1/storageclasses").items;
    s.namespaces = kube::listAll<kube::Namespace>(client, "/api/v1/namespaces").items;
    return s;
  }

  /// Creates the pending pod, waits for the scheduler's verdict and compares the counts. Returns
  /// keelson's categories (for scenario-specific expectations).
  std::map<std::string, int> expectSameVerdict(const std::string& name, json spec,
                                               const json& labels = json::object()) {
    if (!spec.contains("containers")) spec["containers"] = json::array({container()});
    cluster_.apply(podManifest(ns_, name, spec, labels).dump());

    kube::ConfigOptions options;
    options.kubeconfig_path = cluster_.kubeconfig;
    const kube::Client client(kube::loadConfig(options), kube::TransportOptions{});
    std::string message = waitForFailedScheduling(client, name);
    if (message.empty()) return {};

    // The scheduler may retry while the cluster settles (e.g. a node update); compare against
    // its latest verdict, re-reading both sides a few times before failing.
    analysis::SchedulingAnalysis analysis;
    analysis::FailedSchedulingMessage parsed;
    for (int attempt = 0; attempt < 5; ++attempt) {
      const auto snap = snapshot(client);
      const kube::Pod* pod = nullptr;
      for (const auto& p : snap.pods) {
        if (p.metadata.namespace_name == ns_ && p.metadata.name == name) pod = &p;
      }
      if (pod == nullptr) {
        ADD_FAILURE() << "pod " << ns_ << "/" << name << " not listed";
        return {};
      }
      EXPECT_TRUE(pod->spec.node_name.empty()) << "the pod was scheduled";
      analysis = analysis::analyzeScheduling(*pod, snap);
      parsed = analysis::parseFailedSchedulingMessage(message);
      if (parsed.valid && parsed.categories == analysis.failure_categories &&
          parsed.total_nodes == analysis.total_nodes) {
        break;
      }
      std::this_thread::sleep_for(2s);
      message = waitForFailedScheduling(client, name);
    }
    EXPECT_TRUE(parsed.valid) << message;
    EXPECT_EQ(parsed.total_nodes, analysis.total_nodes) << message;
    EXPECT_EQ(describe(analysis.failure_categories), describe(parsed.categories))
        << "scheduler: " << message << "\nkeelson:   " << analysis.failure_summary;
    EXPECT_EQ(analysis.feasible_nodes, 0);
    std::cout << "[scheduler] " << message << "\n[keelson]   " << analysis.failure_summary << "\n";
    return analysis.failure_categories;
  }

  TestCluster cluster_;
  std::string prefix_;
  std::string ns_;
  std::vector<std::string> nodes_;
  std::vector<std::string> pvs_;
  std::vector<std::string> classes_;
};

TEST_F(SchedulingVsScheduler, Resources) {
  addNode("cpu", {"--cpu", "1", "--memory", "16Gi"});
  addNode("mem", {"--cpu", "8", "--memory", "1Gi"});
  const std::string full = addNode("full", {"--cpu", "8", "--memory", "16Gi", "--pods", "1"});
  const std::string used =
      addNode("used", {"--cpu", "4", "--memory", "16Gi", "--extended", "example.com/gpu=2"});
  addNode("gpu", {"--cpu", "8", "--memory", "16Gi", "--extended", "example.com/gpu=1"});
  runPodOn("filler", full);
  // Takes 3 of the 4 CPUs of "used": the pending pod's 2 CPUs fit allocatable, not what is free.
  json big = json::object();
  big["containers"] = json::array({container("3", "1Gi")});
  runPodOn("big", used, big);
  json spec = json::object();
  json c = container("2", "2Gi");
  c["resources"]["requests"]["example.com/gpu"] = "2";
  c["resources"]["limits"]["example.com/gpu"] = "2";
  spec["containers"] = json::array({c});
  // "used" has the GPUs and the allocatable CPU, but only 1 CPU left: it fails on cpu alone.
  const auto categories = expectSameVerdict("pending", spec);
  EXPECT_EQ(categories.at("Insufficient cpu"), 2);
  EXPECT_GE(categories.count("Insufficient memory"), 1u);
  EXPECT_GE(categories.count("Too many pods"), 1u);
}

TEST_F(SchedulingVsScheduler, ExtendedResource) {
  addNode("one", {"--extended", "example.com/gpu=1"});
  addNode("none");
  json spec = json::object();
  json c = container();
  c["resources"]["requests"]["example.com/gpu"] = "2";
  c["resources"]["limits"]["example.com/gpu"] = "2";
  spec["containers"] = json::array({c});
  const auto categories = expectSameVerdict("pending", spec);
  EXPECT_GE(categories.count("Insufficient example.com/gpu"), 1u);
}

TEST_F(SchedulingVsScheduler, TaintsSelectorsAffinityCordon) {
  addNode("taint",
          {"--label", "zone=a", "--label", "cores=16", "--taint", "dedicated=gpu:NoSchedule"});
  addNode("noexec", {"--label", "zone=a", "--label", "cores=16", "--taint", "team=x:NoExecute"});
  addNode("cordoned", {"--label", "zone=a", "--label", "cores=16", "--unschedulable"});
  addNode("zoneb", {"--label", "zone=b", "--label", "cores=16"});
  addNode("small", {"--label", "zone=a", "--label", "cores=4"});
  addNode("tolerated",
          {"--label", "zone=a", "--label", "cores=2", "--taint", "soft=y:PreferNoSchedule"});
  json spec = json::object();
  spec["nodeSelector"] = {{"zone", "a"}};
  spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
      ["nodeSelectorTerms"] = json::array(
          {{{"matchExpressions",
             json::array(
                 {{{"key", "cores"}, {"operator", "Gt"}, {"values", json::array({"8"})}}})}},
           {{"matchExpressions",
             json::array({{{"key", "cores"}, {"operator", "Lt"}, {"values", json::array({"3"})}},
                          {{"key", "missing"}, {"operator", "Exists"}}})}}});
  const auto categories = expectSameVerdict("pending", spec);
  EXPECT_GE(categories.count("node(s) had untolerated taint(s)"), 1u);
  EXPECT_GE(categories.count("node(s) were unschedulable"), 1u);
  EXPECT_GE(categories.count("node(s) didn't match Pod's node affinity/selector"), 1u);
}

TEST_F(SchedulingVsScheduler, HostPortConflict) {
  const std::string busy = addNode("busy");
  addNode("tainted", {"--taint", "dedicated=x:NoSchedule"});
  json spec = json::object();
  json c = container();
  c["ports"] = json::array({{{"containerPort", 80}, {"hostPort", 18080}, {"protocol", "TCP"}}});
  spec["containers"] = json::array({c});
  runPodOn("holder", busy, spec);
  const auto categories = expectSameVerdict("pending", spec);
  EXPECT_EQ(categories.count("node(s) didn't have free ports for the requested pod ports"), 1u);
}

TEST_F(SchedulingVsScheduler, PodAntiAffinity) {
  const std::string a = addNode("a");
  const std::string b = addNode("b");
  const std::string guarded = addNode("guarded");
  runPodOn("db-a", a, json::object(), {{"app", "db"}});
  runPodOn("db-b", b, json::object(), {{"app", "db"}});
  // An existing pod whose anti-affinity repels the incoming pod (app=web).
  json guard = json::object();
  guard["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] =
      json::array({{{"labelSelector", {{"matchLabels", {{"app", "web"}}}}},
                    {"topologyKey", "kubernetes.io/hostname"}}});
  runPodOn("guard", guarded, guard, {{"app", "guard"}});
  json spec = json::object();
  spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] =
      json::array({{{"labelSelector", {{"matchLabels", {{"app", "db"}}}}},
                    {"namespaceSelector", json::object()},
                    {"topologyKey", "kubernetes.io/hostname"}}});
  // Every other node in the cluster is kept out with a selector mismatch.
  const auto categories = expectSameVerdict("pending", spec, {{"app", "web"}});
  EXPECT_EQ(categories.at("node(s) didn't match pod anti-affinity rules"), 2);
  EXPECT_EQ(categories.at("node(s) didn't satisfy existing pods anti-affinity rules"), 1);
}

TEST_F(SchedulingVsScheduler, PodAffinity) {
  const std::string near = addNode("near", {"--label", "zone=a"});
  addNode("far", {"--label", "zone=b"});
  runPodOn("cache", near, json::object(), {{"app", "cache"}});
  cluster_.kubectlOk({"cordon", near});
  json spec = json::object();
  spec["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = json::array(
      {{{"labelSelector",
         {{"matchExpressions",
           json::array({{{"key", "app"}, {"operator", "In"}, {"values", {"cache"}}}})}}},
        {"topologyKey", "zone"}}});
  const auto categories = expectSameVerdict("pending", spec, {{"app", "web"}});
  EXPECT_GE(categories.count("node(s) didn't match pod affinity rules"), 1u);
}

TEST_F(SchedulingVsScheduler, TopologySpread) {
  const std::string a1 = addNode("a1", {"--label", "zone=a"});
  addNode("a2", {"--label", "zone=a"});
  addNode("b1", {"--label", "zone=b", "--taint", "dedicated=x:NoSchedule"});
  addNode("nozone");
  runPodOn("w0", a1, json::object(), {{"app", "spread"}});
  runPodOn("w1", a1, json::object(), {{"app", "spread"}});
  json spec = json::object();
  spec["topologySpreadConstraints"] =
      json::array({{{"maxSkew", 1},
                    {"topologyKey", "zone"},
                    {"whenUnsatisfiable", "DoNotSchedule"},
                    {"labelSelector", {{"matchLabels", {{"app", "spread"}}}}}}});
  const auto categories = expectSameVerdict("pending", spec, {{"app", "spread"}});
  EXPECT_EQ(categories.at("node(s) didn't match pod topology spread constraints"), 2);
}

TEST_F(SchedulingVsScheduler, UnboundImmediateClaim) {
  addNode("any");
  applyClaim("");
  const auto categories = expectSameVerdict("pending", claimPodSpec());
  EXPECT_EQ(categories.count("pod has unbound immediate PersistentVolumeClaims"), 1u);
}

TEST_F(SchedulingVsScheduler, VolumeNodeAffinityConflict) {
  addNode("one");
  addNode("two", {"--taint", "dedicated=x:NoSchedule"});
  const std::string pv = prefix_ + "-pv";
  pvs_.push_back(pv);
  cluster_.apply(
      json{{"apiVersion", "v1"},
           {"kind", "PersistentVolume"},
           {"metadata", {{"name", pv}}},
           {"spec",
            {{"capacity", {{"storage", "1Gi"}}},
             {"accessModes", {"ReadWriteOnce"}},
             {"storageClassName", ""},
             {"hostPath", {{"path", "/tmp/" + pv}}},
             {"claimRef", {{"namespace", ns_}, {"name", "data"}}},
             {"nodeAffinity",
              {{"required",
                {{"nodeSelectorTerms",
                  json::array({{{"matchExpressions",
                                 json::array({{{"key", "kubernetes.io/hostname"},
                                               {"operator", "In"},
                                               {"values", {prefix_ + "-elsewhere"}}}})}}})}}}}}}}}
          .dump());
  applyClaim("", pv);
  cluster_.kubectlOk(
      {"wait", "-n", ns_, "--for=jsonpath={.status.phase}=Bound", "pvc/data", "--timeout=60s"});
  const auto categories = expectSameVerdict("pending", claimPodSpec());
  EXPECT_EQ(categories.at("node(s) didn't match PersistentVolume's node affinity"), 1);
}

TEST_F(SchedulingVsScheduler, WaitForFirstConsumerWithoutVolume) {
  const std::string home = addNode("home", {"--unschedulable"});
  addNode("other");
  const std::string sc = prefix_ + "-local";
  classes_.push_back(sc);
  cluster_.apply(json{{"apiVersion", "storage.k8s.io/v1"},
                      {"kind", "StorageClass"},
                      {"metadata", {{"name", sc}}},
                      {"provisioner", "kubernetes.io/no-provisioner"},
                      {"volumeBindingMode", "WaitForFirstConsumer"}}
                     .dump());
  const std::string pv = prefix_ + "-pv";
  pvs_.push_back(pv);
  cluster_.apply(json{
      {"apiVersion", "v1"},
      {"kind", "PersistentVolume"},
      {"metadata", {{"name", pv}}},
      {"spec",
       {{"capacity", {{"storage", "1Gi"}}},
        {"accessModes", {"ReadWriteOnce"}},
        {"storageClassName", sc},
        {"local", {{"path", "/mnt/" + pv}}},
        {"nodeAffinity",
         {{"required",
           {{"nodeSelectorTerms",
             json::array({{{"matchExpressions", json::array({{{"key", "kubernetes.io/hostname"},
                                                              {"operator", "In"},
                                                              {"values", {home}}}})}}})}}}}}}}}
                     .dump());
  applyClaim(sc);
  const auto categories = expectSameVerdict("pending", claimPodSpec());
  EXPECT_GE(categories.count("node(s) didn't find available persistent volumes to bind"), 1u);
}

TEST_F(SchedulingVsScheduler, MatchFieldsPinsNodes) {
  // required node affinity with matchFields metadata.name In [...]: NodeAffinity's PreFilter
  // narrows the nodes evaluated; the others get "didn't satisfy plugin(s) [NodeAffinity]".
  const std::string pinned = addNode("pinned", {"--taint", "dedicated=x:NoSchedule"});
  addNode("other1");
  addNode("other2");
  json spec = json::object();
  spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
      ["nodeSelectorTerms"] = json::array(
          {{{"matchFields",
             json::array(
                 {{{"key", "metadata.name"}, {"operator", "In"}, {"values", {pinned}}}})}}});
  const auto categories = expectSameVerdict("pending", spec);
  EXPECT_EQ(categories.at("node(s) had untolerated taint(s)"), 1);
  EXPECT_GE(categories.at("node(s) didn't satisfy plugin(s) [NodeAffinity]"), 2);
}

TEST_F(SchedulingVsScheduler, AntiAffinityNamespaceSelector) {
  // The existing pod lives in another namespace, selected by the term's namespaceSelector labels.
  const std::string other_ns = ns_ + "-x";
  cluster_.kubectlOk({"create", "namespace", other_ns});
  cluster_.kubectlOk({"label", "namespace", other_ns, "team=payments"});
  const std::string a = addNode("a", {"--label", "zone=a"});
  addNode("b", {"--label", "zone=a"});
  addNode("c", {"--label", "zone=c"});
  json pod = podManifest(other_ns, "db", {{"nodeName", a}, {"containers", {container()}}},
                         {{"app", "db"}});
  cluster_.apply(pod.dump());
  cluster_.kubectlOk({"wait", "-n", other_ns, "--for=jsonpath={.status.phase}=Running", "pod/db",
                      "--timeout=60s"});
  json spec = json::object();
  spec["nodeSelector"] = {{"zone", "a"}};
  spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] =
      json::array({{{"labelSelector", {{"matchLabels", {{"app", "db"}}}}},
                    {"namespaceSelector", {{"matchLabels", {{"team", "payments"}}}}},
                    {"topologyKey", "zone"}}});
  const auto categories = expectSameVerdict("pending", spec, {{"app", "web"}});
  run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "namespace", other_ns,
       "--timeout=60s", "--ignore-not-found"});
  EXPECT_EQ(categories.at("node(s) didn't match pod anti-affinity rules"), 2);
}

}  // namespace
}  // namespace keelson::testing
