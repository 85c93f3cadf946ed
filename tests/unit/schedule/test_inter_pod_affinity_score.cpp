#include <gtest/gtest.h>

#include "core/error.h"
#include "schedule/framework/inter_pod_affinity_score.h"
#include "score_test.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;
using testing::Scores;

kube::WeightedPodAffinityTerm weighted(int32_t weight, const std::string& key,
                                       const std::string& value, const std::string& topology) {
  return {weight, testing::podAffinityTerm(key, value, topology)};
}

kube::Pod labelled(const std::string& name, const std::string& app, const std::string& node) {
  auto p = testing::pod(name, "100m", "64Mi", node);
  p.metadata.labels["app"] = app;
  return p;
}

/// n1, n2 in zone a, n3 in zone b, n4 without a zone; web runs on n1, db on n3.
Cluster zones() {
  Cluster c;
  c.nodes = {testing::node("n1"), testing::node("n2"), testing::node("n3"), testing::node("n4")};
  c.nodes[0].metadata.labels["zone"] = "a";
  c.nodes[1].metadata.labels["zone"] = "a";
  c.nodes[2].metadata.labels["zone"] = "b";
  c.pods = {labelled("web", "web", "n1"), labelled("db", "db", "n3")};
  return c;
}

kube::Pod incoming() {
  auto p = labelled("new", "new", "");
  p.spec.affinity.emplace();
  p.spec.affinity->pod_affinity.emplace();
  p.spec.affinity->pod_affinity->preferred = {weighted(10, "app", "web", "zone")};
  p.spec.affinity->pod_anti_affinity.emplace();
  p.spec.affinity->pod_anti_affinity->preferred = {weighted(5, "app", "db", "zone")};
  return p;
}

TEST(InterPodAffinityScore, ThePodsPreferredTermsCreditTheExistingPodsDomains) {
  const Cluster c = zones();
  const InterPodAffinityScore plugin;
  // zone=a +10 (web matches the affinity term), zone=b -5 (db matches the anti-affinity term).
  EXPECT_EQ(testing::scores(plugin, incoming(), c, false), (Scores{10, 10, -5, 0}));
  // min -5, max 10: 100 * (s + 5) / 15 → 100, 100, 0, 33 (33.3 truncated)
  EXPECT_EQ(testing::scores(plugin, incoming(), c), (Scores{100, 100, 0, 33}));
}

TEST(InterPodAffinityScore, ExistingPodsTermsCreditTheirDomains) {
  Cluster c = zones();
  // cache on n4 requires affinity to app=new per hostname: +hardPodAffinityWeight (1) on n4.
  auto cache = labelled("cache", "cache", "n4");
  cache.spec.affinity.emplace();
  cache.spec.affinity->pod_affinity.emplace();
  cache.spec.affinity->pod_affinity->required = {
      testing::podAffinityTerm("app", "new", "kubernetes.io/hostname")};
  // loner on n2 prefers (weight 20) not to share its host with app=new: -20 on n2.
  auto loner = labelled("loner", "loner", "n2");
  loner.spec.affinity.emplace();
  loner.spec.affinity->pod_anti_affinity.emplace();
  loner.spec.affinity->pod_anti_affinity->preferred = {
      weighted(20, "app", "new", "kubernetes.io/hostname")};
  c.pods.push_back(cache);
  c.pods.push_back(loner);
  EXPECT_EQ(testing::scores(InterPodAffinityScore{}, incoming(), c, false),
            (Scores{10, -10, -5, 1}));
  // min -10, max 10: 100 * (s + 10) / 20 → 100, 0, 25, 55
  EXPECT_EQ(testing::scores(InterPodAffinityScore{}, incoming(), c), (Scores{100, 0, 25, 55}));
  // hardPodAffinityWeight 0 ignores cache's required term: n4 0 → 100 * 10 / 20 = 50.
  EXPECT_EQ(testing::scores(InterPodAffinityScore(0), incoming(), c), (Scores{100, 0, 25, 50}));
}

TEST(InterPodAffinityScore, NothingMatchingSkipsAndEqualScoresNormaliseToZero) {
  Cluster c = zones();
  auto p = incoming();
  p.metadata.namespace_name = "other";  // The terms select the pod's own namespace only.
  EXPECT_EQ(testing::scores(InterPodAffinityScore{}, p, c), (Scores{0, 0, 0, 0}));
  // Every node in zone a: all score 10, max == min → 0.
  for (auto& n : c.nodes) n.metadata.labels["zone"] = "a";
  c.pods.pop_back();
  EXPECT_EQ(testing::scores(InterPodAffinityScore{}, incoming(), c, false),
            (Scores{10, 10, 10, 10}));
  EXPECT_EQ(testing::scores(InterPodAffinityScore{}, incoming(), c), (Scores{0, 0, 0, 0}));
  EXPECT_THROW(InterPodAffinityScore(101), Error);
}

}  // namespace
}  // namespace keelson::schedule::framework
