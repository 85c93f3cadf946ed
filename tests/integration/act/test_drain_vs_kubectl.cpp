// keelson drain against kubectl drain (the kubectl built with the test control plane): two
// identical kwok nodes, each with a DaemonSet pod, a mirror pod, a bare pod, a controller's pod
// with an emptyDir, ReplicaSet pods and a Deployment guarded by a PodDisruptionBudget. keelson
// drains one and kubectl the other with the same flags; which pods are gone (read back from the
// API server), which were refused and why, the warnings and the exit status must agree.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/prerequisite.h"
#include "common/test_env.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;

// The objects on one node, every pod labelled with its role.
std::string workloads(const std::string& ns, const std::string& node) {
  std::string text = R"(apiVersion: v1
kind: Namespace
metadata: {name: NS}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: NS}
spec:
  selector: {matchLabels: {role: daemonset}}
  template:
    metadata: {labels: {role: daemonset}}
    spec:
      nodeSelector: {keelson-test/node: NODE}
      tolerations: [{key: keelson-test/drain, operator: Exists, effect: NoSchedule}]
      containers: [{name: c, image: busybox}]
---
apiVersion: v1
kind: Pod
metadata: {name: bare, namespace: NS, labels: {role: bare}}
spec:
  nodeName: NODE
  containers: [{name: c, image: busybox}]
---
apiVersion: v1
kind: Pod
metadata:
  name: mirror
  namespace: NS
  labels: {role: mirror}
  annotations: {kubernetes.io/config.mirror: "mirror-of-a-static-pod"}
spec:
  nodeName: NODE
  containers: [{name: c, image: busybox}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: replicas, namespace: NS}
spec:
  replicas: 2
  selector: {matchLabels: {role: replicaset}}
  template:
    metadata: {labels: {role: replicaset}}
    spec:
      nodeSelector: {keelson-test/node: NODE}
      tolerations: [{key: keelson-test/drain, operator: Exists, effect: NoSchedule}]
      containers: [{name: c, image: busybox}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: scratch, namespace: NS}
spec:
  replicas: 1
  selector: {matchLabels: {role: emptydir}}
  template:
    metadata: {labels: {role: emptydir}}
    spec:
      nodeSelector: {keelson-test/node: NODE}
      tolerations: [{key: keelson-test/drain, operator: Exists, effect: NoSchedule}]
      containers: [{name: c, image: busybox, volumeMounts: [{name: tmp, mountPath: /tmp}]}]
      volumes: [{name: tmp, emptyDir: {}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: guarded, namespace: NS}
spec:
  replicas: 1
  selector: {matchLabels: {role: guarded}}
  template:
    metadata: {labels: {role: guarded}}
    spec:
      nodeSelector: {keelson-test/node: NODE}
      tolerations: [{key: keelson-test/drain, operator: Exists, effect: NoSchedule}]
      containers: [{name: c, image: busybox}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: guarded, namespace: NS}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {role: guarded}}
)";
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"NS", ns}, {"NODE", node}}) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  }
  return text;
}

// What one drain did, in terms both tools share.
struct DrainOutcome {
  int exit_code = -1;
  std::set<std::string> gone;                            // roles whose pods are all gone
  std::map<std::string, std::set<std::string>> refused;  // refusal message -> roles
  std::set<std::string> warnings;                        // warning messages
  std::string out;
  std::string err;
};

class DrainVsKubectl : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    if (!findTestCluster(cluster_, why)) return;
    ready_ = true;
  }

  void SetUp() override {
    if (!ready_) KEELSON_MISSING_PREREQUISITE("no test cluster");
    state_dir_ = std::filesystem::temp_directory_path() / uniqueName("keelson-drain-state");
  }

  void TearDown() override {
    for (const std::string& ns : namespaces_) {
      cluster_.kubectlOk({"delete", "namespace", ns, "--wait=false", "--ignore-not-found"});
    }
    for (const std::string& node : nodes_) {
      cluster_.kubectlOk({"delete", "node", node, "--ignore-not-found"});
    }
    std::filesystem::remove_all(state_dir_);
  }

  // A fresh kwok node `name` with the workloads in namespace `name`, all pods running and the
  // PodDisruptionBudget computed. The node is tainted so that no other test's pod lands on it
  // (and is drained away); its own workloads tolerate the taint.
  void setUpNode(const std::string& name) {
    nodes_.push_back(name);
    namespaces_.push_back(name);
    ASSERT_EQ(run({sourceDir() + "/test/cluster/add-node", name, "--label",
                   "keelson-test/node=" + name, "--taint", "keelson-test/drain=true:NoSchedule"})
                  .exit_code,
              0);
    cluster_.apply(workloads(name, name));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      const json pods = cluster_.kubectlJson({"get", "pods", "-n", name, "-o", "json"});
      const json pdb = cluster_.kubectlJson({"get", "pdb", "guarded", "-n", name, "-o", "json"});
      std::size_t running = 0;
      for (const json& pod : pods["items"]) {
        running += pod["status"].value("phase", "") == "Running" ? 1 : 0;
      }
      if (running == 7 && pdb["status"].value("disruptionsAllowed", 0) == 1) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    FAIL() << "the workloads on " << name << " did not come up";
  }

  // Pod name -> (uid, role) in namespace `ns`.
  std::map<std::string, std::pair<std::string, std::string>> podsIn(const std::string& ns) {
    std::map<std::string, std::pair<std::string, std::string>> pods;
    const json list = cluster_.kubectlJson({"get", "pods", "-n", ns, "-o", "json"});
    for (const json& pod : list["items"]) {
      pods[pod["metadata"]["name"]] = {pod["metadata"]["uid"],
                                       pod["metadata"]["labels"].value("role", "")};
    }
    return pods;
  }

  // Runs `drain` (keelson's or kubectl's argv) on `node` and reads back what it did.
  DrainOutcome drainWith(std::vector<std::string> argv, const std::string& node) {
    const auto before = podsIn(node);
    const CommandOutput result = run(argv);
    const auto after = podsIn(node);
    DrainOutcome outcome{result.exit_code, {}, {}, {}, result.out, result.err};
    std::map<std::string, bool> all_gone;
    for (const auto& [name, pod] : before) {
      const auto now = after.find(name);
      const bool gone = now == after.end() || now->second.first != pod.first;
      auto [it, inserted] = all_gone.emplace(pod.second, gone);
      if (!inserted) it->second = it->second && gone;
    }
    for (const auto& [role, gone] : all_gone) {
      if (gone) outcome.gone.insert(role);
    }
    // kubectl's "error: unable to drain node ... due to error: <refusals>, continuing command".
    const std::regex refusal(R"(cannot delete ([^:]+): ((?:[a-z0-9-]+/[a-z0-9.-]+(?:, )?)+))");
    std::smatch match;
    const auto line_start = result.err.find("unable to drain node");
    const std::string line =
        line_start == std::string::npos
            ? ""
            : result.err.substr(line_start, result.err.find('\n', line_start) - line_start);
    for (auto it = std::sregex_iterator(line.begin(), line.end(), refusal);
         it != std::sregex_iterator(); ++it) {
      const std::string pods = (*it)[2];
      const std::regex pod_name(R"([a-z0-9-]+/([a-z0-9.-]+))");
      for (auto p = std::sregex_iterator(pods.begin(), pods.end(), pod_name);
           p != std::sregex_iterator(); ++p) {
        outcome.refused[(*it)[1]].insert(before.at((*p)[1]).second);
      }
    }
    for (const char* warning :
         {"ignoring DaemonSet-managed Pods", "deleting Pods with local storage",
          "deleting Pods that declare no controller"}) {
      if (result.err.find(std::string("Warning: ")) != std::string::npos &&
          result.err.find(warning) != std::string::npos) {
        outcome.warnings.insert(warning);
      }
    }
    return outcome;
  }

  // Drains a fresh node with keelson and another with kubectl, both with `flags`, and checks
  // that they agree. Returns keelson's outcome.
  DrainOutcome compare(const std::string& label, const std::vector<std::string>& flags) {
    const std::string ours = uniqueName("drain-" + label + "-k");
    const std::string theirs = uniqueName("drain-" + label + "-c");
    setUpNode(ours);
    setUpNode(theirs);
    std::vector<std::string> keelson = {
        keelsonBinary(),     "drain",     ours, "--kubeconfig", cluster_.kubeconfig, "--state-dir",
        state_dir_.string(), "--timeout", "60s"};
    std::vector<std::string> kubectl = {
        cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "drain", theirs, "--timeout", "60s"};
    keelson.insert(keelson.end(), flags.begin(), flags.end());
    kubectl.insert(kubectl.end(), flags.begin(), flags.end());
    const DrainOutcome a = drainWith(keelson, ours);
    const DrainOutcome b = drainWith(kubectl, theirs);
    const std::string context = "\nkeelson:\n" + a.out + a.err + "\nkubectl:\n" + b.out + b.err;
    EXPECT_EQ(a.exit_code, b.exit_code) << context;
    EXPECT_EQ(a.gone, b.gone) << context;
    EXPECT_EQ(a.refused, b.refused) << context;
    EXPECT_EQ(a.warnings, b.warnings) << context;
    // Both cordon first, whatever happens next (a server dry run leaves the node as it was).
    const bool dry_run = std::find_if(flags.begin(), flags.end(), [](const std::string& flag) {
                           return flag.starts_with("--dry-run=");
                         }) != flags.end();
    for (const std::string& node : {ours, theirs}) {
      EXPECT_EQ(cluster_.kubectlJson({"get", "node", node, "-o", "json"})["spec"].value(
                    "unschedulable", false),
                !dry_run)
          << node;
    }
    return a;
  }

  static inline TestCluster cluster_;
  static inline bool ready_ = false;
  std::filesystem::path state_dir_;
  std::vector<std::string> nodes_;
  std::vector<std::string> namespaces_;
};

TEST_F(DrainVsKubectl, WithoutFlagsRefusesBeforeEvictingAnything) {
  const DrainOutcome ours = compare("none", {});
  EXPECT_EQ(ours.exit_code, 1);
  EXPECT_TRUE(ours.gone.empty());
  // Three refusals: the DaemonSet's pod, the emptyDir pod, the bare pod.
  EXPECT_EQ(ours.refused.size(), 3U) << ours.err;
}

TEST_F(DrainVsKubectl, IgnoreDaemonSetsDeleteEmptyDirForceEvictsTheRest) {
  const DrainOutcome ours =
      compare("all", {"--ignore-daemonsets", "--delete-emptydir-data", "--force"});
  EXPECT_EQ(ours.exit_code, 0) << ours.err;
  EXPECT_EQ(ours.gone, (std::set<std::string>{"bare", "emptydir", "guarded", "replicaset"}));
}

TEST_F(DrainVsKubectl, WithoutForceRefusesOnlyTheBarePod) {
  const DrainOutcome ours = compare("noforce", {"--ignore-daemonsets", "--delete-emptydir-data"});
  EXPECT_EQ(ours.exit_code, 1);
  ASSERT_EQ(ours.refused.size(), 1U) << ours.err;
  EXPECT_EQ(ours.refused.begin()->second, std::set<std::string>{"bare"});
}

TEST_F(DrainVsKubectl, PodSelectorLimitsTheDrain) {
  const DrainOutcome ours = compare("selector", {"--pod-selector", "role=replicaset"});
  EXPECT_EQ(ours.exit_code, 0) << ours.err;
  EXPECT_EQ(ours.gone, std::set<std::string>{"replicaset"});
}

TEST_F(DrainVsKubectl, DisableEvictionDeletes) {
  const DrainOutcome ours = compare(
      "delete", {"--ignore-daemonsets", "--delete-emptydir-data", "--force", "--disable-eviction"});
  EXPECT_EQ(ours.exit_code, 0) << ours.err;
  EXPECT_EQ(ours.gone, (std::set<std::string>{"bare", "emptydir", "guarded", "replicaset"}));
}

TEST_F(DrainVsKubectl, ServerDryRunEvictsNothing) {
  const DrainOutcome ours = compare(
      "dryrun", {"--ignore-daemonsets", "--delete-emptydir-data", "--force", "--dry-run=server"});
  EXPECT_EQ(ours.exit_code, 0) << ours.err;
  EXPECT_TRUE(ours.gone.empty());
}

TEST_F(DrainVsKubectl, ClientDryRunSendsNothing) {
  const DrainOutcome ours = compare(
      "client", {"--ignore-daemonsets", "--delete-emptydir-data", "--force", "--dry-run=client"});
  EXPECT_EQ(ours.exit_code, 0) << ours.err;
  EXPECT_TRUE(ours.gone.empty());
  EXPECT_NE(ours.out.find("(dry run)"), std::string::npos) << ours.out;
}

}  // namespace
}  // namespace keelson::testing
