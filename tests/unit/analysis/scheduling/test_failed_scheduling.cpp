#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "analysis/scheduling.h"
#include "common/test_env.h"
#include "kube/decode.h"

namespace keelson::analysis {
namespace {

TEST(ParseFailedScheduling, CurrentWordingWithPreemption) {
  const auto m = parseFailedSchedulingMessage(
      "0/6 nodes are available: 1 node(s) were unschedulable, 2 node(s) had untolerated "
      "taint(s), 3 Insufficient cpu. preemption: 0/6 nodes are available: 6 Preemption is not "
      "helpful for scheduling.");
  ASSERT_TRUE(m.valid);
  EXPECT_EQ(m.total_nodes, 6);
  const std::map<std::string, int> want = {{"node(s) were unschedulable", 1},
                                           {"node(s) had untolerated taint(s)", 2},
                                           {"Insufficient cpu", 3}};
  EXPECT_EQ(m.categories, want);
  EXPECT_EQ(m.preemption,
            "preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling");
}

TEST(ParseFailedScheduling, OldTaintWordings) {
  const auto a = parseFailedSchedulingMessage(
      "0/3 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the "
      "pod didn't tolerate, 2 Insufficient memory.");
  ASSERT_TRUE(a.valid);
  EXPECT_EQ(a.categories.at("node(s) had untolerated taint(s)"), 1);
  EXPECT_EQ(a.categories.at("Insufficient memory"), 2);
  ASSERT_EQ(a.raw_reasons.size(), 2u);
  EXPECT_EQ(a.raw_reasons[0].first,
            "node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate");
  EXPECT_TRUE(a.preemption.empty());

  const auto b = parseFailedSchedulingMessage(
      "0/2 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/master: "
      "}, 1 node(s) had untolerated taint {node: node01}. preemption: 0/2 nodes are available: 2 "
      "Preemption is not helpful for scheduling.");
  ASSERT_TRUE(b.valid);
  EXPECT_EQ(b.total_nodes, 2);
  EXPECT_EQ(b.categories.size(), 1u);
  EXPECT_EQ(b.categories.at("node(s) had untolerated taint(s)"), 2);
  EXPECT_EQ(b.raw_reasons.size(), 2u);
}

TEST(ParseFailedScheduling, PreFilterReasonCountsEveryNode) {
  const auto m = parseFailedSchedulingMessage(
      "0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: "
      "0/4 nodes are available: 4 Preemption is not helpful for scheduling.");
  ASSERT_TRUE(m.valid);
  EXPECT_EQ(m.categories.at("pod has unbound immediate PersistentVolumeClaims"), 4);
}

TEST(ParseFailedScheduling, DraPostFilterBeforePreemption) {
  // Recorded from kube-scheduler v1.36 (tests/data/kube/api/events_core_v1.json).
  const auto m = parseFailedSchedulingMessage(
      "0/6 nodes are available: 1 node(s) were unschedulable, 2 node(s) had untolerated "
      "taint(s), 3 Insufficient cpu, 3 Insufficient memory. no new claims to deallocate, "
      "preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling.");
  ASSERT_TRUE(m.valid);
  EXPECT_EQ(m.categories.at("Insufficient memory"), 3);
  EXPECT_EQ(m.categories.size(), 4u);
  EXPECT_EQ(m.postfilter,
            "no new claims to deallocate, preemption: 0/6 nodes are available: 6 Preemption is "
            "not helpful for scheduling");
  EXPECT_TRUE(m.preemption.starts_with("preemption: 0/6"));
}

TEST(ParseFailedScheduling, RecordedPodCondition) {
  std::ifstream in(keelson::testing::testDataDir() + "/kube/api/pods.json");
  const std::string json{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto pods = kube::decodeList<kube::Pod>(json).items;
  std::string message;
  for (const auto& p : pods) {
    for (const auto& c : p.status.conditions) {
      if (c.type == "PodScheduled" && c.reason == "Unschedulable") message = c.message;
    }
  }
  ASSERT_FALSE(message.empty());
  const auto m = parseFailedSchedulingMessage(message);
  ASSERT_TRUE(m.valid);
  EXPECT_EQ(m.total_nodes, 6);
  const std::map<std::string, int> want = {
      {"node(s) didn't have free ports for the requested pod ports", 1},
      {"node(s) had untolerated taint(s)", 1},
      {"node(s) were unschedulable", 1},
      {"node(s) didn't find available persistent volumes to bind", 3}};
  EXPECT_EQ(m.categories, want);
}

TEST(ParseFailedScheduling, VolumeWordings) {
  // v1.36 (recorded on the test control plane) and the wording before it.
  const auto now = parseFailedSchedulingMessage(
      "0/2 nodes are available: 1 node(s) didn't match PersistentVolume's node affinity, 1 "
      "node(s) had untolerated taint(s). no new claims to deallocate, preemption: 0/2 nodes are "
      "available: 2 Preemption is not helpful for scheduling.");
  const auto old = parseFailedSchedulingMessage(
      "0/2 nodes are available: 1 node(s) had taint {dedicated: x}, that the pod didn't "
      "tolerate, 1 node(s) had volume node affinity conflict.");
  EXPECT_EQ(now.categories, old.categories);
  EXPECT_EQ(now.categories.at("node(s) didn't match PersistentVolume's node affinity"), 1);
}

TEST(ParseFailedScheduling, NotAMessage) {
  EXPECT_FALSE(parseFailedSchedulingMessage("").valid);
  EXPECT_FALSE(parseFailedSchedulingMessage("Successfully assigned a/b to n1").valid);
  EXPECT_FALSE(parseFailedSchedulingMessage("0/x nodes are available: 1 Insufficient cpu.").valid);
}

}  // namespace
}  // namespace keelson::analysis
