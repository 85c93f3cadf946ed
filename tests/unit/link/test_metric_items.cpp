// Metric batch items: pods and nodes from the cluster summary, events since the last round,
// cut into batches of BATCH_SIZE.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "link/metric_items.h"

namespace keelson::link {
namespace {

using nlohmann::json;

TEST(Batches, CutsIntoArraysOfAtMostBatchSize) {
  std::vector<json> items;
  for (int i = 0; i < 250; ++i) items.push_back({{"i", i}});
  const auto out = batches(items, 100);
  ASSERT_EQ(out.size(), 3U);
  EXPECT_EQ(json::parse(out[0]).size(), 100U);
  EXPECT_EQ(json::parse(out[2]).size(), 50U);
  EXPECT_EQ(json::parse(out[2]).back()["i"], 249);
  EXPECT_TRUE(batches({}, 100).empty());
  EXPECT_EQ(batches(items, 0).size(), 250U) << "a batch size below 1 is 1";
}

TEST(ClusterItems, PodsAndNodesWithUsageWhenKnown) {
  analysis::ClusterSummary summary;
  analysis::PodSummary pod;
  pod.namespace_name = "shop";
  pod.name = "web-1";
  pod.phase = "Running";
  pod.node = "n1";
  pod.restarts = 2;
  pod.ready_containers = 1;
  pod.total_containers = 1;
  pod.limits["memory"] = core::Quantity::parse("256Mi");
  pod.usage = analysis::Usage{
      {{"cpu", core::Quantity::parse("250m")}, {"memory", core::Quantity::parse("100Mi")}}, {}, {}};
  summary.pods.push_back(pod);
  analysis::NodeSummary node;
  node.name = "n1";
  node.ready = true;
  node.allocatable["cpu"] = core::Quantity::parse("4");
  summary.nodes.push_back(node);
  const kube::Time at = kube::parseTime("2026-12-04T10:00:00Z");
  const auto items = clusterItems(summary, at);
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ(items[0]["type"], "pod");
  EXPECT_EQ(items[0]["namespace"], "shop");
  EXPECT_EQ(items[0]["restarts"], 2);
  EXPECT_EQ(items[0]["limits"]["memory"], "256Mi");
  EXPECT_EQ(items[0]["cpuMillicores"], 250);
  EXPECT_EQ(items[0]["memoryBytes"], 100 * 1024 * 1024);
  EXPECT_EQ(items[0]["timestamp"], "2026-12-04T10:00:00Z");
  EXPECT_EQ(items[1]["type"], "node");
  EXPECT_EQ(items[1]["allocatable"]["cpu"], "4");
  EXPECT_FALSE(items[1].contains("cpuMillicores")) << "no metrics for the node";
}

TEST(EventItems, OnlyThoseAfterTheLastRound) {
  kube::Event old_event;
  old_event.reason = "BackOff";
  old_event.last_time = kube::parseTime("2026-12-04T09:00:00Z");
  kube::Event new_event = old_event;
  new_event.reason = "FailedScheduling";
  new_event.regarding.kind = "Pod";
  new_event.regarding.name = "web-1";
  new_event.last_time = kube::parseTime("2026-12-04T10:00:01Z");
  const auto items = eventItems({old_event, new_event}, kube::parseTime("2026-12-04T10:00:00Z"));
  ASSERT_EQ(items.size(), 1U);
  EXPECT_EQ(items[0]["reason"], "FailedScheduling");
  EXPECT_EQ(items[0]["kind"], "Pod");
  EXPECT_EQ(items[0]["lastTimestamp"], "2026-12-04T10:00:01Z");
}

}  // namespace
}  // namespace keelson::link
