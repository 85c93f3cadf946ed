// place(): the scheduler's decision (filters, then the weighted Score plugins of a profile), its
// explanation (Detail::kExplain) and kube-scheduler's FailedScheduling message.

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "schedule/framework/score_plugins.h"
#include "schedule/placement.h"
#include "volume_test.h"

namespace keelson::schedule {
namespace {

namespace fw = framework;
using fw::testing::Cluster;

/// The default profile (scheduler filters, kube-scheduler's default Score plugins) with `config`.
Profile profileOf(const fw::ScoreConfig& config = fw::ScoreConfig{}) {
  Profile p;
  p.scores = fw::makeScorePlugins(config);
  return p;
}

Placement placeIn(const Profile& profile, const Cluster& cluster, const kube::Pod& pod,
                  Detail detail = Detail::kDecision) {
  const fw::ClusterView view = fw::viewOf(cluster);
  const fw::PodInfo info(pod);
  const fw::Snapshot snapshot(view, pod);
  return place(profile, info, snapshot, detail);
}

/// A node of 4 cpu / 8Gi with pods bound to it requesting `used_cpus` cpus and twice as many Gi,
/// so that cpu and memory stay in proportion and NodeResourcesBalancedAllocation scores every
/// node alike.
void addNode(Cluster& c, const std::string& name, int used_cpus) {
  c.nodes.push_back(fw::testing::node(name, "4", "8Gi"));
  for (int i = 0; i < used_cpus; ++i) {
    c.pods.push_back(fw::testing::pod(name + "-used-" + std::to_string(i), "1", "2Gi", name));
  }
}

/// A pending pod of 1 cpu / 2Gi (the same proportion as addNode's pods).
kube::Pod onePod(const std::string& name = "new") { return fw::testing::pod(name, "1", "2Gi"); }

std::vector<std::string> namesOf(const Placement& p) {
  std::vector<std::string> out;
  for (const NodeRanking& n : p.nodes) out.push_back(n.node);
  return out;
}

const PluginScore* scoreOf(const NodeRanking& n, std::string_view plugin) {
  for (const PluginScore& s : n.scores) {
    if (s.plugin == plugin) return &s;
  }
  return nullptr;
}

TEST(Placement, LeastAllocatedPicksTheEmptiestNodeAndMostAllocatedTheFullest) {
  Cluster c;
  addNode(c, "half", 2);
  addNode(c, "empty", 0);
  addNode(c, "full", 3);  // 1 cpu left: the pod still fits.

  const Placement least = placeIn(profileOf(), c, onePod());
  EXPECT_EQ(least.node, "empty");
  EXPECT_EQ(least.total_nodes, 3);
  EXPECT_EQ(least.feasible_nodes, 3);
  EXPECT_TRUE(least.failure_message.empty());
  EXPECT_TRUE(least.failure_categories.empty());
  EXPECT_TRUE(least.nodes.empty());  // Detail::kDecision records no rankings.

  fw::ScoreConfig most;
  most.strategy = fw::ScoringStrategy::kMostAllocated;
  EXPECT_EQ(placeIn(profileOf(most), c, onePod()).node, "full");
}

TEST(Placement, ExplainRanksFeasibleNodesByTotalThenInfeasibleOnesWithTheirRejections) {
  Cluster c;
  addNode(c, "half", 2);
  addNode(c, "tainted", 0);
  c.nodes.back().spec.taints = {{"dedicated", "db", "NoSchedule", {}}};
  addNode(c, "empty", 0);
  addNode(c, "crowded", 3);
  c.pods.push_back(fw::testing::pod("crowded-extra", "500m", "", "crowded"));  // 500m left.
  addNode(c, "three", 3);

  const Placement p = placeIn(profileOf(), c, onePod(), Detail::kExplain);
  EXPECT_EQ(p.node, "empty");
  EXPECT_EQ(p.feasible_nodes, 3);
  // Feasible by total (empty > half > three: LeastAllocated), then the others in snapshot order.
  EXPECT_EQ(namesOf(p), (std::vector<std::string>{"empty", "half", "three", "tainted", "crowded"}));
  ASSERT_EQ(p.nodes.size(), 5u);
  for (size_t i = 0; i < 3; ++i) {
    const NodeRanking& n = p.nodes[i];
    EXPECT_TRUE(n.feasible) << n.node;
    EXPECT_TRUE(n.rejections.empty()) << n.node;
    // Every enabled plugin of the default profile, in profile order, with its weight.
    ASSERT_EQ(n.scores.size(), fw::kDefaultScoreWeights.size()) << n.node;
    std::int64_t total = 0;
    for (size_t j = 0; j < n.scores.size(); ++j) {
      EXPECT_EQ(n.scores[j].plugin, fw::kDefaultScoreWeights[j].first);
      EXPECT_EQ(n.scores[j].weight, fw::kDefaultScoreWeights[j].second);
      EXPECT_GE(n.scores[j].score, 0);
      EXPECT_LE(n.scores[j].score, fw::kMaxNodeScore);
      total += n.scores[j].score * n.scores[j].weight;
    }
    EXPECT_EQ(n.total, total) << n.node;
  }
  EXPECT_GT(p.nodes[0].total, p.nodes[1].total);
  EXPECT_GT(p.nodes[1].total, p.nodes[2].total);
  // The order comes from NodeResourcesFit (LeastAllocated); the other plugins score alike.
  const PluginScore* fit_empty = scoreOf(p.nodes[0], "NodeResourcesFit");
  const PluginScore* fit_half = scoreOf(p.nodes[1], "NodeResourcesFit");
  ASSERT_NE(fit_empty, nullptr);
  ASSERT_NE(fit_half, nullptr);
  EXPECT_GT(fit_empty->score, fit_half->score);

  const NodeRanking& tainted = p.nodes[3];
  EXPECT_FALSE(tainted.feasible);
  EXPECT_TRUE(tainted.scores.empty());
  ASSERT_EQ(tainted.rejections.size(), 1u);
  EXPECT_EQ(tainted.rejections[0].plugin, "TaintToleration");
  ASSERT_EQ(tainted.rejections[0].reasons.size(), 1u);
  EXPECT_EQ(tainted.rejections[0].reasons[0].category, "node(s) had untolerated taint(s)");

  const NodeRanking& crowded = p.nodes[4];
  EXPECT_FALSE(crowded.feasible);
  ASSERT_EQ(crowded.rejections.size(), 1u);
  EXPECT_EQ(crowded.rejections[0].plugin, "NodeResourcesFit");
  ASSERT_EQ(crowded.rejections[0].reasons.size(), 1u);
  EXPECT_EQ(crowded.rejections[0].reasons[0].category, "Insufficient cpu");
  EXPECT_EQ(crowded.rejections[0].reasons[0].message,
            "Insufficient cpu: requested 1, free 500m of 4 allocatable");

  // kDecision reaches the same decision.
  EXPECT_EQ(placeIn(profileOf(), c, onePod()).node, "empty");
}

TEST(Placement, ExplainListsEveryRejectingFilterOfANode) {
  Cluster c;
  addNode(c, "both", 4);
  c.nodes.back().spec.taints = {{"dedicated", "db", "NoSchedule", {}}};
  const Placement p = placeIn(profileOf(), c, onePod(), Detail::kExplain);
  ASSERT_EQ(p.nodes.size(), 1u);
  ASSERT_EQ(p.nodes[0].rejections.size(), 2u);
  EXPECT_EQ(p.nodes[0].rejections[0].plugin, "TaintToleration");
  EXPECT_EQ(p.nodes[0].rejections[1].plugin, "NodeResourcesFit");
  // Only the first rejection is counted, as kube-scheduler does.
  EXPECT_EQ(p.failure_categories,
            (std::map<std::string, int>{{"node(s) had untolerated taint(s)", 1}}));
  EXPECT_EQ(p.failure_message, "0/1 nodes are available: 1 node(s) had untolerated taint(s).");
}

TEST(Placement, NoNodeFitsGivesKubeSchedulersMessageWithCounts) {
  Cluster c;
  addNode(c, "full-1", 4);
  addNode(c, "tainted", 0);
  c.nodes.back().spec.taints = {{"dedicated", "db", "NoSchedule", {}}};
  addNode(c, "full-2", 4);

  for (const Detail detail : {Detail::kDecision, Detail::kExplain}) {
    const Placement p = placeIn(profileOf(), c, onePod(), detail);
    EXPECT_EQ(p.node, "");
    EXPECT_EQ(p.total_nodes, 3);
    EXPECT_EQ(p.feasible_nodes, 0);
    EXPECT_EQ(p.failure_categories,
              (std::map<std::string, int>{{"Insufficient cpu", 2},
                                          {"Insufficient memory", 2},
                                          {"node(s) had untolerated taint(s)", 1}}));
    EXPECT_EQ(p.failure_message,
              "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu, "
              "2 Insufficient memory.");
  }
}

TEST(Placement, FailureReasonsAreSortedAsStringsWithTheirCounts) {
  // kube-scheduler sorts the "<count> <reason>" strings: "10 node(s)..." before "2 Insufficient
  // cpu", although "Insufficient cpu" sorts first by reason and 2 < 10 by count.
  Cluster c;
  c.nodes.push_back(fw::testing::node("full-1", "1", "8Gi"));
  c.nodes.push_back(fw::testing::node("full-2", "1", "8Gi"));
  for (int i = 0; i < 10; ++i) {
    c.nodes.push_back(fw::testing::node("tainted-" + std::to_string(i)));
    c.nodes.back().spec.taints = {{"dedicated", "db", "NoSchedule", {}}};
  }
  const Placement p = placeIn(profileOf(), c, fw::testing::pod("new", "2", "64Mi"));
  EXPECT_EQ(p.failure_message,
            "0/12 nodes are available: 10 node(s) had untolerated taint(s), 2 Insufficient cpu.");
}

TEST(Placement, PreFilterRejectionAppliesToEveryNode) {
  Cluster c;
  addNode(c, "a", 0);
  addNode(c, "b", 0);
  addNode(c, "c", 0);
  c.pvcs = {fw::testing::claim("data", "")};  // No class: immediate binding, and nothing bound it.
  const kube::Pod pod = fw::testing::podWithClaim("data");

  for (const Detail detail : {Detail::kDecision, Detail::kExplain}) {
    const Placement p = placeIn(profileOf(), c, pod, detail);
    EXPECT_EQ(p.node, "");
    EXPECT_EQ(p.feasible_nodes, 0);
    EXPECT_EQ(
        p.failure_categories,
        (std::map<std::string, int>{{"pod has unbound immediate PersistentVolumeClaims", 3}}));
    EXPECT_EQ(p.failure_message,
              "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.");
  }
  const Placement explained = placeIn(profileOf(), c, pod, Detail::kExplain);
  ASSERT_EQ(explained.nodes.size(), 3u);
  for (const NodeRanking& n : explained.nodes) {
    EXPECT_FALSE(n.feasible);
    ASSERT_EQ(n.rejections.size(), 1u);
    EXPECT_EQ(n.rejections[0].plugin, "VolumeBinding");
  }
}

TEST(Placement, NotReadyNodeIsRefusedByTheSchedulerFiltersOnly) {
  Cluster c;
  addNode(c, "not-ready", 0);
  kube::Condition ready;
  ready.type = "Ready";
  ready.status = "False";
  c.nodes.back().status.conditions = {ready};

  const Placement refused = placeIn(profileOf(), c, onePod(), Detail::kExplain);
  EXPECT_EQ(refused.node, "");
  EXPECT_EQ(refused.failure_message,
            "0/1 nodes are available: 1 node(s) had untolerated taint(s).");
  ASSERT_EQ(refused.nodes.size(), 1u);
  ASSERT_EQ(refused.nodes[0].rejections.size(), 1u);
  ASSERT_EQ(refused.nodes[0].rejections[0].reasons.size(), 1u);
  EXPECT_NE(refused.nodes[0].rejections[0].reasons[0].message.find("node.kubernetes.io/not-ready"),
            std::string::npos)
      << refused.nodes[0].rejections[0].reasons[0].message;

  Profile analysis = profileOf();
  analysis.filters = &fw::Framework::defaultFilters();
  EXPECT_EQ(placeIn(analysis, c, onePod()).node, "not-ready");

  // A pod tolerating the condition's taint is accepted by the scheduler filters too.
  kube::Pod tolerant = onePod();
  kube::Toleration t;
  t.key = "node.kubernetes.io/not-ready";
  t.op = "Exists";
  t.effect = "NoSchedule";
  tolerant.spec.tolerations = {t};
  EXPECT_EQ(placeIn(profileOf(), c, tolerant).node, "not-ready");
}

TEST(Placement, TieGoesToTheFirstNodeEvaluated) {
  Cluster c;
  addNode(c, "b", 1);
  addNode(c, "a", 1);
  addNode(c, "c", 1);
  const Placement p = placeIn(profileOf(), c, onePod(), Detail::kExplain);
  EXPECT_EQ(p.node, "b");  // Not "a": snapshot order, not name order.
  EXPECT_EQ(namesOf(p), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(p.nodes[0].total, p.nodes[1].total);
  EXPECT_EQ(p.nodes[1].total, p.nodes[2].total);
}

TEST(Placement, WithoutNodesSaysSoAsKubeSchedulerDoes) {
  const Placement p = placeIn(profileOf(), Cluster{}, onePod());
  EXPECT_EQ(p.node, "");
  EXPECT_EQ(p.failure_message, "no nodes available to schedule pods");
}

TEST(Placement, FeasibleNodesToFindFollowsKubeSchedulersAdaptivePercentage) {
  EXPECT_EQ(feasibleNodesToFind(99, 0), 99u);      // Under 100 nodes: all of them.
  EXPECT_EQ(feasibleNodesToFind(200, 0), 100u);    // 48% is 96: at least 100.
  EXPECT_EQ(feasibleNodesToFind(1000, 0), 420u);   // 50 - 1000/125 = 42%.
  EXPECT_EQ(feasibleNodesToFind(5000, 0), 500u);   // 50 - 40 = 10%.
  EXPECT_EQ(feasibleNodesToFind(10000, 0), 500u);  // 50 - 80 < 5: 5%.
  EXPECT_EQ(feasibleNodesToFind(5000, 30), 1500u);
  EXPECT_EQ(feasibleNodesToFind(5000, 100), 5000u);
}

TEST(Placement, StopsAfterEnoughFeasibleNodesAndResumesWhereItStopped) {
  Cluster c;
  for (int i = 0; i < 300; ++i) addNode(c, "n" + std::to_string(i), 0);
  Profile profile = profileOf();
  const fw::ClusterView view = fw::viewOf(c);
  const kube::Pod pod = onePod();
  const fw::PodInfo info(pod);
  const fw::Snapshot snapshot(view, pod);
  // 300 nodes: 50 - 2 = 48% is 144 feasible nodes, from node 250 on, wrapping around.
  const Placement first = place(profile, info, snapshot, Detail::kDecision, 250);
  EXPECT_EQ(first.feasible_nodes, 144);
  EXPECT_EQ(first.next_start, (250u + 144u) % 300u);
  EXPECT_EQ(first.node, "n250");  // Every node ties: the first evaluated wins.
  // Explaining evaluates every node whatever the percentage.
  EXPECT_EQ(place(profile, info, snapshot, Detail::kExplain).feasible_nodes, 300);
  profile.percentage_of_nodes_to_score = 100;
  EXPECT_EQ(place(profile, info, snapshot).feasible_nodes, 300);
}

TEST(Placement, PreferNoScheduleTaintDecidesOnlyWhenTaintTolerationWeighs) {
  Cluster c;
  addNode(c, "preferred-not", 0);  // The emptiest, but tainted PreferNoSchedule.
  c.nodes.back().spec.taints = {{"spot", "true", "PreferNoSchedule", {}}};
  addNode(c, "busier", 2);

  EXPECT_EQ(placeIn(profileOf(), c, onePod()).node, "busier");

  fw::ScoreConfig off;
  fw::setPluginWeight(off, "TaintToleration", 0);
  const Placement p = placeIn(profileOf(off), c, onePod(), Detail::kExplain);
  EXPECT_EQ(p.node, "preferred-not");
  ASSERT_FALSE(p.nodes.empty());
  EXPECT_EQ(scoreOf(p.nodes[0], "TaintToleration"), nullptr);  // Disabled, not scored.

  // A higher weight keeps the taint decisive.
  fw::ScoreConfig heavy;
  fw::setPluginWeight(heavy, "TaintToleration", 10);
  EXPECT_EQ(placeIn(profileOf(heavy), c, onePod()).node, "busier");

  // With the plugin on but the taint tolerated, the emptiest node wins again.
  kube::Pod tolerant = onePod();
  kube::Toleration t;
  t.key = "spot";
  t.op = "Exists";
  tolerant.spec.tolerations = {t};
  EXPECT_EQ(placeIn(profileOf(), c, tolerant).node, "preferred-not");
}

}  // namespace
}  // namespace keelson::schedule
