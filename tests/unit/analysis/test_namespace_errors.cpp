// Namespace error analysis on objects recorded from a real v1.36 control plane
// (tests/data/kube/api: pods of Deployment "web" through ReplicaSet web-7b87746859, StatefulSet
// "db", DaemonSet "node-agent", Job "report", bare pods "checkout", "crashy", "huge"), plus
// variations of them.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "analysis/namespace_errors.h"
#include "common/test_env.h"
#include "kube/decode.h"

namespace keelson::analysis {
namespace {

class NamespaceErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    pods_ = kube::decodeList<kube::Pod>(keelson::testing::apiFixture("pods.json")).items;
    replica_sets_ =
        kube::decodeList<kube::ReplicaSet>(keelson::testing::apiFixture("replicasets.json")).items;
    events_ =
        kube::decodeList<kube::Event>(keelson::testing::apiFixture("events_core_v1.json")).items;
  }

  kube::Pod& pod(const std::string& name) {
    const auto it = std::find_if(pods_.begin(), pods_.end(),
                                 [&](const kube::Pod& p) { return p.metadata.name == name; });
    EXPECT_NE(it, pods_.end()) << name;
    return *it;
  }

  static const ProblematicPod* problem(const NamespaceErrorAnalysis& a, const std::string& name) {
    for (const auto& p : a.problematic_pods) {
      if (p.name == name) return &p;
    }
    return nullptr;
  }

  static std::set<std::string> issueTypes(const ProblematicPod& p) {
    std::set<std::string> out;
    for (const auto& issue : p.issues) out.insert(std::string(issueTypeName(issue.type)));
    return out;
  }

  std::vector<kube::Pod> pods_;
  std::vector<kube::ReplicaSet> replica_sets_;
  std::vector<kube::Event> events_;
  kube::Time now_ = kube::parseTime("2026-11-21T00:20:00Z");
};

TEST_F(NamespaceErrors, OwnerChainResolution) {
  // Expected owners read straight from the JSON: the pod's controller reference, and for a
  // ReplicaSet the ReplicaSet's own controller reference.
  std::map<std::string, std::string> rs_owner;
  const nlohmann::json rs_json =
      nlohmann::json::parse(keelson::testing::apiFixture("replicasets.json"));
  for (const auto& rs : rs_json["items"]) {
    for (const auto& ref : rs["metadata"].value("ownerReferences", nlohmann::json::array())) {
      if (ref.value("controller", false)) {
        rs_owner[rs["metadata"]["name"]] =
            ref["kind"].get<std::string>() + "/" + ref["name"].get<std::string>();
      }
    }
  }
  int checked = 0;
  const nlohmann::json pods_json = nlohmann::json::parse(keelson::testing::apiFixture("pods.json"));
  for (const auto& item : pods_json["items"]) {
    std::string expected;
    for (const auto& ref : item["metadata"].value("ownerReferences", nlohmann::json::array())) {
      if (!ref.value("controller", false)) continue;
      const std::string kind = ref["kind"];
      if (kind == "ReplicaSet") {
        expected = rs_owner.count(ref["name"]) ? rs_owner[ref["name"]]
                                               : "ReplicaSet/" + ref["name"].get<std::string>();
      } else if (kind == "StatefulSet" || kind == "DaemonSet") {
        expected = kind + "/" + ref["name"].get<std::string>();
      }
    }
    const auto owner = resolveWorkloadOwner(pod(item["metadata"]["name"]), replica_sets_);
    EXPECT_EQ(owner ? owner->kind + "/" + owner->name : "", expected) << item["metadata"]["name"];
    ++checked;
  }
  EXPECT_EQ(checked, 17);
  EXPECT_EQ(resolveWorkloadOwner(pod("web-7b87746859-klq2s"), replica_sets_)->kind, "Deployment");
  EXPECT_FALSE(resolveWorkloadOwner(pod("report-9qq6k"), replica_sets_));  // Job
  EXPECT_FALSE(resolveWorkloadOwner(pod("checkout"), replica_sets_));      // bare

  // A ReplicaSet the cache does not have, or one recreated under the same name, is the owner.
  EXPECT_EQ(
      resolveWorkloadOwner(pod("web-7b87746859-klq2s"), std::vector<kube::ReplicaSet>{})->kind,
      "ReplicaSet");
  auto recreated = replica_sets_;
  recreated[0].metadata.uid = "another-uid";
  const auto owner = resolveWorkloadOwner(pod("web-7b87746859-klq2s"), recreated);
  EXPECT_EQ(owner->kind + "/" + owner->name, "ReplicaSet/web-7b87746859");
}

TEST_F(NamespaceErrors, RecordedNamespace) {
  const auto a = analyzeNamespaceErrors("shop", pods_, replica_sets_, events_, now_);
  // web ×3 (Deployment), db ×2 (StatefulSet), node-agent ×6 (DaemonSet); not the Job's pods and
  // not the bare checkout, crashy (CrashLoopBackOff, but bare) and huge.
  EXPECT_EQ(a.total_pods_analyzed, 11);
  EXPECT_FALSE(problem(a, "crashy"));
  EXPECT_FALSE(problem(a, "huge"));
  // Two web pods carry the scheduler's PodScheduled=False/Unschedulable (no "Insufficient" in
  // its message), all three are Pending for 11+ minutes.
  ASSERT_EQ(a.problematic_pods_count, 3);
  EXPECT_EQ(a.healthy_pods_count, 8);
  const ProblematicPod* klq2s = problem(a, "web-7b87746859-klq2s");
  ASSERT_TRUE(klq2s);
  EXPECT_EQ(issueTypes(*klq2s), (std::set<std::string>{"Unschedulable", "Pending"}));
  EXPECT_EQ(klq2s->owner.kind, "Deployment");
  EXPECT_EQ(klq2s->owner.name, "web");
  EXPECT_EQ(klq2s->age, std::chrono::seconds(693));
  EXPECT_EQ(issueTypes(*problem(a, "web-7b87746859-wlhwv")), (std::set<std::string>{"Pending"}));
  ASSERT_EQ(a.summary.size(), 2U);
  EXPECT_EQ(issueTypeName(a.summary[0].type), "Unschedulable");
  EXPECT_EQ(a.summary[0].affected_pods,
            (std::vector<std::string>{"web-7b87746859-klq2s", "web-7b87746859-vnz8f"}));
  EXPECT_EQ(issueTypeName(a.summary[1].type), "Pending");
  EXPECT_EQ(a.summary[1].count, 3);
  EXPECT_EQ(a.critical_issues_count, 2);
  EXPECT_EQ(a.warning_issues_count, 3);

  // Recent events: the recorded Warning events about each pod, newest first.
  for (const auto& p : a.problematic_pods) {
    std::vector<std::string> expected;
    for (const auto& e : events_) {
      if (e.type == "Warning" && e.regarding.kind == "Pod" && e.regarding.name == p.name) {
        expected.push_back(e.metadata.name);
      }
    }
    std::vector<std::string> got;
    for (const auto& e : p.recent_events) got.push_back(e.metadata.name);
    std::sort(expected.begin(), expected.end());
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, expected) << p.name;
    EXPECT_TRUE(std::is_sorted(
        p.recent_events.begin(), p.recent_events.end(),
        [](const kube::Event& x, const kube::Event& y) { return x.last_time > y.last_time; }));
  }
}

TEST_F(NamespaceErrors, CrashLoopAndRestartThreshold) {
  // crashy (7 restarts, CrashLoopBackOff after OOMKilled) under a ReplicaSet no longer cached.
  kube::Pod& crashy = pod("crashy");
  crashy.metadata.owner_references.push_back(
      {"apps/v1", "ReplicaSet", "api-5d8f7", "rs-gone", true, true});
  NamespaceErrorOptions options;
  options.restart_threshold = 5;
  auto a = analyzeNamespaceErrors("shop", pods_, replica_sets_, events_, now_, options);
  const ProblematicPod* p = problem(a, "crashy");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->owner.kind, "ReplicaSet");
  EXPECT_EQ(p->restart_count, 7);
  EXPECT_EQ(issueTypes(*p), (std::set<std::string>{"CrashLoopBackOff", "HighRestarts"}));
  for (const auto& issue : p->issues) {
    if (issue.type == PodIssueType::kHighRestarts) {
      EXPECT_FALSE(issue.critical);  // 7 <= 2 × 5
      EXPECT_EQ(issue.details, "crashy: 7 restarts");
      EXPECT_EQ(issue.description, "Pod has restarted 7 times (threshold: 5)");
    } else {
      EXPECT_TRUE(issue.critical);
      EXPECT_EQ(issue.description, "Container crashy is in CrashLoopBackOff state");
    }
  }
  EXPECT_EQ(a.restart_threshold_used, 5);

  options.restart_threshold = 7;  // not above: no HighRestarts
  a = analyzeNamespaceErrors("shop", pods_, replica_sets_, events_, now_, options);
  EXPECT_EQ(issueTypes(*problem(a, "crashy")), (std::set<std::string>{"CrashLoopBackOff"}));
  options.restart_threshold = 3;  // 7 > 6: critical
  a = analyzeNamespaceErrors("shop", pods_, replica_sets_, events_, now_, options);
  for (const auto& issue : problem(a, "crashy")->issues) EXPECT_TRUE(issue.critical);
}

TEST_F(NamespaceErrors, JobPodsAreExcludedWhateverTheirState) {
  kube::Pod& report = pod("report-9qq6k");
  report.status.phase = "Failed";
  report.status.container_statuses[0].restart_count = 50;
  const auto a = analyzeNamespaceErrors("shop", pods_, replica_sets_, events_, now_);
  EXPECT_FALSE(problem(a, "report-9qq6k"));
  EXPECT_EQ(a.total_pods_analyzed, 11);
}

TEST_F(NamespaceErrors, ImagePullFailedAndResourceConstraints) {
  kube::Pod& db0 = pod("db-0");
  db0.status.container_statuses[0].state = {kube::ContainerState::Kind::kWaiting,
                                            "ImagePullBackOff",
                                            "Back-off pulling image \"postgres:99\"",
                                            {},
                                            {},
                                            0,
                                            0};
  kube::Pod& db1 = pod("db-1");
  db1.status.phase = "Failed";
  db1.status.reason = "Evicted";
  db1.status.message = "The node was low on resource: memory.";
  kube::Pod& web = pod("web-7b87746859-wlhwv");
  kube::Condition unschedulable;
  unschedulable.type = "PodScheduled";
  unschedulable.status = "False";
  unschedulable.reason = "Unschedulable";
  unschedulable.message = "0/6 nodes are available: 6 Insufficient cpu.";
  web.status.conditions.push_back(unschedulable);
  const auto a = analyzeNamespaceErrors("shop", pods_, replica_sets_, events_, now_);
  EXPECT_EQ(issueTypes(*problem(a, "db-0")), (std::set<std::string>{"ImagePullError"}));
  EXPECT_EQ(problem(a, "db-0")->issues[0].details, "Back-off pulling image \"postgres:99\"");
  EXPECT_EQ(issueTypes(*problem(a, "db-1")), (std::set<std::string>{"Failed"}));
  EXPECT_EQ(problem(a, "db-1")->issues[0].details,
            "Evicted: The node was low on resource: memory.");
  EXPECT_EQ(issueTypes(*problem(a, "web-7b87746859-wlhwv")),
            (std::set<std::string>{"ResourceConstraints", "Pending"}));
  // Other namespaces' pods are not counted.
  EXPECT_EQ(
      analyzeNamespaceErrors("elsewhere", pods_, replica_sets_, events_, now_).total_pods_analyzed,
      0);
}

}  // namespace
}  // namespace keelson::analysis
