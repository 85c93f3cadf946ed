#include <gtest/gtest.h>

#include "core/error.h"
#include "schedule/framework/node_resources_fit_score.h"
#include "score_test.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;
using testing::podWith;
using testing::Scores;

TEST(NodeResourcesFitScore, LeastAllocatedHandWorked) {
  Cluster c;
  c.nodes = {testing::node("n1", "4", "8Gi")};
  c.pods = {testing::pod("old", "1", "2Gi", "n1")};
  // cpu: (4000 - (1000 + 500)) * 100 / 4000 = 62 (62.5 truncated)
  // memory: (8Gi - (2Gi + 1Gi)) * 100 / 8Gi = 62
  // (62 * 1 + 62 * 1) / 2 = 62
  EXPECT_EQ(testing::scores(NodeResourcesFitScore{}, testing::pod("new", "500m", "1Gi"), c),
            Scores{62});
}

TEST(NodeResourcesFitScore, MissingRequestsCountAsNonZeroDefaults) {
  Cluster c;
  c.nodes = {testing::node("n1", "1", "1000Mi")};
  c.pods = {podWith("none", {{"", ""}}, "n1"), podWith("zero", {{"0", "0"}}, "n1")};
  const kube::Pod p = podWith("new", {{"", ""}});
  const ClusterView view = viewOf(c);
  const Snapshot snapshot(view, p);
  // The pod without requests counts 100m and 200Mi; explicit zeros stay zero.
  EXPECT_EQ(snapshot.nodes()[0].non_zero_requested.cpu_millicores, 100);
  EXPECT_EQ(snapshot.nodes()[0].non_zero_requested.memory_bytes, 200 * 1024 * 1024);
  EXPECT_TRUE(quantityOf(snapshot.nodes()[0].requested, "cpu").isZero());
  // cpu: (1000 - (100 + 100)) * 100 / 1000 = 80; memory: (1000Mi - 400Mi) * 100 / 1000Mi = 60
  // (80 + 60) / 2 = 70
  EXPECT_EQ(testing::scores(NodeResourcesFitScore{}, p, c), Scores{70});
}

// Ported from TestLeastAllocatedScoringStrategy (noderesources/least_allocated_test.go). "cpu":
// "10000" there is 10000 cores; only the ratios matter.
TEST(NodeResourcesFitScore, LeastAllocatedUpstreamCases) {
  const kube::Pod p = podWith("p", {{"1000", "2000"}, {"2000", "3000"}});
  {
    // "resources requested, pods scheduled with resources"
    Cluster c;
    c.nodes = {testing::node("node1", "10000", "20000"), testing::node("node2", "10000", "20000")};
    c.pods = {podWith("a", {{"3000", "0"}}, "node1"), podWith("b", {{"3000", "5000"}}, "node2")};
    // node1: cpu (10000-6000)*100/10000 = 40, memory (20000-5000)*100/20000 = 75 → 57
    // node2: cpu 40, memory (20000-10000)*100/20000 = 50 → 45
    EXPECT_EQ(testing::scores(NodeResourcesFitScore{}, p, c), (Scores{57, 45}));
  }
  {
    // "requested resources exceed node capacity"
    Cluster c;
    c.nodes = {testing::node("node1", "4000", "10000"), testing::node("node2", "4000", "10000")};
    c.pods = {podWith("a", {{"3000", "0"}}, "node1"), podWith("b", {{"3000", "5000"}}, "node2")};
    // cpu 6000 > 4000 → 0; memory 100 and 50 → 50 and 25
    EXPECT_EQ(testing::scores(NodeResourcesFitScore{}, podWith("q", {{"3000", "0"}}), c),
              (Scores{50, 25}));
  }
  {
    // "nothing scheduled, resources requested with different weight on CPU and memory,
    // differently sized nodes": node1 (25 * 1 + 50 * 2) / 3 = 41, node2 (50 + 100) / 3 = 50
    Cluster c;
    c.nodes = {testing::node("node1", "4000", "10000"), testing::node("node2", "6000", "10000")};
    const NodeResourcesFitScore plugin(ScoringStrategy::kLeastAllocated,
                                       {{"memory", 2}, {"cpu", 1}});
    EXPECT_EQ(testing::scores(plugin, p, c), (Scores{41, 50}));
  }
}

TEST(NodeResourcesFitScore, MostAllocatedClampsAtCapacity) {
  Cluster c;
  c.nodes = {testing::node("n1", "4", "8Gi")};
  c.pods = {testing::pod("old", "1", "2Gi", "n1")};
  const NodeResourcesFitScore plugin(ScoringStrategy::kMostAllocated);
  // cpu 1500 * 100 / 4000 = 37, memory 3Gi * 100 / 8Gi = 37 → 37
  EXPECT_EQ(testing::scores(plugin, testing::pod("new", "500m", "1Gi"), c), Scores{37});
  // cpu min(7000, 4000) * 100 / 4000 = 100, memory 37 → (100 + 37) / 2 = 68
  EXPECT_EQ(testing::scores(plugin, testing::pod("big", "6", "1Gi"), c), Scores{68});
}

TEST(NodeResourcesFitScore, ScalarResourcesCountOnlyWhenThePodRequestsThem) {
  Cluster c;
  c.nodes = {testing::node("n1", "4", "8Gi")};
  c.nodes[0].status.allocatable["example.com/gpu"] = core::Quantity::parse("4");
  const NodeResourcesFitScore plugin(ScoringStrategy::kLeastAllocated,
                                     {{"cpu", 1}, {"memory", 1}, {"example.com/gpu", 1}});
  auto p = testing::pod("new", "1", "2Gi");
  // cpu 75, memory 75, gpu not requested → left out: 75
  EXPECT_EQ(testing::scores(plugin, p, c), Scores{75});
  p.spec.containers[0].resources.requests["example.com/gpu"] = core::Quantity::parse("2");
  // gpu (4 - 2) * 100 / 4 = 50 → (75 + 75 + 50) / 3 = 66
  EXPECT_EQ(testing::scores(plugin, p, c), Scores{66});
}

// Ported from TestRequestedToCapacityRatioScoringStrategy: shape {0: 10, 100: 0} (scaled to
// {0: 100, 100: 0}), the least requested nodes win.
TEST(NodeResourcesFitScore, RequestedToCapacityRatioUpstreamCases) {
  const NodeResourcesFitScore plugin(ScoringStrategy::kRequestedToCapacityRatio,
                                     defaultScoringResources(), {{0, 10}, {100, 0}});
  Cluster c;
  c.nodes = {testing::node("node1", "4000", "10000"), testing::node("node2", "6000", "10000")};
  c.pods = {podWith("e1", {}, "node1"), podWith("e2", {}, "node1")};
  // "nothing scheduled, resources requested, differently sized nodes":
  // node1: cpu 3000/4000 = 75% → 100 - 100*75/100 = 25; memory 50% → 50; round(75/2) = 38
  // node2: cpu 50% → 50, memory 50 → 50
  EXPECT_EQ(testing::scores(plugin, podWith("p", {{"1000", "2000"}, {"2000", "3000"}}), c),
            (Scores{38, 50}));
  // "nothing scheduled, nothing requested": no containers → 0% → 100 on both nodes.
  EXPECT_EQ(testing::scores(plugin, podWith("q", {}), c), (Scores{100, 100}));
}

// Ported from TestResourceBinPackingSingleExtended: shape {0: 0, 100: 1}, intel.com/foo only.
TEST(NodeResourcesFitScore, RequestedToCapacityRatioExtendedResource) {
  const NodeResourcesFitScore plugin(ScoringStrategy::kRequestedToCapacityRatio,
                                     {{"intel.com/foo", 1}}, {{0, 0}, {100, 1}});
  Cluster c;
  c.nodes = {testing::node("node1", "4", "10000Mi"), testing::node("node2", "4", "10000Mi")};
  c.nodes[0].status.allocatable["intel.com/foo"] = core::Quantity::parse("8");
  c.nodes[1].status.allocatable["intel.com/foo"] = core::Quantity::parse("4");
  auto p = podWith("p", {{"", ""}});
  // Not requested: both 0 ("nothing scheduled, nothing requested").
  EXPECT_EQ(testing::scores(plugin, p, c), (Scores{0, 0}));
  p.spec.containers[0].resources.requests["intel.com/foo"] = core::Quantity::parse("2");
  // node1 2/8 = 25% → 10 * 25 / 100 = 2; node2 2/4 = 50% → 5
  EXPECT_EQ(testing::scores(plugin, p, c), (Scores{2, 5}));
  // "on node with existing pod running": node2 (2 + 2)/4 = 100% → 10
  c.pods = {podWith("old", {{"", ""}}, "node2")};
  c.pods[0].spec.containers[0].resources.requests["intel.com/foo"] = core::Quantity::parse("2");
  EXPECT_EQ(testing::scores(plugin, p, c), (Scores{2, 10}));
}

// Ported from TestBrokenLinearFunction (requested_to_capacity_ratio_test.go).
TEST(NodeResourcesFitScore, BrokenLinearFunction) {
  const std::vector<UtilizationShapePoint> a{{10, 1}, {90, 9}};
  const std::vector<std::pair<int64_t, int64_t>> a_cases{{-10, 1}, {0, 1},  {9, 1},   {10, 1},
                                                         {15, 1},  {19, 1}, {20, 2},  {89, 8},
                                                         {90, 9},  {99, 9}, {100, 9}, {110, 9}};
  for (const auto& [p, want] : a_cases) EXPECT_EQ(brokenLinear(a, p), want) << p;
  const std::vector<UtilizationShapePoint> b{{0, 2}, {40, 10}, {100, 0}};
  const std::vector<std::pair<int64_t, int64_t>> b_cases{{-10, 2}, {0, 2},  {20, 6},  {30, 8},
                                                         {40, 10}, {70, 5}, {100, 0}, {110, 0}};
  for (const auto& [p, want] : b_cases) EXPECT_EQ(brokenLinear(b, p), want) << p;
}

TEST(NodeResourcesFitScore, RejectsInvalidArguments) {
  const auto code = [](auto make) {
    try {
      make();
    } catch (const Error& e) {
      return std::make_pair(e.code(), std::string(e.what()));
    }
    return std::make_pair(ErrorCode::kInternal, std::string("no error"));
  };
  auto [c1, m1] = code([] {
    NodeResourcesFitScore(ScoringStrategy::kLeastAllocated, {{"cpu", 0}});
  });
  EXPECT_EQ(c1, ErrorCode::kBadInput);
  EXPECT_EQ(m1, "NodeResourcesFit scoring: resource cpu has weight 0, expected 1-100");
  auto [c2, m2] = code([] {
    NodeResourcesFitScore(ScoringStrategy::kRequestedToCapacityRatio, defaultScoringResources(),
                          {{50, 1}, {50, 2}});
  });
  EXPECT_EQ(c2, ErrorCode::kBadInput);
  EXPECT_EQ(m2,
            "RequestedToCapacityRatio: shape point 1 has utilization 50, expected more than the "
            "previous point's 50");
  auto [c3, m3] = code([] {
    NodeResourcesFitScore(ScoringStrategy::kRequestedToCapacityRatio, defaultScoringResources(),
                          {{0, 11}});
  });
  EXPECT_EQ(c3, ErrorCode::kBadInput);
  EXPECT_EQ(m3, "RequestedToCapacityRatio: shape point 0 has score 11, expected 0-10");
  // The shape is only checked for RequestedToCapacityRatio.
  EXPECT_NO_THROW(NodeResourcesFitScore(ScoringStrategy::kMostAllocated));
}

}  // namespace
}  // namespace keelson::schedule::framework
