#include <gtest/gtest.h>

#include <string>

#include "analysis/scheduling.h"
#include "unit/schedule/plugin_test.h"

namespace keelson::analysis {
namespace {

using core::Quantity;
using schedule::framework::testing::node;
using schedule::framework::testing::pod;
using schedule::framework::testing::podAffinityTerm;

const NodeEvaluation& nodeResult(const SchedulingAnalysis& a, const std::string& name) {
  for (const auto& n : a.nodes) {
    if (n.name == name) return n;
  }
  throw std::runtime_error("no node " + name);
}

TEST(Scheduling, ResourcesSubtractWhatPodsOnTheNodeRequest) {
  SchedulingSnapshot s;
  s.nodes = {node("n1", "4", "8Gi"), node("n2", "4", "8Gi")};
  s.pods = {pod("big", "3", "7Gi", "n1"), pod("done", "4", "8Gi", "n2")};
  s.pods[1].status.phase = "Succeeded";  // Terminated pods free their requests.
  const auto a = analyzeScheduling(pod("new", "2", "2Gi"), s);
  EXPECT_FALSE(a.scheduled);
  EXPECT_EQ(a.feasible_nodes, 1);
  const auto& n1 = nodeResult(a, "n1");
  ASSERT_EQ(n1.reasons.size(), 2u);
  EXPECT_EQ(n1.reasons[0].category, "Insufficient cpu");
  EXPECT_EQ(n1.reasons[0].message, "Insufficient cpu: requested 2, free 1 of 4 allocatable");
  EXPECT_EQ(n1.reasons[1].message,
            "Insufficient memory: requested 2Gi, free 1Gi of 8Gi allocatable");
  EXPECT_TRUE(nodeResult(a, "n2").fits);
  EXPECT_TRUE(a.failure_summary.empty());
}

TEST(Scheduling, PodCountAndExtendedResources) {
  SchedulingSnapshot s;
  s.nodes = {node("n1", "4", "8Gi", "1"), node("n2")};
  s.nodes[1].status.allocatable["example.com/gpu"] = Quantity::parse("1");
  s.pods = {pod("p", "10m", "1Mi", "n1")};
  auto p = pod("gpu");
  p.spec.containers[0].resources.requests["example.com/gpu"] = Quantity::parse("2");
  const auto a = analyzeScheduling(p, s);
  const std::map<std::string, int> want = {{"Too many pods", 1},
                                           {"Insufficient example.com/gpu", 2}};
  EXPECT_EQ(a.failure_categories, want);
  EXPECT_EQ(a.failure_summary,
            "0/2 nodes are available: 1 Too many pods, 2 Insufficient example.com/gpu.");
}

TEST(Scheduling, OnlyTheFirstFailingPluginIsCounted) {
  SchedulingSnapshot s;
  s.nodes = {node("n1", "1")};
  s.nodes[0].spec.unschedulable = true;
  s.nodes[0].spec.taints = {{"dedicated", "gpu", "NoSchedule", {}}};
  const auto a = analyzeScheduling(pod("new", "2"), s);
  const auto& n1 = nodeResult(a, "n1");
  ASSERT_EQ(n1.reasons.size(), 3u);
  EXPECT_TRUE(n1.reasons[0].counted);
  EXPECT_EQ(n1.reasons[0].plugin, "NodeUnschedulable");
  EXPECT_FALSE(n1.reasons[1].counted);
  EXPECT_FALSE(n1.reasons[2].counted);
  const std::map<std::string, int> want = {{"node(s) were unschedulable", 1}};
  EXPECT_EQ(a.failure_categories, want);
}

TEST(Scheduling, TaintsAndTolerations) {
  SchedulingSnapshot s;
  s.nodes = {node("a"), node("b"), node("c"), node("d")};
  s.nodes[0].spec.taints = {{"dedicated", "gpu", "NoSchedule", {}}};
  s.nodes[1].spec.taints = {{"dedicated", "db", "NoExecute", {}}};
  s.nodes[2].spec.taints = {{"soft", "x", "PreferNoSchedule", {}}};  // Not a filter.
  s.nodes[3].spec.unschedulable = true;
  auto p = pod("new");
  p.spec.tolerations = {{"dedicated", "Equal", "gpu", "NoSchedule", std::nullopt},
                        {"node.kubernetes.io/unschedulable", "Exists", "", "", std::nullopt}};
  const auto a = analyzeScheduling(p, s);
  EXPECT_TRUE(nodeResult(a, "a").fits);
  EXPECT_FALSE(nodeResult(a, "b").fits);
  EXPECT_EQ(nodeResult(a, "b").reasons[0].message, "untolerated taint {dedicated: db} (NoExecute)");
  EXPECT_TRUE(nodeResult(a, "c").fits);
  EXPECT_TRUE(nodeResult(a, "d").fits);  // Tolerates the unschedulable taint.
}

TEST(Scheduling, NodeAffinityOperators) {
  SchedulingSnapshot s;
  s.nodes = {node("n1"), node("n2"), node("n3")};
  s.nodes[0].metadata.labels["cores"] = "16";
  s.nodes[1].metadata.labels["cores"] = "4";
  s.nodes[2].metadata.labels["cores"] = "abc";
  auto p = pod("new");
  kube::NodeSelectorTerm term;
  term.match_expressions = {{"cores", "Gt", {"8"}}};
  p.spec.affinity = kube::Affinity{};
  p.spec.affinity->node_affinity = kube::NodeAffinity{};
  p.spec.affinity->node_affinity->required = kube::NodeSelector{{term}};
  auto a = analyzeScheduling(p, s);
  EXPECT_TRUE(nodeResult(a, "n1").fits);
  EXPECT_FALSE(nodeResult(a, "n2").fits);
  EXPECT_FALSE(nodeResult(a, "n3").fits);  // Not an integer.
  EXPECT_EQ(a.failure_categories.at("node(s) didn't match Pod's node affinity/selector"), 2);

  // Lt, ORed with a term on metadata.name (NotIn keeps every node eligible for PreFilter).
  kube::NodeSelectorTerm lt;
  lt.match_expressions = {{"cores", "Lt", {"8"}}};
  kube::NodeSelectorTerm by_name;
  by_name.match_fields = {{"metadata.name", "NotIn", {"n1", "n2"}}};
  p.spec.affinity->node_affinity->required = kube::NodeSelector{{lt, by_name}};
  a = analyzeScheduling(p, s);
  EXPECT_FALSE(nodeResult(a, "n1").fits);
  EXPECT_TRUE(nodeResult(a, "n2").fits);
  EXPECT_TRUE(nodeResult(a, "n3").fits);

  // matchFields metadata.name In: PreFilter narrows the nodes looked at.
  kube::NodeSelectorTerm pin;
  pin.match_fields = {{"metadata.name", "In", {"n2"}}};
  p.spec.affinity->node_affinity->required = kube::NodeSelector{{pin}};
  p.spec.node_selector = {{"zone", "a"}};
  a = analyzeScheduling(p, s);
  EXPECT_EQ(a.failure_categories.at("node(s) didn't satisfy plugin(s) [NodeAffinity]"), 2);
  EXPECT_EQ(a.failure_categories.at("node(s) didn't match Pod's node affinity/selector"), 1);
}

TEST(Scheduling, HostPorts) {
  SchedulingSnapshot s;
  s.nodes = {node("n1"), node("n2")};
  auto existing = pod("web", "10m", "1Mi", "n1");
  existing.spec.containers[0].ports = {{"http", 80, 8080, "TCP", ""}};
  s.pods = {existing};
  auto p = pod("new");
  p.spec.containers[0].ports = {{"http", 80, 8080, "", "10.0.0.5"}};
  const auto a = analyzeScheduling(p, s);
  EXPECT_EQ(a.failure_categories.at("node(s) didn't have free ports for the requested pod ports"),
            1);
  EXPECT_TRUE(nodeResult(a, "n2").fits);
  p.spec.containers[0].ports.edit()[0].protocol = "UDP";
  EXPECT_EQ(analyzeScheduling(p, s).feasible_nodes, 2);
}

TEST(Scheduling, InterPodAffinity) {
  SchedulingSnapshot s;
  s.nodes = {node("n1"), node("n2"), node("n3")};
  for (auto& n : s.nodes) n.metadata.labels["zone"] = n.metadata.name == "n3" ? "b" : "a";
  auto db = pod("db", "10m", "1Mi", "n1");
  db.metadata.labels = {{"app", "db"}};
  auto other_ns = pod("db2", "10m", "1Mi", "n3");
  other_ns.metadata.namespace_name = "other";
  other_ns.metadata.labels = {{"app", "db"}};
  s.pods = {db, other_ns};

  auto anti = pod("new");
  anti.spec.affinity = kube::Affinity{};
  anti.spec.affinity->pod_anti_affinity =
      kube::PodAffinity{{podAffinityTerm("app", "db", "zone")}, {}};
  auto a = analyzeScheduling(anti, s);
  // Zone a holds db (same namespace); db2 is in another namespace.
  EXPECT_EQ(a.failure_categories.at("node(s) didn't match pod anti-affinity rules"), 2);
  EXPECT_TRUE(nodeResult(a, "n3").fits);

  // A namespaceSelector {} selects every namespace.
  anti.spec.affinity->pod_anti_affinity->required[0].namespace_selector = kube::LabelSelector{};
  a = analyzeScheduling(anti, s);
  EXPECT_EQ(a.failure_categories.at("node(s) didn't match pod anti-affinity rules"), 3);

  auto aff = pod("new");
  aff.spec.affinity = kube::Affinity{};
  aff.spec.affinity->pod_affinity = kube::PodAffinity{{podAffinityTerm("app", "db")}, {}};
  a = analyzeScheduling(aff, s);
  EXPECT_TRUE(nodeResult(a, "n1").fits);
  EXPECT_EQ(a.failure_categories.at("node(s) didn't match pod affinity rules"), 2);

  // The first pod of a self-affine group may go anywhere.
  aff.spec.affinity->pod_affinity = kube::PodAffinity{{podAffinityTerm("app", "cache")}, {}};
  aff.metadata.labels = {{"app", "cache"}};
  EXPECT_EQ(analyzeScheduling(aff, s).feasible_nodes, 3);

  // Existing pods' anti-affinity against the incoming pod.
  auto guard = pod("guard", "10m", "1Mi", "n2");
  guard.spec.affinity = kube::Affinity{};
  guard.spec.affinity->pod_anti_affinity = kube::PodAffinity{{podAffinityTerm("app", "web")}, {}};
  s.pods.push_back(guard);
  auto web = pod("web");
  web.metadata.labels = {{"app", "web"}};
  a = analyzeScheduling(web, s);
  EXPECT_EQ(a.failure_categories.at("node(s) didn't satisfy existing pods anti-affinity rules"), 1);
  EXPECT_FALSE(nodeResult(a, "n2").fits);
}

TEST(Scheduling, TopologySpread) {
  SchedulingSnapshot s;
  s.nodes = {node("n1"), node("n2"), node("n3"), node("nolabel")};
  s.nodes[0].metadata.labels["zone"] = "a";
  s.nodes[1].metadata.labels["zone"] = "a";
  s.nodes[2].metadata.labels["zone"] = "b";
  for (int i = 0; i < 2; ++i) {
    auto p = pod("w" + std::to_string(i), "10m", "1Mi", "n1");
    p.metadata.labels = {{"app", "w"}};
    s.pods.push_back(p);
  }
  auto p = pod("new");
  p.metadata.labels = {{"app", "w"}};
  kube::TopologySpreadConstraint c;
  c.max_skew = 1;
  c.topology_key = "zone";
  c.when_unsatisfiable = "DoNotSchedule";
  c.label_selector = kube::LabelSelector{{{"app", "w"}}, {}};
  p.spec.topology_spread_constraints = {c};
  const auto a = analyzeScheduling(p, s);
  // zone a has 2, zone b 0: a → skew 3 > 1.
  EXPECT_EQ(a.failure_categories.at("node(s) didn't match pod topology spread constraints"), 2);
  EXPECT_EQ(a.failure_categories.at(
                "node(s) didn't match pod topology spread constraints (missing required label)"),
            1);
  EXPECT_TRUE(nodeResult(a, "n3").fits);
  // ScheduleAnyway is not a filter.
  p.spec.topology_spread_constraints[0].when_unsatisfiable = "ScheduleAnyway";
  EXPECT_EQ(analyzeScheduling(p, s).feasible_nodes, 4);
}

TEST(Scheduling, Volumes) {
  SchedulingSnapshot s;
  s.nodes = {node("n1"), node("n2")};
  kube::PersistentVolumeClaim claim;
  claim.metadata.namespace_name = "default";
  claim.metadata.name = "data";
  claim.spec.storage_class_name = "";
  s.pvcs = {claim};
  auto p = pod("new");
  kube::Volume v;
  v.name = "data";
  v.type = "persistentVolumeClaim";
  v.reference = "data";
  p.spec.volumes = {v};
  auto a = analyzeScheduling(p, s);
  ASSERT_TRUE(a.prefilter_failure.has_value());
  EXPECT_EQ(a.failure_categories.at("pod has unbound immediate PersistentVolumeClaims"), 2);
  EXPECT_EQ(a.failure_summary,
            "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.");

  // Bound to a local PV on n1.
  s.pvcs[0].spec.volume_name = "pv1";
  kube::PersistentVolume pv;
  pv.metadata.name = "pv1";
  kube::NodeSelectorTerm t;
  t.match_expressions = {{"kubernetes.io/hostname", "In", {"n1"}}};
  pv.spec.node_affinity = kube::NodeSelector{{t}};
  s.pvs = {pv};
  a = analyzeScheduling(p, s);
  EXPECT_FALSE(a.prefilter_failure.has_value());
  EXPECT_EQ(a.failure_categories.at("node(s) didn't match PersistentVolume's node affinity"), 1);
  EXPECT_TRUE(nodeResult(a, "n1").fits);

  // A missing claim is a PreFilter rejection too.
  s.pvcs.clear();
  a = analyzeScheduling(p, s);
  EXPECT_EQ(a.failure_categories.at("persistentvolumeclaim \"data\" not found"), 2);
}

TEST(Scheduling, ScheduledPodExplainsItsNode) {
  SchedulingSnapshot s;
  s.nodes = {node("n1", "4", "8Gi")};
  s.pods = {pod("other", "1", "1Gi", "n1"), pod("me", "500m", "1Gi", "n1")};
  const auto a = analyzeScheduling(s.pods[1], s);
  EXPECT_TRUE(a.scheduled);
  EXPECT_EQ(a.node_name, "n1");
  ASSERT_EQ(a.nodes.size(), 1u);
  EXPECT_TRUE(a.nodes[0].fits);
  ASSERT_FALSE(a.fit_details.empty());
  EXPECT_EQ(a.fit_details[0],
            "cpu: requested 500m, free 3 of 4 allocatable (other pods' requests subtracted)");
  EXPECT_TRUE(a.failure_categories.empty());
}

// What a scheduling request sees through NodeInfos built once and shared must be what it sees
// when they are built for it: for a pending pod, and for a scheduled pod (a copy, as the cache
// hands out) which must be left out of its node's usage without touching the shared NodeInfos.
TEST(Scheduling, SharedNodeInfosGiveTheSameAnalysisAndStayUntouched) {
  SchedulingSnapshot s;
  s.nodes = {node("n1", "4", "8Gi"), node("n2", "2", "4Gi"), node("n3", "8", "16Gi")};
  s.pods = {pod("a", "3", "1Gi", "n1"), pod("b", "1", "3Gi", "n2"), pod("c", "500m", "1Gi", "n1"),
            pod("done", "8", "16Gi", "n3")};
  s.pods[3].status.phase = "Failed";
  const SchedulingView view = schedule::framework::viewOf(s);
  const auto shared = schedule::framework::buildNodeInfos(view);
  const auto n1_requested = shared[0].requested;
  std::vector<kube::Pod> asked = {pod("pending", "2", "2Gi"), pod("huge", "16", "1Gi"), s.pods[0],
                                  s.pods[2], s.pods[3]};
  for (const kube::Pod& p : asked) {
    const SchedulingAnalysis alone = analyzeScheduling(p, view);
    const SchedulingAnalysis reused = analyzeScheduling(p, view, shared);
    EXPECT_EQ(reused.fit_details, alone.fit_details) << p.metadata.name;
    EXPECT_EQ(reused.failure_summary, alone.failure_summary) << p.metadata.name;
    EXPECT_EQ(reused.feasible_nodes, alone.feasible_nodes) << p.metadata.name;
    ASSERT_EQ(reused.nodes.size(), alone.nodes.size()) << p.metadata.name;
    for (std::size_t i = 0; i < alone.nodes.size(); ++i) {
      EXPECT_EQ(reused.nodes[i].fits, alone.nodes[i].fits) << p.metadata.name;
      ASSERT_EQ(reused.nodes[i].reasons.size(), alone.nodes[i].reasons.size());
      for (std::size_t r = 0; r < alone.nodes[i].reasons.size(); ++r) {
        EXPECT_EQ(reused.nodes[i].reasons[r].message, alone.nodes[i].reasons[r].message);
      }
    }
  }
  // a (3 cpu) was left out of n1 for its own analysis only: the shared NodeInfo still counts it.
  EXPECT_EQ(shared[0].pods.size(), 2u);
  EXPECT_EQ(shared[0].requested, n1_requested);
  EXPECT_EQ(shared[0].requested.at("cpu"), Quantity::parse("3500m"));
}

}  // namespace
}  // namespace keelson::analysis
