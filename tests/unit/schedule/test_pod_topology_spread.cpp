#include <gtest/gtest.h>

#include "plugin_test.h"
#include "schedule/framework/pod_topology_spread.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;

/// Nodes a1, a2 in zone a, b1 in zone b, nolabel without a zone; two app=w pods on a1.
Cluster zonedCluster() {
  Cluster c;
  c.nodes = {testing::node("a1"), testing::node("a2"), testing::node("b1"),
             testing::node("nolabel")};
  c.nodes[0].metadata.labels["zone"] = "a";
  c.nodes[1].metadata.labels["zone"] = "a";
  c.nodes[2].metadata.labels["zone"] = "b";
  for (int i = 0; i < 2; ++i) {
    auto p = testing::pod("w" + std::to_string(i), "10m", "1Mi", "a1");
    p.metadata.labels = {{"app", "w"}};
    c.pods.push_back(p);
  }
  return c;
}

kube::Pod spreadPod(const std::string& when_unsatisfiable) {
  auto p = testing::pod("new");
  p.metadata.labels = {{"app", "w"}};
  kube::TopologySpreadConstraint constraint;
  constraint.max_skew = 1;
  constraint.topology_key = "zone";
  constraint.when_unsatisfiable = when_unsatisfiable;
  constraint.label_selector = kube::LabelSelector{{{"app", "w"}}, {}};
  p.spec.topology_spread_constraints = {constraint};
  return p;
}

TEST(PodTopologySpread, SkewAgainstTheGlobalMinimum) {
  const Cluster c = zonedCluster();
  const PodTopologySpread plugin;
  const auto p = spreadPod("DoNotSchedule");
  // Zone a holds 2 matching pods, zone b none: a → skew 2 + 1 - 0 = 3 > 1.
  const Status s = testing::filter(plugin, p, c, "a2");
  EXPECT_EQ(s.code, Code::kUnschedulable);
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "node(s) didn't match pod topology spread constraints");
  EXPECT_EQ(s.reasons[0].message,
            "zone=a: 2 matching pod(s) + this pod, global minimum 0: skew 3 > maxSkew 1");
  EXPECT_TRUE(testing::filter(plugin, p, c, "b1").isSuccess());

  const Status missing = testing::filter(plugin, p, c, "nolabel");
  EXPECT_EQ(missing.code, Code::kUnschedulableAndUnresolvable);
  ASSERT_EQ(missing.reasons.size(), 1u);
  EXPECT_EQ(missing.reasons[0].category,
            "node(s) didn't match pod topology spread constraints (missing required label)");
  EXPECT_EQ(missing.reasons[0].message, "node has no label zone");
}

TEST(PodTopologySpread, ScheduleAnywayIsNotAFilter) {
  const Cluster c = zonedCluster();
  const auto p = spreadPod("ScheduleAnyway");
  EXPECT_TRUE(testing::filter(PodTopologySpread{}, p, c, "a2").isSuccess());
  EXPECT_TRUE(testing::filter(PodTopologySpread{}, p, c, "nolabel").isSuccess());
}

TEST(PodTopologySpread, NodesTheNodeSelectorExcludesDoNotCount) {
  const Cluster c = zonedCluster();
  auto p = spreadPod("DoNotSchedule");
  p.spec.node_selector = {{"kubernetes.io/os", "linux"}};  // No node has it: no domain counted.
  // With no domain counted the minimum is 0 and zone a's pods are not counted either.
  EXPECT_TRUE(testing::filter(PodTopologySpread{}, p, c, "a2").isSuccess());
}

}  // namespace
}  // namespace keelson::schedule::framework
