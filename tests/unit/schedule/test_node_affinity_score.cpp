#include <gtest/gtest.h>

#include "schedule/framework/node_affinity_score.h"
#include "score_test.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;
using testing::Scores;

kube::PreferredSchedulingTerm preferred(int32_t weight, const std::string& key,
                                        const std::string& value) {
  kube::PreferredSchedulingTerm t;
  t.weight = weight;
  t.preference.match_expressions = {{key, "In", {value}}};
  return t;
}

kube::Pod podPreferring(kube::List<kube::PreferredSchedulingTerm> terms) {
  auto p = testing::pod("p");
  p.spec.affinity.emplace();
  p.spec.affinity->node_affinity.emplace();
  p.spec.affinity->node_affinity->preferred = std::move(terms);
  return p;
}

Cluster zoneAndDiskNodes() {
  Cluster c;
  c.nodes = {testing::node("a"), testing::node("ab"), testing::node("none")};
  c.nodes[0].metadata.labels["zone"] = "a";
  c.nodes[1].metadata.labels["zone"] = "a";
  c.nodes[1].metadata.labels["disk"] = "ssd";
  return c;
}

TEST(NodeAffinityScore, SumsTheWeightsOfMatchingPreferredTerms) {
  const Cluster c = zoneAndDiskNodes();
  const auto p = podPreferring({preferred(2, "zone", "a"), preferred(5, "disk", "ssd")});
  EXPECT_EQ(testing::scores(NodeAffinityScore{}, p, c, false), (Scores{2, 7, 0}));
  // 100 * 2 / 7 = 28, 100, 0
  EXPECT_EQ(testing::scores(NodeAffinityScore{}, p, c), (Scores{28, 100, 0}));
}

TEST(NodeAffinityScore, ZeroWeightAndEmptyTermsAreIgnored) {
  const Cluster c = zoneAndDiskNodes();
  kube::PreferredSchedulingTerm empty;
  empty.weight = 50;
  const auto p = podPreferring({preferred(0, "zone", "a"), empty});
  EXPECT_EQ(testing::scores(NodeAffinityScore{}, p, c), (Scores{0, 0, 0}));
}

TEST(NodeAffinityScore, AddedAffinityAppliesToEveryPod) {
  const Cluster c = zoneAndDiskNodes();
  const NodeAffinityScore plugin({preferred(3, "kubernetes.io/hostname", "none")});
  // A pod without node affinity: only the added term, 3 on "none" → 0, 0, 100.
  EXPECT_EQ(testing::scores(plugin, testing::pod("plain"), c), (Scores{0, 0, 100}));
  // Both: 2, 2 + 5, 3 → 100 * 2 / 7 = 28, 100, 100 * 3 / 7 = 42
  const auto p = podPreferring({preferred(2, "zone", "a"), preferred(5, "disk", "ssd")});
  EXPECT_EQ(testing::scores(plugin, p, c), (Scores{28, 100, 42}));
}

}  // namespace
}  // namespace keelson::schedule::framework
