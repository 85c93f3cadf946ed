// Acceptance tests of keelson's own scheduling (`keelson scheduler`, `keelson schedule`) against
// independent truths: kube-scheduler's verdict and the API server's state.
// - Every placement keelson makes must be one kube-scheduler accepts: each bound pod is deleted
//   and its twin (same spec and labels, for default-scheduler, pinned to the same node with a
//   kubernetes.io/hostname selector) must be scheduled there by kube-scheduler.
// - No test node ends up with more requests than it has allocatable.
// - For an unschedulable pod, keelson's FailedScheduling message must count the same nodes per
//   reason as kube-scheduler's for the same pod (both evaluate every node of the cluster).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "analysis/scheduling.h"
#include "common/prerequisite.h"
#include "common/test_env.h"
#include "core/quantity.h"
#include "kube/client.h"
#include "kube/cluster_config.h"
#include "kube/curl_transport.h"
#include "kube/event.h"
#include "kube/list.h"
#include "pod_manifests.h"
#include "support/keelson_process.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

/// On every node these tests add, so that an interrupted run's nodes are removed next time.
constexpr const char* kTestLabel = "keelson-ksched-test";
/// On every node of one test, with the test's prefix as value: pods select the test's nodes.
constexpr const char* kRunLabel = "keelson-ksched-run";
constexpr const char* kDefaultScheduler = "default-scheduler";

json container(const std::string& cpu = "100m", const std::string& memory = "64Mi") {
  return requestingContainer(cpu, memory);
}

/// A pod's requests of `resource` in milli-units, as kube-scheduler computes them: the sum over
/// the containers, at least each init container's, plus the overhead.
std::int64_t podRequestMilli(const json& spec, const std::string& resource) {
  const auto request = [&resource](const json& c) -> std::int64_t {
    const json* requests = nullptr;
    if (c.contains("resources") && c["resources"].contains("requests")) {
      requests = &c["resources"]["requests"];
    }
    if (requests == nullptr || !requests->contains(resource)) return 0;
    return core::Quantity::parse((*requests)[resource].get<std::string>()).milliValue();
  };
  std::int64_t sum = 0;
  for (const auto& c : spec.value("containers", json::array())) sum += request(c);
  for (const auto& c : spec.value("initContainers", json::array())) sum = std::max(sum, request(c));
  if (spec.contains("overhead") && spec["overhead"].contains(resource)) {
    sum += core::Quantity::parse(spec["overhead"][resource].get<std::string>()).milliValue();
  }
  return sum;
}

/// A pod to create: its spec and labels.
struct PodSpec {
  json spec;
  json labels = json::object();
};

class KeelsonSchedulerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TestCluster cluster;
    std::string why;
    if (!findTestCluster(cluster, why)) return;
    // Nodes left behind by an earlier, interrupted run of these tests.
    run({cluster.kubectl, "--kubeconfig", cluster.kubeconfig, "delete", "node", "-l",
         std::string(kTestLabel) + "=1", "--ignore-not-found"});
  }

  void SetUp() override {
    std::string why;
    if (!findTestCluster(cluster_, why)) KEELSON_MISSING_PREREQUISITE(why);
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    // Short: the prefix is a namespace, a node name prefix, a label value and a scheduler name.
    std::string initials;
    for (const char c : test) {
      if (std::isupper(static_cast<unsigned char>(c)) != 0) {
        initials += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    prefix_ = uniqueName("ks") + "-" + initials;
    ns_ = prefix_;
    work_dir_ = std::filesystem::temp_directory_path() / prefix_;
    std::filesystem::remove_all(work_dir_);
    std::filesystem::create_directories(work_dir_);
    cluster_.kubectlOk({"create", "namespace", ns_});
    kube::ConfigOptions options;
    options.kubeconfig_path = cluster_.kubeconfig;
    client_ = std::make_unique<kube::Client>(kube::loadConfig(options), kube::TransportOptions{});
  }

  void TearDown() override {
    if (cluster_.kubectl.empty()) return;
    scheduler_.kill(15, 10s);
    run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "namespace", ns_,
         "--timeout=60s", "--ignore-not-found"});
    for (const auto& node : nodes_) {
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "node", node,
           "--ignore-not-found"});
    }
    if (!HasFailure()) std::filesystem::remove_all(work_dir_);
  }

  /// Adds a kwok node `<prefix>-<suffix>` with the test labels; `extra` are add-node flags.
  std::string addNode(const std::string& suffix, std::vector<std::string> extra = {}) {
    const std::string name = prefix_ + "-" + suffix;
    std::vector<std::string> argv = {
        sourceDir() + "/test/cluster/add-node", name,      "--label",
        std::string(kTestLabel) + "=1",         "--label", std::string(kRunLabel) + "=" + prefix_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const auto result = run(argv);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    nodes_.push_back(name);
    return name;
  }

  /// Starts `keelson scheduler` named after the test, without leader election.
  void startScheduler() {
    scheduler_log_ = work_dir_ / "scheduler.log";
    scheduler_.start({"scheduler", "--kubeconfig", cluster_.kubeconfig, "--scheduler-name", prefix_,
                      "--leader-elect=false", "--port", "0", "--pod-initial-backoff", "1s"},
                     scheduler_log_);
  }

  void applyPods(const std::vector<json>& pods) const {
    cluster_.apply(json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", pods}}.dump());
  }

  json getPod(const std::string& name) const {
    return cluster_.kubectlJson({"get", "pod", "-n", ns_, name, "-o", "json"});
  }

  /// The pod's PodScheduled condition (null when it has none).
  static json podScheduled(const json& pod) {
    for (const auto& c : pod["status"].value("conditions", json::array())) {
      if (c.value("type", "") == "PodScheduled") return c;
    }
    return nullptr;
  }

  /// The latest FailedScheduling event of `pod` reported by `controller`, if any.
  std::optional<kube::Event> failedScheduling(const std::string& pod,
                                              const std::string& controller) const {
    const auto events =
        kube::listAll<kube::Event>(*client_, "/apis/events.k8s.io/v1/namespaces/" + ns_ + "/events")
            .items;
    std::optional<kube::Event> latest;
    for (const auto& e : events) {
      if (e.reason != "FailedScheduling" || e.regarding.name != pod ||
          e.reporting_controller != controller) {
        continue;
      }
      if (!latest || e.last_time >= latest->last_time) latest = e;
    }
    return latest;
  }

  /// Waits up to 60 s for `controller`'s FailedScheduling event on `pod` and returns its message
  /// ("" after a failure: none came, or the pod was bound).
  std::string waitForFailedScheduling(const std::string& pod, const std::string& controller) {
    std::string message;
    std::string bound_to;
    eventually(
        [&] {
          if (const auto event = failedScheduling(pod, controller)) message = event->message;
          if (message.empty()) bound_to = getPod(pod)["spec"].value("nodeName", "");
          return !message.empty() || !bound_to.empty();
        },
        60s);
    if (!bound_to.empty()) {
      ADD_FAILURE() << ns_ << "/" << pod << " was scheduled to " << bound_to;
    } else if (message.empty()) {
      ADD_FAILURE() << "no FailedScheduling event from " << controller << " for " << ns_ << "/"
                    << pod;
    }
    return message;
  }

  /// Waits up to 60 s for PodScheduled=True on `pod`; returns its node ("" after a failure,
  /// reported with kube-scheduler's reason).
  std::string waitForScheduled(const std::string& pod) {
    json last;
    const bool scheduled = eventually(
        [&] {
          last = getPod(pod);
          const json condition = podScheduled(last);
          return condition.is_object() && condition.value("status", "") == "True";
        },
        60s);
    if (!scheduled) {
      const auto event = failedScheduling(pod, kDefaultScheduler);
      ADD_FAILURE() << ns_ << "/" << pod
                    << " was not scheduled within 60s: " << podScheduled(last).dump() << "; "
                    << (event ? event->message : "no FailedScheduling event");
      return "";
    }
    return last["spec"].value("nodeName", "");
  }

  /// Deletes `pod` and waits until it is gone.
  void deletePod(const std::string& pod) const {
    cluster_.kubectlOk({"delete", "pod", "-n", ns_, pod, "--wait=true", "--timeout=60s"});
  }

  /// Asserts that on every node of this test, the requests of its non-terminated pods fit its
  /// allocatable cpu and memory (read from the API server).
  void expectNoOvercommit() const {
    const json nodes = cluster_.kubectlJson(
        {"get", "nodes", "-l", std::string(kRunLabel) + "=" + prefix_, "-o", "json"});
    const json pods = cluster_.kubectlJson({"get", "pods", "-A", "-o", "json"});
    ASSERT_EQ(nodes["items"].size(), nodes_.size());
    std::map<std::string, std::map<std::string, std::int64_t>> used;
    std::map<std::string, std::vector<std::string>> names;
    for (const auto& pod : pods["items"]) {
      const std::string node = pod["spec"].value("nodeName", "");
      const std::string phase = pod["status"].value("phase", "");
      if (node.empty() || phase == "Succeeded" || phase == "Failed") continue;
      for (const std::string resource : {"cpu", "memory"}) {
        used[node][resource] += podRequestMilli(pod["spec"], resource);
      }
      names[node].push_back(pod["metadata"].value("name", ""));
    }
    for (const auto& node : nodes["items"]) {
      const std::string name = node["metadata"]["name"];
      for (const std::string resource : {"cpu", "memory"}) {
        const std::int64_t allocatable =
            core::Quantity::parse(node["status"]["allocatable"][resource].get<std::string>())
                .milliValue();
        EXPECT_LE(used[name][resource], allocatable)
            << name << " is overcommitted on " << resource
            << " (milli-units), pods: " << json(names[name]).dump();
      }
    }
  }

  /// Parses both FailedScheduling messages and expects the same node count per reason;
  /// `refresh` re-reads both (the latest verdicts) when they differ, a few times, in case one
  /// scheduler judged a cluster that was still settling.
  void expectSameCounts(const std::string& label, std::string keelson_message,
                        std::string scheduler_message,
                        const std::function<std::pair<std::string, std::string>()>& refresh) {
    analysis::FailedSchedulingMessage ours;
    analysis::FailedSchedulingMessage theirs;
    for (int attempt = 0; attempt < 5; ++attempt) {
      ours = analysis::parseFailedSchedulingMessage(keelson_message);
      theirs = analysis::parseFailedSchedulingMessage(scheduler_message);
      if (ours.valid && theirs.valid && ours.total_nodes == theirs.total_nodes &&
          ours.categories == theirs.categories) {
        break;
      }
      std::this_thread::sleep_for(2s);
      std::tie(keelson_message, scheduler_message) = refresh();
    }
    EXPECT_TRUE(ours.valid) << label << ": keelson: " << keelson_message;
    EXPECT_TRUE(theirs.valid) << label << ": kube-scheduler: " << scheduler_message;
    EXPECT_EQ(ours.total_nodes, theirs.total_nodes)
        << label << "\nkube-scheduler: " << scheduler_message
        << "\nkeelson:        " << keelson_message;
    EXPECT_EQ(describe(ours.categories), describe(theirs.categories))
        << label << "\nkube-scheduler: " << scheduler_message
        << "\nkeelson:        " << keelson_message;
    std::cout << "[" << label << "] kube-scheduler: " << scheduler_message << "\n[" << label
              << "] keelson:        " << keelson_message << "\n";
  }

  TestCluster cluster_;
  std::unique_ptr<kube::Client> client_;
  std::string prefix_;
  std::string ns_;
  std::filesystem::path work_dir_;
  std::vector<std::string> nodes_;
  KeelsonProcess scheduler_;
  std::filesystem::path scheduler_log_;
};

using KeelsonScheduler = KeelsonSchedulerTest;
using KeelsonSchedule = KeelsonSchedulerTest;

TEST_F(KeelsonScheduler, BindsOnlyWhereKubeSchedulerAgrees) {
  addNode("a-small", {"--cpu", "2", "--memory", "4Gi", "--label", "zone=a"});
  addNode("a-mid", {"--cpu", "4", "--memory", "8Gi", "--label", "zone=a"});
  addNode("b-small", {"--cpu", "2", "--memory", "4Gi", "--label", "zone=b"});
  addNode("b-big", {"--cpu", "8", "--memory", "16Gi", "--label", "zone=b"});
  addNode("b-db", {"--cpu", "4", "--memory", "8Gi", "--label", "zone=b", "--taint",
                   "dedicated=db:NoSchedule"});
  startScheduler();

  // Every pod is for keelson and kept on this test's nodes.
  const auto base = [this](const std::string& cpu = "100m", const std::string& memory = "64Mi") {
    json spec = json::object();
    spec["schedulerName"] = prefix_;
    spec["nodeSelector"] = {{kRunLabel, prefix_}};
    spec["containers"] = json::array({container(cpu, memory)});
    return spec;
  };
  std::map<std::string, PodSpec> pods;
  pods["plain"] = {base("500m", "256Mi")};
  {
    json spec = base("250m");
    spec["nodeSelector"]["zone"] = "b";
    pods["zone-b"] = {spec};
  }
  {
    json spec = base("1", "1Gi");
    spec["tolerations"] = json::array(
        {{{"key", "dedicated"}, {"operator", "Equal"}, {"value", "db"}, {"effect", "NoSchedule"}}});
    pods["tolerates"] = {spec};
  }
  for (int i = 0; i < 3; ++i) {
    json spec = base();
    spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] =
        json::array({{{"labelSelector", {{"matchLabels", {{"app", "anti"}}}}},
                      {"topologyKey", "kubernetes.io/hostname"}}});
    pods["anti-" + std::to_string(i)] = {spec, {{"app", "anti"}}};
  }
  {
    json spec = base();
    spec["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = json::array(
        {{{"labelSelector", {{"matchLabels", {{"app", "anti"}}}}}, {"topologyKey", "zone"}}});
    pods["near-anti"] = {spec, {{"app", "near"}}};
  }
  for (int i = 0; i < 4; ++i) {
    json spec = base();
    spec["topologySpreadConstraints"] =
        json::array({{{"maxSkew", 1},
                      {"topologyKey", "zone"},
                      {"whenUnsatisfiable", "DoNotSchedule"},
                      {"labelSelector", {{"matchLabels", {{"app", "spread"}}}}}}});
    pods["spread-" + std::to_string(i)] = {spec, {{"app", "spread"}}};
  }
  for (int i = 0; i < 2; ++i) {
    json spec = base();
    spec["containers"][0]["ports"] =
        json::array({{{"containerPort", 80}, {"hostPort", 18081}, {"protocol", "TCP"}}});
    pods["port-" + std::to_string(i)] = {spec};
  }
  // 3 CPUs each: only a-mid (one) and b-big (two) of the untainted nodes can ever hold one, so
  // at least one of the four cannot be placed.
  for (int i = 0; i < 4; ++i) pods["heavy-" + std::to_string(i)] = {base("3", "1Gi")};

  std::vector<json> manifests;
  for (const auto& [name, pod] : pods) {
    manifests.push_back(podManifest(ns_, name, pod.spec, pod.labels));
  }
  applyPods(manifests);

  // Each pod ends bound or with keelson's FailedScheduling event, and stays so for 5 s (longer
  // than the 1 s initial backoff: a pod that failed before the pods it needs were bound is
  // retried).
  std::map<std::string, std::string> bound;
  std::set<std::string> failed;
  auto last_change = std::chrono::steady_clock::now();
  const bool settled = eventually(
      [&] {
        const json list = cluster_.kubectlJson({"get", "pods", "-n", ns_, "-o", "json"});
        const auto before = std::pair{bound, failed};
        for (const auto& pod : list["items"]) {
          const std::string name = pod["metadata"]["name"];
          const std::string node = pod["spec"].value("nodeName", "");
          if (!node.empty()) {
            bound[name] = node;
            failed.erase(name);
          } else if (failedScheduling(name, prefix_)) {
            failed.insert(name);
          }
        }
        const auto now = std::chrono::steady_clock::now();
        if (before != std::pair{bound, failed}) last_change = now;
        return bound.size() + failed.size() == pods.size() && now - last_change >= 5s;
      },
      90s);
  ASSERT_TRUE(settled) << bound.size() << " bound, " << failed.size() << " failed of "
                       << pods.size() << "\n"
                       << tailOf(scheduler_log_);
  for (const auto& [name, node] : bound) std::cout << name << " -> " << node << "\n";
  for (const auto& name : failed) {
    std::cout << name << ": " << failedScheduling(name, prefix_)->message << "\n";
  }
  // Everything but the heavy pods fits; of those, at most three.
  for (const auto& [name, pod] : pods) {
    if (name.rfind("heavy-", 0) != 0) {
      EXPECT_EQ(bound.count(name), 1u) << name << " not bound";
    }
  }
  EXPECT_GE(failed.size(), 1u);
  for (const auto& name : failed) EXPECT_EQ(name.rfind("heavy-", 0), 0u) << name;
  std::set<std::string> anti_nodes;
  for (int i = 0; i < 3; ++i) anti_nodes.insert(bound["anti-" + std::to_string(i)]);
  EXPECT_EQ(anti_nodes.size(), 3u);

  // The API server's view: no node holds more than it has.
  expectNoOvercommit();

  // Stop keelson: from here on, freed space must not be taken by its pending pods.
  EXPECT_EQ(scheduler_.kill(15, 30s), 0) << tailOf(scheduler_log_);

  // One at a time, kube-scheduler must accept each of keelson's placements.
  for (const auto& [name, node] : bound) {
    deletePod(name);
    PodSpec twin = pods[name];
    twin.spec["schedulerName"] = kDefaultScheduler;
    twin.spec["nodeSelector"]["kubernetes.io/hostname"] = node;
    applyPods({podManifest(ns_, name + "-twin", twin.spec, twin.labels)});
    EXPECT_EQ(waitForScheduled(name + "-twin"), node) << name << " was bound to " << node;
  }
  // And the pods keelson could not place, kube-scheduler cannot place either.
  for (const auto& name : failed) {
    deletePod(name);
    PodSpec twin = pods[name];
    twin.spec["schedulerName"] = kDefaultScheduler;
    applyPods({podManifest(ns_, name + "-twin", twin.spec, twin.labels)});
    waitForFailedScheduling(name + "-twin", kDefaultScheduler);
  }
  expectNoOvercommit();
}

TEST_F(KeelsonScheduler, FailedSchedulingCountsEqualKubeSchedulers) {
  addNode("small", {"--cpu", "2", "--memory", "4Gi"});
  addNode("lowmem", {"--cpu", "8", "--memory", "4Gi"});
  addNode("taint", {"--cpu", "8", "--memory", "16Gi", "--taint", "dedicated=db:NoSchedule"});
  addNode("cordon", {"--cpu", "8", "--memory", "16Gi", "--unschedulable"});
  addNode("zoneb", {"--cpu", "8", "--memory", "16Gi", "--label", "zone=b"});
  const std::string port = addNode("port", {"--cpu", "8", "--memory", "16Gi"});
  // Holds host port 18082 on "port".
  json holder = json::object();
  holder["nodeName"] = port;
  holder["containers"] = json::array({container()});
  holder["containers"][0]["ports"] =
      json::array({{{"containerPort", 80}, {"hostPort", 18082}, {"protocol", "TCP"}}});
  applyPods({podManifest(ns_, "holder", holder, json::object())});
  cluster_.kubectlOk(
      {"wait", "-n", ns_, "--for=jsonpath={.status.phase}=Running", "pod/holder", "--timeout=60s"});
  startScheduler();

  std::map<std::string, json> scenarios;
  {
    // More CPU than any node has; every node of the cluster is evaluated.
    json spec = json::object();
    spec["containers"] = json::array({container("100", "64Mi")});
    scenarios["huge"] = spec;
  }
  {
    // A label no node has.
    json spec = json::object();
    spec["nodeSelector"] = {{"keelson-ksched-missing", "x"}};
    spec["containers"] = json::array({container()});
    scenarios["nolabel"] = spec;
  }
  {
    // Each of this test's nodes fails for another reason (cordoned, taint, zone, port, cpu and
    // memory, memory); nodes of other tests fail the node affinity.
    json spec = json::object();
    spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        ["nodeSelectorTerms"] = json::array(
            {{{"matchExpressions",
               json::array({{{"key", kRunLabel}, {"operator", "In"}, {"values", {prefix_}}},
                            {{"key", "zone"}, {"operator", "NotIn"}, {"values", {"b"}}}})}}});
    spec["containers"] = json::array({container("3", "6Gi")});
    spec["containers"][0]["ports"] =
        json::array({{{"containerPort", 80}, {"hostPort", 18082}, {"protocol", "TCP"}}});
    scenarios["mix"] = spec;
  }
  std::vector<json> manifests;
  for (const auto& [name, spec] : scenarios) {
    json ours = spec;
    ours["schedulerName"] = prefix_;
    manifests.push_back(podManifest(ns_, "k-" + name, ours, {{"app", name}}));
    manifests.push_back(podManifest(ns_, "d-" + name, spec, {{"app", name}}));
  }
  applyPods(manifests);

  for (const auto& [name, spec] : scenarios) {
    const std::string ours = "k-" + name;
    const std::string theirs = "d-" + name;
    const std::string keelson_message = waitForFailedScheduling(ours, prefix_);
    const std::string scheduler_message = waitForFailedScheduling(theirs, kDefaultScheduler);
    if (keelson_message.empty() || scheduler_message.empty()) {
      ADD_FAILURE() << name << ": no verdict to compare\n" << tailOf(scheduler_log_);
      continue;
    }
    expectSameCounts(name, keelson_message, scheduler_message, [&] {
      const auto k = failedScheduling(ours, prefix_);
      const auto d = failedScheduling(theirs, kDefaultScheduler);
      return std::pair{k ? k->message : "", d ? d->message : ""};
    });
    // keelson also tells the API server, as kube-scheduler does.
    const json condition = podScheduled(getPod(ours));
    ASSERT_TRUE(condition.is_object()) << ours << " has no PodScheduled condition";
    EXPECT_EQ(condition.value("status", ""), "False") << condition.dump();
    EXPECT_EQ(condition.value("reason", ""), "Unschedulable") << condition.dump();
  }
}

TEST_F(KeelsonScheduler, RepeatedFailuresBecomeOneEventWithASeriesCount) {
  const std::string node = addNode("small", {"--cpu", "2", "--memory", "4Gi"});
  startScheduler();
  json spec = json::object();
  spec["schedulerName"] = prefix_;
  spec["nodeSelector"] = {{kRunLabel, prefix_}};
  spec["containers"] = json::array({container("100", "64Mi")});
  applyPods({podManifest(ns_, "big", spec, {{"app", "big"}})});
  ASSERT_FALSE(waitForFailedScheduling("big", prefix_).empty());

  // Each relabelling of the node sends the pod back for another try (after its backoff: 1 s,
  // then 2 s), which fails the same way.
  for (int i = 1; i <= 3; ++i) {
    cluster_.kubectlOk({"label", "node", node, "--overwrite", "keelson-try=" + std::to_string(i)});
    std::this_thread::sleep_for(2500ms);
  }
  std::vector<kube::Event> events;
  EXPECT_TRUE(eventually(
      [&] {
        events.clear();
        for (auto& e : kube::listAll<kube::Event>(
                           *client_, "/apis/events.k8s.io/v1/namespaces/" + ns_ + "/events")
                           .items) {
          if (e.reason == "FailedScheduling" && e.regarding.name == "big") {
            events.push_back(std::move(e));
          }
        }
        return events.size() == 1 && events[0].series && events[0].series->count >= 2;
      },
      30s))
      << "want one FailedScheduling event with a series, got " << events.size() << "\n"
      << tailOf(scheduler_log_);
  const std::string log = tailOf(scheduler_log_);
  EXPECT_EQ(log.find("event not recorded"), std::string::npos) << log;
}

TEST_F(KeelsonScheduler, RetriesAPodOnceThePodItNeedsIsBound) {
  addNode("a", {"--label", "zone=a"});
  addNode("b", {"--label", "zone=b"});
  startScheduler();
  // A pod with required pod affinity to a pod that does not exist yet, for keelson ("k") and for
  // kube-scheduler ("d"); both fail until their anchor is bound, then both must be placed.
  const auto near = [this](const std::string& anchor) {
    json spec = json::object();
    spec["nodeSelector"] = {{kRunLabel, prefix_}};
    spec["containers"] = json::array({container()});
    spec["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = json::array(
        {{{"labelSelector", {{"matchLabels", {{"app", anchor}}}}}, {"topologyKey", "zone"}}});
    return spec;
  };
  json ours = near("anchor-k");
  ours["schedulerName"] = prefix_;
  applyPods({podManifest(ns_, "near-k", ours, {{"app", "near"}}),
             podManifest(ns_, "near-d", near("anchor-d"), {{"app", "near"}})});
  ASSERT_FALSE(waitForFailedScheduling("near-k", prefix_).empty());
  ASSERT_FALSE(waitForFailedScheduling("near-d", kDefaultScheduler).empty());

  json anchor = json::object();
  anchor["nodeSelector"] = {{kRunLabel, prefix_}};
  anchor["containers"] = json::array({container()});
  json our_anchor = anchor;
  our_anchor["schedulerName"] = prefix_;
  applyPods({podManifest(ns_, "anchor-k", our_anchor, {{"app", "anchor-k"}}),
             podManifest(ns_, "anchor-d", anchor, {{"app", "anchor-d"}})});
  // kube-scheduler retries its pod when the anchor is bound (AssignedPodAdd)...
  EXPECT_FALSE(waitForScheduled("near-d").empty());
  // ...and so must keelson, well before its 5-minute flush of unschedulable pods.
  std::string node;
  EXPECT_TRUE(eventually(
      [&] {
        node = getPod("near-k")["spec"].value("nodeName", "");
        return !node.empty();
      },
      30s))
      << "near-k is still pending after its anchor was bound\n"
      << tailOf(scheduler_log_);
  const std::string anchor_node = getPod("anchor-k")["spec"].value("nodeName", "");
  EXPECT_EQ(node, anchor_node);  // Each zone has one node.
}

TEST_F(KeelsonSchedule, CreatesAndBindsTheBestNode) {
  addNode("small", {"--cpu", "2", "--memory", "4Gi"});
  addNode("mid", {"--cpu", "4", "--memory", "8Gi"});
  addNode("big", {"--cpu", "8", "--memory", "16Gi"});
  addNode("taint", {"--cpu", "16", "--memory", "32Gi", "--taint", "dedicated=db:NoSchedule"});
  const std::string state_dir = (work_dir_ / "state").string();
  const std::vector<std::string> common = {"--kubeconfig",
                                           cluster_.kubeconfig,
                                           "-n",
                                           ns_,
                                           "--image",
                                           "nginx",
                                           "--node-selector",
                                           std::string(kRunLabel) + "=" + prefix_,
                                           "-o",
                                           "json",
                                           "--state-dir",
                                           state_dir};
  const auto schedule = [&common](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"schedule"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), common.begin(), common.end());
    return runKeelson(argv);
  };

  // Create and bind.
  const CommandOutput created =
      schedule({"--name", "web", "--cpu", "500m", "--memory", "128Mi", "--wait", "60s"});
  ASSERT_EQ(created.exit_code, 0) << created.out << created.err;
  const json report = json::parse(created.out);
  const json& placement = report["placement"];
  ASSERT_TRUE(placement["chosen"].is_string()) << placement.dump(2);
  const std::string chosen = placement["chosen"];
  const json pod = getPod("web");
  EXPECT_EQ(pod["spec"].value("nodeName", ""), chosen);
  EXPECT_EQ(pod["status"].value("phase", ""), "Running");
  EXPECT_TRUE(report["wait"].value("running", false)) << report["wait"].dump();
  EXPECT_EQ(placement["totalNodes"].get<int>(),
            static_cast<int>(cluster_.kubectlJson({"get", "nodes", "-o", "json"})["items"].size()));
  // The chosen node is feasible, with the best score.
  std::int64_t best = -1;
  std::int64_t chosen_score = -1;
  int feasible = 0;
  for (const auto& node : placement["nodes"]) {
    if (!node.value("feasible", false)) continue;
    ++feasible;
    best = std::max(best, node["score"].get<std::int64_t>());
    if (node["name"] == chosen) chosen_score = node["score"].get<std::int64_t>();
  }
  EXPECT_EQ(feasible, placement["feasibleNodes"].get<int>());
  EXPECT_EQ(feasible, 3) << placement.dump(2);  // small, mid, big.
  EXPECT_GE(chosen_score, 0) << chosen << " is not a feasible node";
  EXPECT_EQ(chosen_score, best) << placement.dump(2);

  // kube-scheduler accepts the placement.
  deletePod("web");
  json twin = report["pod"];
  twin["metadata"]["name"] = "web-twin";
  twin["spec"]["schedulerName"] = kDefaultScheduler;
  twin["spec"]["nodeSelector"]["kubernetes.io/hostname"] = chosen;
  applyPods({twin});
  EXPECT_EQ(waitForScheduled("web-twin"), chosen);

  // The audit log has the action.
  const CommandOutput audit = runKeelson({"audit", "--state-dir", state_dir, "-o", "json"});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  const json log = json::parse(audit.out);
  int matching = 0;
  for (const auto& item : log["items"]) {
    if (item.value("verb", "") != "schedule" || item.value("target", "") != "pod/web") continue;
    ++matching;
    EXPECT_EQ(item.value("namespace", ""), ns_);
    EXPECT_EQ(item.value("outcome", ""), "succeeded") << item.dump();
    EXPECT_EQ(item.value("dryRun", ""), "none");
    EXPECT_EQ(item["request"].value("node", ""), chosen) << item.dump();
  }
  EXPECT_EQ(matching, 1) << log.dump(2);

  // --dry-run ranks and creates nothing.
  const CommandOutput dry = schedule({"--name", "dry", "--cpu", "500m", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  const json dry_report = json::parse(dry.out);
  EXPECT_TRUE(dry_report["placement"]["chosen"].is_string()) << dry_report.dump(2);
  EXPECT_FALSE(dry_report.contains("action")) << dry_report.dump(2);
  const CommandOutput missing =
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "get", "pod", "-n", ns_, "dry"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("NotFound"), std::string::npos) << missing.err;

  // Nothing fits: exit 1, nothing created, and the same counts as kube-scheduler's.
  const CommandOutput big = schedule({"--name", "big", "--cpu", "1000"});
  EXPECT_EQ(big.exit_code, 1) << big.out << big.err;
  const json big_report = json::parse(big.out);
  EXPECT_TRUE(big_report["placement"]["chosen"].is_null());
  const std::string failure = big_report["placement"].value("failure", "");
  const CommandOutput absent =
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "get", "pod", "-n", ns_, "big"});
  EXPECT_NE(absent.err.find("NotFound"), std::string::npos) << absent.err;
  json big_twin = big_report["pod"];
  big_twin["metadata"]["name"] = "big-twin";
  big_twin["spec"]["schedulerName"] = kDefaultScheduler;
  applyPods({big_twin});
  const std::string scheduler_message = waitForFailedScheduling("big-twin", kDefaultScheduler);
  ASSERT_FALSE(scheduler_message.empty());
  expectSameCounts("cpu 1000", failure, scheduler_message, [&] {
    const auto d = failedScheduling("big-twin", kDefaultScheduler);
    return std::pair{failure, d ? d->message : ""};
  });
}

}  // namespace
}  // namespace keelson::testing
