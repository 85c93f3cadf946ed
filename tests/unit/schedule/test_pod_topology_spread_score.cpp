#include <gtest/gtest.h>

#include "schedule/framework/pod_topology_spread_score.h"
#include "score_test.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;
using testing::Scores;

kube::Pod web(const std::string& name, const std::string& node) {
  auto p = testing::pod(name, "100m", "64Mi", node);
  p.metadata.labels["app"] = "web";
  return p;
}

kube::Pod spreading(const std::string& topology, int32_t max_skew,
                    const std::string& when = "ScheduleAnyway") {
  auto p = web("new", "");
  kube::TopologySpreadConstraint c;
  c.max_skew = max_skew;
  c.topology_key = topology;
  c.when_unsatisfiable = when;
  c.label_selector = kube::LabelSelector{{{"app", "web"}}, {}};
  p.spec.topology_spread_constraints = {c};
  return p;
}

TEST(PodTopologySpreadScore, ZonesWeighedByLogOfTheirCount) {
  Cluster c;
  c.nodes = {testing::node("n1"), testing::node("n2"), testing::node("n3"), testing::node("n4")};
  c.nodes[0].metadata.labels["zone"] = "a";
  c.nodes[1].metadata.labels["zone"] = "a";
  c.nodes[2].metadata.labels["zone"] = "b";  // n4 has no zone: ignored, scores 0.
  c.pods = {web("w1", "n1"), web("w2", "n1"), web("w3", "n3"), web("w4", "n4")};
  const PodTopologySpreadScore plugin;
  // Values a and b → weight log(2 + 2) = 1.386; a holds 2 pods, b 1 (n4's pod is not counted).
  // n1, n2: round(2 * 1.386 + (1 - 1)) = 3; n3: round(1.386) = 1; n4: ignored, 0.
  EXPECT_EQ(testing::scores(plugin, spreading("zone", 1), c, false), (Scores{3, 3, 1, 0}));
  // min 1, max 3: 100 * (3 + 1 - s) / 3 → 33, 33, 100; n4 0.
  EXPECT_EQ(testing::scores(plugin, spreading("zone", 1), c), (Scores{33, 33, 100, 0}));
}

TEST(PodTopologySpreadScore, HostnameCountsTheNodesOwnPods) {
  Cluster c;
  c.nodes = {testing::node("n1"), testing::node("n2"), testing::node("n3")};
  c.pods = {web("w1", "n1"), web("w2", "n1"), web("w3", "n1"), web("w4", "n2")};
  auto other_ns = web("w5", "n3");
  other_ns.metadata.namespace_name = "other";
  auto deleting = web("w6", "n3");
  deleting.metadata.deletion_timestamp = std::chrono::system_clock::now();
  c.pods.push_back(other_ns);  // Neither counts.
  c.pods.push_back(deleting);
  // weight log(3 + 2) = 1.609; maxSkew 2 adds 1:
  // n1 round(3 * 1.609 + 1) = 6, n2 round(1.609 + 1) = 3, n3 1
  EXPECT_EQ(
      testing::scores(PodTopologySpreadScore{}, spreading("kubernetes.io/hostname", 2), c, false),
      (Scores{6, 3, 1}));
  // min 1, max 6: 100 * (7 - s) / 6 → 16, 66, 100
  EXPECT_EQ(testing::scores(PodTopologySpreadScore{}, spreading("kubernetes.io/hostname", 2), c),
            (Scores{16, 66, 100}));
}

TEST(PodTopologySpreadScore, OnlyScheduleAnywayConstraintsAndNoSystemDefaults) {
  Cluster c;
  c.nodes = {testing::node("n1"), testing::node("n2")};
  c.pods = {web("w1", "n1")};
  // DoNotSchedule is the Filter's; no constraints at all would get the system defaults upstream,
  // which are not applied: skipped, all 0.
  EXPECT_EQ(testing::scores(PodTopologySpreadScore{},
                            spreading("kubernetes.io/hostname", 1, "DoNotSchedule"), c),
            (Scores{0, 0}));
  EXPECT_EQ(testing::scores(PodTopologySpreadScore{}, web("plain", ""), c), (Scores{0, 0}));
  // No matching pod anywhere: every raw score is 0 → max 0 → all 100.
  c.pods.clear();
  EXPECT_EQ(testing::scores(PodTopologySpreadScore{}, spreading("kubernetes.io/hostname", 1), c),
            (Scores{100, 100}));
}

TEST(PodTopologySpreadScore, NodeAffinityPolicyHonorLeavesNonMatchingNodesUncounted) {
  Cluster c;
  c.nodes = {testing::node("n1"), testing::node("n2"), testing::node("n3")};
  c.nodes[0].metadata.labels["zone"] = "a";
  c.nodes[1].metadata.labels["zone"] = "b";
  c.nodes[2].metadata.labels["zone"] = "b";
  c.nodes[1].metadata.labels["disk"] = "ssd";
  c.nodes[2].metadata.labels["disk"] = "hdd";
  c.pods = {web("w1", "n1"), web("w2", "n3"), web("w3", "n3")};
  auto p = spreading("zone", 1);
  p.spec.node_selector = {{"disk", "ssd"}};
  // n3 does not match the nodeSelector: its pods do not count for zone b (Honor). a: 0 (n1 has
  // no disk label either), b: 0 → every raw score 0 → 100.
  EXPECT_EQ(testing::scores(PodTopologySpreadScore{}, p, c, false), (Scores{0, 0, 0}));
  p.spec.topology_spread_constraints[0].node_affinity_policy = "Ignore";
  // Ignore: a 1, b 2, weight log(4): n1 round(1.386) = 1, n2 and n3 round(2.773) = 3.
  EXPECT_EQ(testing::scores(PodTopologySpreadScore{}, p, c, false), (Scores{1, 3, 3}));
}

}  // namespace
}  // namespace keelson::schedule::framework
