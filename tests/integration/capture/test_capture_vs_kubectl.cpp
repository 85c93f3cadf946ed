// keelson capture --json against the test control plane, compared with what kubectl (built from
// the same Kubernetes release as the API server) reports for the same cluster.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/prerequisite.h"
#include "common/test_env.h"
#include "core/quantity.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;

// "Allocated resources" of `kubectl describe node`: resource name -> (requests, limits).
std::map<std::string, std::pair<std::string, std::string>> allocatedResources(
    const std::string& describe) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  std::istringstream in(describe);
  std::string line;
  bool in_section = false;
  while (std::getline(in, line)) {
    if (line.rfind("Allocated resources:", 0) == 0) {
      in_section = true;
      continue;
    }
    if (!in_section) continue;
    if (!line.empty() && line[0] != ' ') break;  // the next top-level section
    std::istringstream fields(line);
    std::string name, requests, requests_pct, limits;
    if (!(fields >> name >> requests >> requests_pct >> limits)) continue;
    if (name == "Resource" || name.rfind("--", 0) == 0 || name.rfind("(", 0) == 0) continue;
    out[name] = {requests, limits};
  }
  return out;
}

int64_t milli(const std::string& quantity) { return core::Quantity::parse(quantity).milliValue(); }

class CaptureVsKubectl : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!findTestCluster(cluster_, why)) KEELSON_MISSING_PREREQUISITE(why);
    suffix_ = uniqueName("cap");
    shapeCluster();
  }

  void TearDown() override {
    if (cluster_.kubectl.empty()) return;
    // Namespaces first, while kwok still manages the nodes and so finishes the pods' deletion.
    for (const auto& ns : namespaces_) {
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "namespace", ns,
           "--timeout=60s"});
    }
    run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "runtimeclass",
         suffix_ + "-rc", "--ignore-not-found"});
    for (const auto& node : nodes_) {
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "node", node});
    }
  }

  void addNode(const std::string& name, const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {keelson::testing::sourceDir() + "/test/cluster/add-node",
                                     name,
                                     "--cpu",
                                     "4",
                                     "--memory",
                                     "16Gi",
                                     "--pods",
                                     "110"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const auto result = run(argv);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    nodes_.push_back(name);
  }

  static std::string container(const std::string& name, const std::string& cpu,
                               const std::string& memory) {
    return R"({"name":")" + name + R"(","image":"busybox","resources":{"requests":{"cpu":")" + cpu +
           R"(","memory":")" + memory + R"("},"limits":{"memory":")" + memory + R"("}}})";
  }

  void pod(const std::string& ns, const std::string& name, const std::string& node,
           const std::string& spec_extra, const std::string& containers) {
    cluster_.apply(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
                   R"(","namespace":")" + ns + R"("},"spec":{)" +
                   (node.empty() ? "" : R"("nodeName":")" + node + R"(",)") + spec_extra +
                   R"("containers":[)" + containers + "]}}");
  }

  // Three kwok nodes (one tainted, one cordoned), two namespaces, pods with init containers, a
  // sidecar, pod overhead, a pending pod, and pods that ended Succeeded and Failed.
  void shapeCluster() {
    const std::string n0 = suffix_ + "-0", n1 = suffix_ + "-1", n2 = suffix_ + "-2";
    addNode(n0, {});
    addNode(n1, {"--taint", "dedicated=infra:NoSchedule"});
    addNode(n2, {"--unschedulable"});
    const std::string a = suffix_ + "-a", b = suffix_ + "-b";
    for (const auto& ns : {a, b}) {
      cluster_.kubectlOk({"create", "namespace", ns});
      namespaces_.push_back(ns);
    }
    cluster_.apply(R"({"apiVersion":"node.k8s.io/v1","kind":"RuntimeClass","metadata":{"name":")" +
                   suffix_ +
                   R"(-rc"},"handler":"kwok","overhead":{"podFixed":{"cpu":"250m",)"
                   R"("memory":"120Mi"}}})");
    pod(a, "plain", n0, "", container("app", "500m", "256Mi"));
    pod(a, "init-bigger", n0, R"("initContainers":[)" + container("init", "1500m", "1Gi") + "],",
        container("app", "100m", "64Mi"));
    pod(a, "sidecar", n0,
        R"("initContainers":[{"name":"sc","image":"busybox","restartPolicy":"Always",)"
        R"("resources":{"requests":{"cpu":"300m","memory":"100Mi"}}},)" +
            container("init", "1", "128Mi") + "],",
        container("app", "200m", "200Mi"));
    pod(b, "overhead", n0, R"("runtimeClassName":")" + suffix_ + "-rc\",",
        container("app", "100m", "100Mi"));
    pod(b, "tolerating", n1,
        R"("tolerations":[{"key":"dedicated","operator":"Equal","value":"infra",)"
        R"("effect":"NoSchedule"}],)",
        container("app", "1500m", "3Gi") + "," + container("helper", "50m", "10Mi"));
    pod(b, "pending", "", R"("nodeSelector":{"keelson-test/no-such-node":"true"},)",
        container("app", "10m", "10Mi"));
    pod(a, "done", n0, R"("restartPolicy":"Never",)", container("app", "700m", "700Mi"));
    pod(a, "broken", n0, R"("restartPolicy":"Never",)", container("app", "900m", "900Mi"));
    for (const auto& [ns, name] :
         std::vector<std::pair<std::string, std::string>>{{a, "plain"},
                                                          {a, "init-bigger"},
                                                          {a, "sidecar"},
                                                          {b, "overhead"},
                                                          {b, "tolerating"}}) {
      cluster_.kubectlOk(
          {"wait", "-n", ns, "--for=condition=Ready", "--timeout=120s", "pod/" + name});
    }
    finishPod(a, "done", "Succeeded", 0);
    finishPod(a, "broken", "Failed", 1);
  }

  // Ends a pod in `phase` by writing its status (kwok leaves pods whose status is marked custom).
  void finishPod(const std::string& ns, const std::string& name, const std::string& phase,
                 int exit_code) {
    cluster_.kubectlOk({"annotate", "-n", ns, "pod/" + name, "kwok.x-k8s.io/status=custom"});
    const std::string status =
        R"({"status":{"phase":")" + phase +
        R"(","containerStatuses":[{"name":"app","image":"busybox","imageID":"","ready":false,)"
        R"("restartCount":0,"state":{"terminated":{"exitCode":)" +
        std::to_string(exit_code) + R"(,"reason":")" + (exit_code == 0 ? "Completed" : "Error") +
        R"("}}}]}})";
    cluster_.kubectlOk(
        {"patch", "-n", ns, "pod/" + name, "--subresource=status", "--type=merge", "-p", status});
    cluster_.kubectlOk({"wait", "-n", ns, "--for=jsonpath={.status.phase}=" + phase,
                        "--timeout=60s", "pod/" + name});
  }

  TestCluster cluster_;
  std::string suffix_;
  std::vector<std::string> namespaces_;
  std::vector<std::string> nodes_;
};

TEST_F(CaptureVsKubectl, CountsAndPerNodeFiguresMatchKubectl) {
  const auto capture = runKeelson(
      {"capture", "--json", "-A", "--kubeconfig", cluster_.kubeconfig, "--interval", "0.1"});
  ASSERT_EQ(capture.exit_code, 0) << capture.err;
  const json doc = json::parse(capture.out);
  const json pods = cluster_.kubectlJson({"get", "pods", "-A", "-o", "json"});
  const json nodes = cluster_.kubectlJson({"get", "nodes", "-o", "json"});

  const json& cluster = doc.at("cluster");
  ASSERT_EQ(cluster.at("status"), "ok") << cluster.dump();
  const json& health = cluster.at("cluster_health");

  // Pods: total and per phase, as kubectl lists them.
  std::map<std::string, int> phases;
  for (const auto& p : pods.at("items")) ++phases[p.at("status").value("phase", "Unknown")];
  EXPECT_EQ(health.at("total_pods").get<size_t>(), pods.at("items").size());
  for (const auto& [phase, count] : phases) {
    EXPECT_EQ(health.at("pods_by_phase").value(phase, 0), count) << phase;
  }
  EXPECT_GE(phases["Pending"], 1);
  EXPECT_GE(phases["Succeeded"], 1);
  EXPECT_GE(phases["Failed"], 1);

  // Nodes: total and Ready.
  int ready = 0;
  for (const auto& n : nodes.at("items")) {
    for (const auto& c : n.at("status").at("conditions")) {
      if (c.at("type") == "Ready" && c.at("status") == "True") ++ready;
    }
  }
  EXPECT_EQ(health.at("total_nodes").get<size_t>(), nodes.at("items").size());
  EXPECT_EQ(health.at("ready_nodes").get<int>(), ready);

  // Per pod: the same set of pods, each with kubectl's phase and node.
  std::map<std::string, json> by_name;
  for (const auto& p : cluster.at("pods")) {
    by_name[p.at("namespace").get<std::string>() + "/" + p.at("name").get<std::string>()] = p;
  }
  EXPECT_EQ(by_name.size(), pods.at("items").size());
  for (const auto& p : pods.at("items")) {
    const auto key = p.at("metadata").at("namespace").get<std::string>() + "/" +
                     p.at("metadata").at("name").get<std::string>();
    ASSERT_TRUE(by_name.count(key)) << key;
    EXPECT_EQ(by_name[key].at("phase"), p.at("status").value("phase", "Unknown")) << key;
    EXPECT_EQ(by_name[key].value("node", ""), p.at("spec").value("nodeName", "")) << key;
  }

  // Per node: allocatable as the API says, requests and limits as `kubectl describe node` says.
  std::map<std::string, json> keelson_nodes;
  for (const auto& n : cluster.at("nodes")) keelson_nodes[n.at("name")] = n;
  for (const auto& n : nodes.at("items")) {
    const std::string name = n.at("metadata").at("name");
    ASSERT_TRUE(keelson_nodes.count(name)) << name;
    const json& mine = keelson_nodes[name];
    for (const auto& [resource, value] : n.at("status").at("allocatable").items()) {
      EXPECT_EQ(milli(mine.at("allocatable").at(resource)), milli(value))
          << name << " " << resource;
    }
    const auto allocated = allocatedResources(cluster_.kubectlOk({"describe", "node", name}));
    ASSERT_FALSE(allocated.empty()) << "no Allocated resources for " << name;
    for (const auto& [resource, figures] : allocated) {
      EXPECT_EQ(milli(mine.at("requested").value(resource, "0")), milli(figures.first))
          << name << " requests " << resource;
      EXPECT_EQ(milli(mine.at("limits").value(resource, "0")), milli(figures.second))
          << name << " limits " << resource;
    }
    EXPECT_EQ(mine.at("unschedulable").get<bool>(), n.at("spec").value("unschedulable", false));
  }

  // The shaped node, by hand: plain 500m; init-bigger max(100m, 1500m); sidecar max(300m + 200m,
  // 300m + 1000m) since the sidecar keeps running while the later init container runs; overhead
  // 100m + 250m. The finished pods no longer count.
  const json& n0 = keelson_nodes[suffix_ + "-0"];
  EXPECT_EQ(milli(n0.at("requested").at("cpu")), 500 + 1500 + 1300 + 350);
}

}  // namespace
}  // namespace keelson::testing
