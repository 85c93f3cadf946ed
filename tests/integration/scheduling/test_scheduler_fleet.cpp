// keelson scheduler at the scale of the acceptance and with two replicas, against the
// test control plane: 200 pods created at once on 50 nodes are all bound without overcommitting
// any node (read back from the API server); with leader election only the leader binds, a killed
// leader's standby takes over within the lease duration, and a leader whose Lease is taken stops
// and exits 1.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/prerequisite.h"
#include "common/test_env.h"
#include "core/quantity.h"
#include "kube/objects.h"
#include "pod_manifests.h"
#include "support/keelson_process.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kFleetLabel = "keelson-fleet";

class SchedulerFleet : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!findTestCluster(cluster_, why)) KEELSON_MISSING_PREREQUISITE(why);
    ns_ =
        uniqueName("fleet") + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (auto& c : ns_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ns_ = ns_.substr(0, 50);
    dir_ = std::filesystem::path(cluster_.dir) / ns_;
    std::filesystem::create_directories(dir_);
    cluster_.kubectlOk({"create", "namespace", ns_});
  }

  void TearDown() override {
    if (cluster_.kubectl.empty()) return;
    run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "namespace", ns_,
         "--timeout=120s", "--ignore-not-found"});
    run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "node", "-l",
         std::string(kFleetLabel) + "=" + ns_, "--ignore-not-found"});
  }

  /// Adds `count` kwok nodes labelled keelson-fleet=<namespace>, four at a time.
  void addNodes(int count, const std::string& cpu, const std::string& memory) {
    const std::string script = sourceDir() + "/test/cluster/add-node";
    const std::string command = "seq 0 " + std::to_string(count - 1) + " | xargs -P 4 -I{} " +
                                script + " " + ns_ + "-{} --cpu " + cpu + " --memory " + memory +
                                " --label " + kFleetLabel + "=" + ns_;
    const CommandOutput added = run({"bash", "-c", command});
    ASSERT_EQ(added.exit_code, 0) << added.err;
  }

  /// `keelson scheduler` for this test's pods (scheduler name = the namespace).
  void startScheduler(KeelsonProcess& process, const std::string& log,
                      std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "scheduler",   "--kubeconfig", cluster_.kubeconfig, "--scheduler-name", ns_, "--port", "0",
        "--log-level", "info"};
    args.insert(args.end(), extra.begin(), extra.end());
    process.start(args, dir_ / log);
  }

  /// Leader election on a Lease in this test's namespace, with short timings.
  std::vector<std::string> leaderFlags() const {
    return {"--leader-elect-resource-namespace", ns_,  "--leader-elect-resource-name",  "scheduler",
            "--leader-elect-lease-duration",     "4s", "--leader-elect-renew-deadline", "3s",
            "--leader-elect-retry-period",       "1s"};
  }

  /// `count` pods `<prefix>-N` for this test's scheduler, restricted to its nodes.
  void createPods(const std::string& prefix, int count, const std::string& cpu,
                  const std::string& memory) {
    json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", json::array()}};
    json spec = {{"schedulerName", ns_},
                 {"containers", json::array({requestingContainer(cpu, memory)})}};
    spec["nodeSelector"][kFleetLabel] = ns_;
    for (int i = 0; i < count; ++i) {
      list["items"].push_back(podManifest(ns_, prefix + "-" + std::to_string(i), spec));
    }
    cluster_.apply(list.dump());
    ASSERT_EQ(placements().size() >= static_cast<std::size_t>(count), true) << list.dump();
  }

  /// Pod name → spec.nodeName ("" while unbound) of this test's pods.
  std::map<std::string, std::string> placements() const {
    std::map<std::string, std::string> out;
    const json pods = cluster_.kubectlJson({"get", "pods", "-n", ns_, "-o", "json"});
    for (const json& pod : pods["items"]) {
      out[pod["metadata"]["name"]] = pod["spec"].value("nodeName", "");
    }
    return out;
  }

  bool allBound(std::size_t expected) const {
    const auto pods = placements();
    if (pods.size() != expected) return false;
    for (const auto& [pod, node] : pods) {
      if (node.empty()) return false;
    }
    return true;
  }

  /// Fails the test for every node of this test whose pods (every namespace, not Succeeded or
  /// Failed) request more cpu or memory than it has allocatable, as the API server reports them.
  void expectNoOvercommit() const {
    std::map<std::string, std::map<std::string, core::Quantity>> allocatable;
    const json nodes = cluster_.kubectlJson(
        {"get", "nodes", "-l", std::string(kFleetLabel) + "=" + ns_, "-o", "json"});
    for (const json& node : nodes["items"]) {
      for (const std::string resource : {"cpu", "memory"}) {
        allocatable[node["metadata"]["name"]][resource] =
            core::Quantity::parse(node["status"]["allocatable"][resource].get<std::string>());
      }
    }
    std::map<std::string, std::map<std::string, core::Quantity>> requested;
    const json pods = cluster_.kubectlJson({"get", "pods", "-A", "-o", "json"});
    for (const json& pod : pods["items"]) {
      const std::string node = pod["spec"].value("nodeName", "");
      const std::string phase = pod["status"].value("phase", "");
      if (!allocatable.contains(node) || phase == "Succeeded" || phase == "Failed") continue;
      for (const json& c : pod["spec"]["containers"]) {
        const json requests =
            c.value("resources", json::object()).value("requests", json::object());
        for (const auto& [resource, value] : requests.items()) {
          requested[node][resource] += core::Quantity::parse(value.get<std::string>());
        }
      }
    }
    for (const auto& [node, resources] : allocatable) {
      for (const auto& [resource, free] : resources) {
        EXPECT_LE(requested[node][resource].milliValue(), free.milliValue())
            << node << " is overcommitted on " << resource;
      }
    }
  }

  /// The Lease's holderIdentity ("" when it does not exist yet).
  std::string leaseHolder() const {
    const CommandOutput out =
        run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "get", "lease", "-n", ns_,
             "scheduler", "-o", "jsonpath={.spec.holderIdentity}"});
    return out.exit_code == 0 ? out.out : "";
  }

  /// Pod name → reportingInstance of each of its Scheduled events.
  std::map<std::string, std::vector<std::string>> scheduledEvents() const {
    std::map<std::string, std::vector<std::string>> out;
    const json events =
        cluster_.kubectlJson({"get", "events.v1.events.k8s.io", "-n", ns_, "--field-selector",
                              "reason=Scheduled", "-o", "json"});
    for (const json& e : events["items"]) {
      if (e.value("reportingController", "") != ns_) continue;
      out[e["regarding"]["name"]].push_back(e.value("reportingInstance", ""));
    }
    return out;
  }

  /// The value of `series` (e.g. `keelson_scheduler_pending_pods{queue="active"}`) on the
  /// scheduler's /metrics; the port is the one its log reports.
  double metric(const std::string& log, const std::string& series) const {
    std::smatch port;
    const std::string text = tailOf(dir_ / log, 1 << 20);
    if (!std::regex_search(text, port, std::regex("port=([0-9]+)"))) return -1;
    const CommandOutput scraped =
        run({"curl", "-sf", "http://127.0.0.1:" + port[1].str() + "/metrics"});
    const auto at = scraped.out.find(series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(scraped.out.substr(at + series.size() + 1));
  }

  TestCluster cluster_;
  std::string ns_;
  std::filesystem::path dir_;
};

TEST_F(SchedulerFleet, TwoHundredPodsOnFiftyNodesAreAllBoundWithoutOvercommit) {
  // 50 nodes of 2 cpu take exactly 200 pods of 500m: every pod fits only if no node is given a
  // fifth pod while its earlier bindings are not yet in the scheduler's watch.
  addNodes(50, "2", "8Gi");
  KeelsonProcess scheduler;
  startScheduler(scheduler, "scheduler.log", {"--leader-elect=false"});
  const auto start = std::chrono::steady_clock::now();
  createPods("burst", 200, "500m", "256Mi");
  const bool bound = eventually([&] { return allBound(200); }, 180s);
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
  ASSERT_TRUE(bound) << tailOf(dir_ / "scheduler.log");
  std::cout << "200 pods bound on 50 nodes in " << seconds.count() << " s\n";

  std::map<std::string, int> per_node;
  for (const auto& [pod, node] : placements()) ++per_node[node];
  EXPECT_EQ(per_node.size(), 50u);
  for (const auto& [node, pods] : per_node) EXPECT_EQ(pods, 4) << node;
  expectNoOvercommit();
  // The queue drained.
  for (const std::string queue : {"active", "backoff", "unschedulable"}) {
    EXPECT_EQ(metric("scheduler.log", "keelson_scheduler_pending_pods{queue=\"" + queue + "\"}"), 0)
        << queue;
  }
  EXPECT_EQ(metric("scheduler.log",
                   "keelson_scheduler_schedule_attempts_total{result=\"scheduled\",profile=\"" +
                       ns_ + "\"}"),
            200);
  EXPECT_EQ(scheduler.kill(SIGTERM, 30s), 0) << tailOf(dir_ / "scheduler.log");
}

TEST_F(SchedulerFleet, OnlyTheLeaderBindsAndItsStandbyTakesOverWhenItIsKilled) {
  addNodes(3, "8", "16Gi");
  KeelsonProcess first;
  startScheduler(first, "first.log", leaderFlags());
  ASSERT_TRUE(eventually([&] { return !leaseHolder().empty(); }, 30s))
      << tailOf(dir_ / "first.log");
  const std::string first_identity = leaseHolder();
  KeelsonProcess second;
  startScheduler(second, "second.log", leaderFlags());
  std::this_thread::sleep_for(3s);  // The standby competes, and must not win.
  EXPECT_EQ(leaseHolder(), first_identity);

  createPods("before", 10, "100m", "64Mi");
  ASSERT_TRUE(eventually([&] { return allBound(10); }, 60s)) << tailOf(dir_ / "first.log");
  ASSERT_TRUE(eventually([&] { return scheduledEvents().size() == 10; }, 30s));
  for (const auto& [pod, instances] : scheduledEvents()) {
    EXPECT_EQ(instances, std::vector<std::string>{first_identity}) << pod;
  }

  ASSERT_EQ(first.kill(SIGKILL, 10s), 128 + SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually(
      [&] {
        const std::string holder = leaseHolder();
        return !holder.empty() && holder != first_identity;
      },
      20s))
      << tailOf(dir_ / "second.log");
  const auto takeover = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed);
  std::cout << "standby took over " << takeover.count() << " s after the leader was killed\n";
  // Lease duration 4 s after the standby last saw a renewal, plus one retry period with its
  // jitter (1 s x 2.2), plus this test's polling through kubectl (up to 2 s on a busy machine).
  EXPECT_LT(takeover.count(), 4.0 + 2.2 + 2.0);
  const std::string second_identity = leaseHolder();

  createPods("after", 10, "100m", "64Mi");
  ASSERT_TRUE(eventually([&] { return allBound(20); }, 60s)) << tailOf(dir_ / "second.log");
  ASSERT_TRUE(eventually([&] { return scheduledEvents().size() == 20; }, 30s));
  for (const auto& [pod, instances] : scheduledEvents()) {
    // Bound once, by the replica leading at the time.
    const std::string& expected = pod.starts_with("before") ? first_identity : second_identity;
    EXPECT_EQ(instances, std::vector<std::string>{expected}) << pod;
  }
  const json lease = cluster_.kubectlJson({"get", "lease", "-n", ns_, "scheduler", "-o", "json"});
  EXPECT_GE(lease["spec"].value("leaseTransitions", 0), 1);
  expectNoOvercommit();
}

TEST_F(SchedulerFleet, ALeaderWhoseLeaseIsTakenStopsSchedulingAndExits) {
  addNodes(2, "8", "16Gi");
  KeelsonProcess leader;
  startScheduler(leader, "leader.log", leaderFlags());
  ASSERT_TRUE(eventually([&] { return !leaseHolder().empty(); }, 30s))
      << tailOf(dir_ / "leader.log");
  // Another holder takes the Lease for ten minutes, as a competing scheduler would.
  const json patch = {{"spec",
                       {{"holderIdentity", "intruder"},
                        {"leaseDurationSeconds", 600},
                        {"renewTime", kube::formatMicroTime(std::chrono::system_clock::now())}}}};
  cluster_.kubectlOk(
      {"patch", "lease", "-n", ns_, "scheduler", "--type", "merge", "-p", patch.dump()});
  EXPECT_EQ(leader.kill(0, 20s), 1) << tailOf(dir_ / "leader.log");
  EXPECT_NE(tailOf(dir_ / "leader.log").find("leader election lost"), std::string::npos);

  createPods("orphan", 1, "100m", "64Mi");
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(placements().at("orphan-0"), "") << "bound with no leader";
  EXPECT_EQ(leaseHolder(), "intruder");
}

TEST_F(SchedulerFleet, TheShippedRbacIsEnough) {
  // deploy/manifests/30-scheduler.yaml without its Deployment and Service (no image here): the
  // service account, its bindings to kube-scheduler's roles and the Lease role.
  cluster_.apply(cluster_.shippedObjects("00-namespace.yaml", {"Namespace"}));
  const std::string rbac = cluster_.shippedObjects(
      "30-scheduler.yaml", {"ServiceAccount", "ClusterRoleBinding", "Role", "RoleBinding"});
  cluster_.apply(rbac);
  run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "lease", "-n", "keelson",
       "keelson-scheduler", "--ignore-not-found"});
  std::string token;
  const TestCluster as_scheduler = cluster_.asServiceAccount("keelson", "keelson-scheduler", token);
  addNodes(1, "2", "4Gi");

  KeelsonProcess scheduler;
  // The Lease as the Deployment names it.
  scheduler.start({"scheduler", "--kubeconfig", as_scheduler.kubeconfig, "--scheduler-name", ns_,
                   "--leader-elect-resource-namespace", "keelson", "--leader-elect-resource-name",
                   "keelson-scheduler", "--port", "0", "--log-level", "info"},
                  dir_ / "scheduler.log");
  createPods("fits", 1, "500m", "64Mi");
  createPods("too-big", 1, "64", "64Mi");
  EXPECT_TRUE(eventually([&] { return !placements().at("fits-0").empty(); }, 60s))
      << tailOf(dir_ / "scheduler.log");
  // The FailedScheduling event and the pod's condition were allowed too.
  EXPECT_TRUE(eventually(
      [&] {
        const json pod = cluster_.kubectlJson({"get", "pod", "-n", ns_, "too-big-0", "-o", "json"});
        for (const json& c : pod["status"].value("conditions", json::array())) {
          if (c.value("type", "") == "PodScheduled" && c.value("reason", "") == "Unschedulable") {
            return true;
          }
        }
        return false;
      },
      60s))
      << tailOf(dir_ / "scheduler.log");
  EXPECT_EQ(scheduledEvents().size(), 1u);
  EXPECT_EQ(scheduler.kill(SIGTERM, 30s), 0) << tailOf(dir_ / "scheduler.log");
  // Released on the way out, so that a standby would take over at once.
  const CommandOutput holder =
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "get", "lease", "-n", "keelson",
           "keelson-scheduler", "-o", "jsonpath={.spec.holderIdentity}"});
  EXPECT_EQ(holder.out, "");
  std::ofstream(dir_ / "rbac.json") << rbac;
  run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "-f",
       (dir_ / "rbac.json").string(), "--ignore-not-found"});
}

}  // namespace
}  // namespace keelson::testing
