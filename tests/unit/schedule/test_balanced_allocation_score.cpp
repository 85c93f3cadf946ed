#include <gtest/gtest.h>

#include "core/error.h"
#include "schedule/framework/balanced_allocation.h"
#include "score_test.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;
using testing::podWith;
using testing::Scores;

TEST(BalancedAllocation, HandWorked) {
  Cluster c;
  c.nodes = {testing::node("n1", "4", "8Gi")};
  c.pods = {testing::pod("old", "1", "1Gi", "n1")};
  const BalancedAllocation plugin;
  // cpu 2000/4000 = 0.5, memory 4Gi/8Gi = 0.5: std |0.5 - 0.5| / 2 = 0 → 100
  EXPECT_EQ(testing::scores(plugin, testing::pod("even", "1", "3Gi"), c), Scores{100});
  // cpu 3000/4000 = 0.75, memory 1Gi/8Gi = 0.125: std 0.3125 → (1 - 0.3125) * 100 = 68.75 → 68
  EXPECT_EQ(testing::scores(plugin, podWith("cpu-only", {{"2", ""}}), c), Scores{68});
}

// The same arithmetic as TestNodeResourcesBalancedAllocation's "nothing scheduled, resources
// requested, differently sized nodes" (balanced_allocation_test.go): cpu 3000 and memory 5000.
TEST(BalancedAllocation, DifferentlySizedNodes) {
  Cluster c;
  c.nodes = {testing::node("node1", "4000", "10000"), testing::node("node2", "6000", "10000")};
  const auto p = podWith("p", {{"1000", "2000"}, {"2000", "3000"}});
  // node1: 0.75 and 0.5 → std 0.125 → 87; node2: 0.5 and 0.5 → 100
  EXPECT_EQ(testing::scores(BalancedAllocation{}, p, c), (Scores{87, 100}));
}

TEST(BalancedAllocation, CountsPlainRequestsAndCapsFractionsAtOne) {
  Cluster c;
  c.nodes = {testing::node("n1", "1", "1000Mi")};
  // No memory request: counts 0 here (upstream's useRequested), not the 200Mi default.
  c.pods = {podWith("old", {{"500m", ""}}, "n1")};
  // cpu (500 + 2000) / 1000 capped at 1, memory 500Mi/1000Mi = 0.5 → std 0.25 → 75
  EXPECT_EQ(testing::scores(BalancedAllocation{}, podWith("p", {{"2", "500Mi"}}), c), Scores{75});
}

TEST(BalancedAllocation, ThreeResourcesUseThePopulationStandardDeviation) {
  Cluster c;
  c.nodes = {testing::node("n1", "4", "8Gi")};  // ephemeral-storage 100Gi
  auto p = testing::pod("p", "2", "4Gi");
  p.spec.containers[0].resources.requests["ephemeral-storage"] = core::Quantity::parse("20Gi");
  // fractions 0.5, 0.5, 0.2: mean 0.4, variance (0.01 + 0.01 + 0.04) / 3 = 0.02,
  // std 0.1414 → 85.86 → 85
  EXPECT_EQ(testing::scores(BalancedAllocation({"cpu", "memory", "ephemeral-storage"}), p, c),
            Scores{85});
}

TEST(BalancedAllocation, BestEffortPodsAreSkipped) {
  Cluster c;
  c.nodes = {testing::node("n1", "4", "8Gi")};
  c.pods = {testing::pod("old", "3", "1Gi", "n1")};
  // Requests nothing: skipped (kube-scheduler issue 129138) → 0, not the 100 - std formula.
  EXPECT_EQ(testing::scores(BalancedAllocation{}, podWith("be", {{"", ""}}), c), Scores{0});
  EXPECT_THROW(BalancedAllocation({"cpu", "cpu"}), Error);
  EXPECT_THROW(BalancedAllocation(std::vector<std::string>{}), Error);
}

}  // namespace
}  // namespace keelson::schedule::framework
