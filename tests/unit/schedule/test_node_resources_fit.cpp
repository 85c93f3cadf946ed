#include <gtest/gtest.h>

#include "plugin_test.h"
#include "schedule/framework/node_resources_fit.h"

namespace keelson::schedule::framework {
namespace {

using core::Quantity;
using testing::Cluster;

TEST(NodeResourcesFit, SubtractsWhatTheNodesPodsRequest) {
  Cluster c;
  c.nodes = {testing::node("n1", "4", "8Gi")};
  c.pods = {testing::pod("big", "3", "7Gi", "n1"), testing::pod("done", "4", "8Gi", "n1")};
  c.pods[1].status.phase = "Succeeded";  // Terminated pods free their requests.
  const NodeResourcesFit plugin;
  const auto p = testing::pod("new", "1500m", "512Mi");

  const ClusterView view = viewOf(c);
  const Snapshot snapshot(view, p);
  const auto insufficient = insufficientResources(PodInfo(p), snapshot.nodes()[0]);
  ASSERT_EQ(insufficient.size(), 1u);  // 512Mi of memory still fits in the 1Gi left.
  EXPECT_EQ(insufficient[0].name, "cpu");
  EXPECT_EQ(insufficient[0].requested.milliValue(), 1500);
  EXPECT_EQ(insufficient[0].used.milliValue(), 3000);
  EXPECT_EQ(insufficient[0].allocatable.milliValue(), 4000);

  const Status s = testing::filter(plugin, p, c, "n1");
  EXPECT_EQ(s.code, Code::kUnschedulable);
  EXPECT_EQ(s.plugin, "NodeResourcesFit");
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "Insufficient cpu");
  EXPECT_EQ(s.reasons[0].message, "Insufficient cpu: requested 1500m, free 1 of 4 allocatable");
  EXPECT_TRUE(testing::filter(plugin, testing::pod("small", "1", "1Gi"), c, "n1").isSuccess());
}

TEST(NodeResourcesFit, PodCountComesFirstAndScalarResourcesAreChecked) {
  Cluster c;
  c.nodes = {testing::node("n1", "4", "8Gi", "1")};
  c.nodes[0].status.allocatable["example.com/gpu"] = Quantity::parse("1");
  c.pods = {testing::pod("p", "10m", "1Mi", "n1")};
  auto p = testing::pod("gpu");
  p.spec.containers[0].resources.requests["example.com/gpu"] = Quantity::parse("2");
  p.spec.containers[0].resources.requests["unknown-native"] = Quantity::parse("5");  // Ignored.

  const Status s = testing::filter(NodeResourcesFit{}, p, c, "n1");
  ASSERT_EQ(s.reasons.size(), 2u);
  EXPECT_EQ(s.reasons[0].category, "Too many pods");
  EXPECT_EQ(s.reasons[0].message, "Too many pods: 1 pod(s) on the node, 1 allowed");
  EXPECT_EQ(s.reasons[1].category, "Insufficient example.com/gpu");
  EXPECT_EQ(s.reasons[1].message,
            "Insufficient example.com/gpu: requested 2, free 1 of 1 allocatable");
}

TEST(NodeResourcesFit, AScheduledPodIsNotCountedTwiceOnItsNode) {
  Cluster c;
  c.nodes = {testing::node("n1", "1", "1Gi", "1")};
  c.pods = {testing::pod("me", "1", "1Gi", "n1")};
  EXPECT_TRUE(testing::filter(NodeResourcesFit{}, c.pods[0], c, "n1").isSuccess());
}

}  // namespace
}  // namespace keelson::schedule::framework
