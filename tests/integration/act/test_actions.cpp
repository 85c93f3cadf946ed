// Every write verb against the real API server: what it changed is read back with kubectl (the
// independent source of truth), each dry-run mode changes nothing it should not (resourceVersions
// compared), preconditions give kubectl's refusals, RBAC denials are shown and audited, a
// PodDisruptionBudget blocks drain until it is relaxed, and a drain killed with SIGKILL leaves an
// intent that the next start reports as "unknown outcome".
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/child_process.h"
#include "common/prerequisite.h"
#include "common/test_env.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class Actions : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    if (!findTestCluster(cluster_, why)) return;
    ready_ = true;
    ns_ = uniqueName("act");
    node_ = uniqueName("act-node");
    twin_ = uniqueName("act-twin");
    for (const std::string& node : {node_, twin_}) {
      run({sourceDir() + "/test/cluster/add-node", node, "--label", "keelson-test/node=" + node});
    }
    cluster_.kubectlOk({"create", "namespace", ns_});
  }

  static void TearDownTestSuite() {
    if (!ready_) return;
    cluster_.kubectlOk({"delete", "namespace", ns_, "--wait=false", "--ignore-not-found"});
    for (const std::string& node : {node_, twin_}) {
      cluster_.kubectlOk({"delete", "node", node, "--ignore-not-found"});
    }
  }

  void SetUp() override {
    if (!ready_) KEELSON_MISSING_PREREQUISITE("no test cluster");
    state_dir_ = std::filesystem::temp_directory_path() / uniqueName("keelson-act-state");
  }
  void TearDown() override { std::filesystem::remove_all(state_dir_); }

  CommandOutput keelson(std::vector<std::string> args, const TestCluster& as = cluster_) {
    args.insert(args.begin(), {"--kubeconfig", as.kubeconfig});
    args.insert(args.end(), {"--state-dir", state_dir_.string()});
    return runKeelson(args);
  }

  std::vector<std::string> keelsonArgv(std::vector<std::string> args) {
    args.insert(args.begin(), keelsonBinary());
    args.insert(args.end(),
                {"--kubeconfig", cluster_.kubeconfig, "--state-dir", state_dir_.string()});
    return args;
  }

  static CommandOutput kubectl(std::vector<std::string> args) {
    args.insert(args.begin(), {cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig});
    return run(args);
  }

  static json get(const std::string& what) {
    return cluster_.kubectlJson({"get", what, "-n", ns_, "-o", "json"});
  }
  static std::string resourceVersion(const std::string& what) {
    return get(what)["metadata"]["resourceVersion"];
  }

  // The audit log as `keelson audit -o json` reads it.
  json audit() {
    const CommandOutput out = keelson({"audit", "-o", "json"});
    EXPECT_EQ(out.exit_code, 0) << out.err;
    return json::parse(out.out)["items"];
  }

  static void deployment(const std::string& name, int replicas, const std::string& extra = "") {
    cluster_.apply(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: )" +
                   name + ", namespace: " + ns_ + R"(}
spec:
  replicas: )" + std::to_string(replicas) +
                   R"(
  selector: {matchLabels: {app: )" +
                   name + R"(}}
  template:
    metadata: {labels: {app: )" +
                   name + R"(}}
    spec:
      nodeSelector: {keelson-test/node: )" +
                   node_ + R"(}
      containers: [{name: main, image: busybox}, {name: side, image: busybox}]
)" + extra);
    waitForReady(name, replicas);
  }

  static void waitForReady(const std::string& app, int count) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      int running = 0;
      const json pods =
          cluster_.kubectlJson({"get", "pods", "-n", ns_, "-l", "app=" + app, "-o", "json"});
      for (const json& pod : pods["items"]) {
        const bool deleting = pod["metadata"].contains("deletionTimestamp");
        running += !deleting && pod["status"].value("phase", "") == "Running" ? 1 : 0;
      }
      if (running == count) return;
      std::this_thread::sleep_for(250ms);
    }
    ADD_FAILURE() << app << ": " << count << " pods did not come up";
  }

  static inline TestCluster cluster_;
  static inline bool ready_ = false;
  static inline std::string ns_;
  static inline std::string node_;
  static inline std::string twin_;
  std::filesystem::path state_dir_;
};

// cordon/uncordon in each dry-run mode print what kubectl prints for the same change on a twin
// node, and only --dry-run=none changes the node.
TEST_F(Actions, CordonMatchesKubectlInEveryDryRunMode) {
  for (const std::string mode : {"client", "server", "none"}) {
    const std::string rv =
        cluster_.kubectlJson({"get", "node", node_, "-o", "json"})["metadata"]["resourceVersion"];
    const CommandOutput ours = keelson({"cordon", node_, "--dry-run=" + mode});
    const CommandOutput theirs = kubectl({"cordon", twin_, "--dry-run=" + mode});
    ASSERT_EQ(ours.exit_code, 0) << ours.err;
    ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
    const std::string first_line = ours.out.substr(0, ours.out.find('\n') + 1);
    std::string expected = theirs.out;
    expected.replace(expected.find(twin_), twin_.size(), node_);
    EXPECT_EQ(first_line, expected) << mode;
    const json node = cluster_.kubectlJson({"get", "node", node_, "-o", "json"});
    EXPECT_EQ(node["spec"].value("unschedulable", false), mode == "none") << mode;
    if (mode != "none") {
      EXPECT_EQ(node["metadata"]["resourceVersion"], rv) << mode;
    }
    if (mode == "server") {
      EXPECT_NE(ours.out.find("/spec/unschedulable"), std::string::npos) << ours.out;
    }
  }
  // Again: already cordoned is success, as kubectl says.
  const CommandOutput again = keelson({"cordon", node_});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.out, "node/" + node_ + " already cordoned\n");
  const CommandOutput uncordon = keelson({"uncordon", node_, "-o", "json"});
  ASSERT_EQ(uncordon.exit_code, 0) << uncordon.err;
  EXPECT_EQ(json::parse(uncordon.out)["summary"], "uncordoned");
  kubectl({"uncordon", twin_});
  EXPECT_FALSE(cluster_.kubectlJson({"get", "node", node_, "-o", "json"})["spec"].value(
      "unschedulable", false));
  // Every action is in the audit log with its outcome and status codes.
  const json records = audit();
  ASSERT_EQ(records.size(), 5U);
  EXPECT_EQ(records[1]["dryRun"], "server");
  EXPECT_EQ(records[1]["statusCodes"], json::array({200, 200}));
  EXPECT_EQ(records[4]["verb"], "uncordon");
  for (const json& record : records) EXPECT_EQ(record["outcome"], "succeeded") << record;
}

TEST_F(Actions, ScaleWithPreconditions) {
  deployment("scaled", 1);
  const std::string rv = resourceVersion("deployment/scaled");
  EXPECT_EQ(
      keelson({"scale", "deployment/scaled", "-n", ns_, "--replicas", "3", "--dry-run=server"})
          .exit_code,
      0);
  EXPECT_EQ(resourceVersion("deployment/scaled"), rv);
  EXPECT_EQ(get("deployment/scaled")["spec"]["replicas"], 1);

  const CommandOutput scaled =
      keelson({"scale", "deploy/scaled", "-n", ns_, "--replicas", "3", "--current-replicas", "1"});
  ASSERT_EQ(scaled.exit_code, 0) << scaled.err;
  EXPECT_EQ(scaled.out, "deployment.apps/scaled scaled\n");
  EXPECT_EQ(get("deployment/scaled")["spec"]["replicas"], 3);

  // A failed precondition: kubectl's message, and nothing changes.
  const CommandOutput ours = keelson(
      {"scale", "deployment/scaled", "-n", ns_, "--replicas", "5", "--current-replicas", "1"});
  const CommandOutput theirs = kubectl(
      {"scale", "deployment/scaled", "-n", ns_, "--replicas", "5", "--current-replicas", "1"});
  EXPECT_EQ(ours.exit_code, 1);
  EXPECT_EQ(theirs.exit_code, 1);
  EXPECT_EQ(ours.err, theirs.err);
  const CommandOutput stale = keelson(
      {"scale", "deployment/scaled", "-n", ns_, "--replicas", "5", "--resource-version", "1"});
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_NE(stale.err.find("Expected resource version to be 1"), std::string::npos) << stale.err;
  EXPECT_EQ(get("deployment/scaled")["spec"]["replicas"], 3);
}

TEST_F(Actions, LabelAsKubectlDoes) {
  deployment("labelled", 1);
  ASSERT_EQ(keelson({"label", "deployment/labelled", "-n", ns_, "tier=web"}).exit_code, 0);
  EXPECT_EQ(get("deployment/labelled")["metadata"]["labels"]["tier"], "web");
  // Without --overwrite a different value is refused with kubectl's message.
  const CommandOutput ours = keelson({"label", "deployment/labelled", "-n", ns_, "tier=db"});
  const CommandOutput theirs = kubectl({"label", "deployment/labelled", "-n", ns_, "tier=db"});
  EXPECT_EQ(ours.exit_code, 1);
  EXPECT_EQ(theirs.exit_code, 1);
  EXPECT_EQ(ours.err, theirs.err);
  // A stale --resource-version is the API server's 409, and is audited with it.
  const CommandOutput stale = keelson({"label", "deployment/labelled", "-n", ns_, "tier=db",
                                       "--overwrite", "--resource-version", "1"});
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_NE(stale.err.find("409"), std::string::npos) << stale.err;
  EXPECT_EQ(audit().back()["statusCodes"], json::array({200, 409}));
  const CommandOutput removed = keelson({"label", "deployment/labelled", "-n", ns_, "tier-"});
  EXPECT_EQ(removed.out, "deployment.apps/labelled unlabeled\n");
  EXPECT_FALSE(get("deployment/labelled")["metadata"]["labels"].contains("tier"));
}

TEST_F(Actions, RolloutRestartAndPausedDeployment) {
  deployment("restarted", 1);
  const CommandOutput ours = keelson({"rollout", "restart", "deployment/restarted", "-n", ns_});
  ASSERT_EQ(ours.exit_code, 0) << ours.err;
  EXPECT_EQ(ours.out, "deployment.apps/restarted restarted\n");
  EXPECT_TRUE(get("deployment/restarted")["spec"]["template"]["metadata"]["annotations"].contains(
      "kubectl.kubernetes.io/restartedAt"));
  kubectl({"rollout", "pause", "deployment/restarted", "-n", ns_});
  const CommandOutput paused = keelson({"rollout", "restart", "deployment/restarted", "-n", ns_});
  const CommandOutput theirs = kubectl({"rollout", "restart", "deployment/restarted", "-n", ns_});
  EXPECT_EQ(paused.exit_code, 1);
  EXPECT_EQ(paused.err, theirs.err);
}

TEST_F(Actions, RestartPodNeedsAController) {
  deployment("recreated", 1);
  const json pod = cluster_.kubectlJson(
      {"get", "pods", "-n", ns_, "-l", "app=recreated", "-o", "json"})["items"][0];
  const std::string name = pod["metadata"]["name"];
  ASSERT_EQ(keelson({"restart", "pod", ns_ + "/" + name}).exit_code, 0);
  waitForReady("recreated", 1);
  const json replaced = cluster_.kubectlJson(
      {"get", "pods", "-n", ns_, "-l", "app=recreated", "-o", "json"})["items"][0];
  EXPECT_NE(replaced["metadata"]["uid"], pod["metadata"]["uid"]);

  cluster_.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: lonely, namespace: " + ns_ +
                 "}\nspec:\n  nodeName: " + node_ +
                 "\n  containers: [{name: c, image: busybox}]\n");
  const CommandOutput refused = keelson({"restart", "pod", "lonely", "-n", ns_});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
  EXPECT_EQ(get("pod/lonely")["metadata"]["name"], "lonely");
  EXPECT_EQ(audit().back()["outcome"], "refused");
}

TEST_F(Actions, SetResourcesInEachDryRunMode) {
  deployment("sized", 1);
  const std::string rv = resourceVersion("deployment/sized");
  const CommandOutput server =
      keelson({"set", "resources", "deployment/sized", "-n", ns_, "-c", "main", "--limits",
               "cpu=500m,memory=256Mi", "--requests", "cpu=250m", "--dry-run=server"});
  ASSERT_EQ(server.exit_code, 0) << server.err;
  EXPECT_NE(server.out.find("/spec/template/spec/containers/0/resources"), std::string::npos)
      << server.out;
  EXPECT_EQ(resourceVersion("deployment/sized"), rv);
  const CommandOutput applied =
      keelson({"set", "resources", "deployment/sized", "-n", ns_, "-c", "main", "--limits",
               "cpu=500m,memory=256Mi", "--requests", "cpu=250m"});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_EQ(applied.out, "deployment.apps/sized resource requirements updated\n");
  const json containers = get("deployment/sized")["spec"]["template"]["spec"]["containers"];
  EXPECT_EQ(containers[0]["resources"]["limits"]["memory"], "256Mi");
  EXPECT_EQ(containers[0]["resources"]["requests"]["cpu"], "250m");
  EXPECT_FALSE(containers[1].contains("resources") && !containers[1]["resources"].empty());
  const CommandOutput missing = keelson(
      {"set", "resources", "deployment/sized", "-n", ns_, "-c", "nope", "--limits", "cpu=1"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("unable to find container named nope"), std::string::npos);
}

// A budget that allows no disruption: evict names it; drain retries every 5 s until --timeout,
// then fails with the pods still there; relaxing the budget lets a drain finish.
TEST_F(Actions, PodDisruptionBudgetBlocksUntilRelaxed) {
  deployment("guarded", 2,
             "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: guarded, "
             "namespace: " +
                 ns_ +
                 "}\nspec:\n  minAvailable: 2\n  selector: {matchLabels: {app: "
                 "guarded}}\n");
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (get("pdb/guarded")["status"].value("currentHealthy", 0) != 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(250ms);
  }
  const std::string pod = cluster_.kubectlJson({"get", "pods", "-n", ns_, "-l", "app=guarded", "-o",
                                                "json"})["items"][0]["metadata"]["name"];
  const CommandOutput evicted = keelson({"evict", ns_ + "/" + pod});
  EXPECT_EQ(evicted.exit_code, 1);
  EXPECT_NE(evicted.err.find("PodDisruptionBudget " + ns_ + "/guarded"), std::string::npos)
      << evicted.err;

  const CommandOutput timed_out = keelson({"drain", node_, "--ignore-daemonsets", "--force",
                                           "--timeout", "7s", "--pod-selector", "app=guarded"});
  EXPECT_EQ(timed_out.exit_code, 1);
  EXPECT_NE(timed_out.err.find("will retry after 5s"), std::string::npos) << timed_out.err;
  EXPECT_NE(timed_out.err.find("PodDisruptionBudget " + ns_ + "/guarded"), std::string::npos);
  EXPECT_NE(timed_out.err.find("global timeout reached: 7s"), std::string::npos);
  EXPECT_NE(timed_out.err.find("There are pending pods in node"), std::string::npos);
  waitForReady("guarded", 2);  // nothing was evicted
  EXPECT_EQ(audit().back()["outcome"], "failed");

  ChildProcess drain(keelsonArgv({"drain", node_, "--pod-selector", "app=guarded"}));
  std::this_thread::sleep_for(3s);
  kubectl({"patch", "pdb", "guarded", "-n", ns_, "--type=merge", "-p",
           R"({"spec":{"minAvailable":0}})"});
  const CommandResult done = drain.wait(60s);
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("node/" + node_ + " drained"), std::string::npos) << done.out;
  kubectl({"uncordon", node_});
}

// SIGKILL in the middle of a drain (blocked by a budget, so it is surely in flight): the intent
// is on disk without an outcome, and the next start reports it as unknown.
TEST_F(Actions, AuditSurvivesKillDuringDrain) {
  deployment("stuck", 1,
             "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: stuck, "
             "namespace: " +
                 ns_ +
                 "}\nspec:\n  minAvailable: 1\n  selector: {matchLabels: {app: "
                 "stuck}}\n");
  ChildProcess drain(keelsonArgv({"drain", node_, "--pod-selector", "app=stuck"}));
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    const json records = audit();
    if (!records.empty() && records.back()["verb"] == "drain") break;
    std::this_thread::sleep_for(200ms);
  }
  std::this_thread::sleep_for(1s);
  ::kill(drain.pid(), SIGKILL);
  drain.wait(10s);
  const json records = audit();
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.back()["verb"], "drain");
  EXPECT_EQ(records.back()["outcome"], "unknown");
  const CommandOutput next = keelson({"uncordon", node_});
  EXPECT_EQ(next.exit_code, 0);
  EXPECT_NE(next.err.find("unknown outcome"), std::string::npos) << next.err;
}

// The shipped write roles (deploy/manifests/40-action-clusterroles.yaml) grant each verb on its
// own: a caller bound to keelson-cordon can cordon; without a role, or for another verb, it sees
// the API server's 403, and the audit log records it.
TEST_F(Actions, RbacPerVerbDenialIsShownAndAudited) {
  deployment("unscalable", 1);
  cluster_.kubectlOk(
      {"apply", "-f", sourceDir() + "/deploy/manifests/40-action-clusterroles.yaml"});
  cluster_.kubectlOk({"create", "serviceaccount", "operator", "-n", ns_});
  std::string token;
  const TestCluster as_operator = cluster_.asServiceAccount(ns_, "operator", token);
  const CommandOutput denied = keelson({"cordon", node_}, as_operator);
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("403"), std::string::npos) << denied.err;
  EXPECT_NE(denied.err.find("forbidden"), std::string::npos) << denied.err;
  const json record = audit().back();
  EXPECT_EQ(record["outcome"], "failed");
  EXPECT_EQ(record["statusCodes"], json::array({403}));
  EXPECT_FALSE(cluster_.kubectlJson({"get", "node", node_, "-o", "json"})["spec"].value(
      "unschedulable", false));

  const std::string binding = ns_ + "-cordon";
  cluster_.kubectlOk({"create", "clusterrolebinding", binding, "--clusterrole=keelson-cordon",
                      "--serviceaccount=" + ns_ + ":operator"});
  const CommandOutput allowed = keelson({"cordon", node_}, as_operator);
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_EQ(keelson({"scale", "deployment/unscalable", "-n", ns_, "--replicas", "2"}, as_operator)
                .exit_code,
            1);
  EXPECT_EQ(audit().back()["statusCodes"], json::array({403}));
  EXPECT_EQ(get("deployment/unscalable")["spec"]["replicas"], 1);
  cluster_.kubectlOk({"delete", "clusterrolebinding", binding});
  EXPECT_EQ(keelson({"uncordon", node_}).exit_code, 0);
}

}  // namespace
}  // namespace keelson::testing
