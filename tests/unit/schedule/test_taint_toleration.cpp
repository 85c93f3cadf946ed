#include <gtest/gtest.h>

#include "plugin_test.h"
#include "schedule/framework/matching.h"
#include "schedule/framework/taint_toleration.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;

TEST(TaintToleration, NoScheduleAndNoExecuteTaintsMustBeTolerated) {
  Cluster c;
  c.nodes = {testing::node("gpu"), testing::node("db"), testing::node("soft")};
  c.nodes[0].spec.taints = {{"dedicated", "gpu", "NoSchedule", {}}};
  c.nodes[1].spec.taints = {{"dedicated", "db", "NoExecute", {}}};
  c.nodes[2].spec.taints = {{"soft", "x", "PreferNoSchedule", {}}};  // A score, not a filter.
  const TaintToleration plugin;
  auto p = testing::pod("new");
  p.spec.tolerations = {{"dedicated", "Equal", "gpu", "NoSchedule", std::nullopt}};

  EXPECT_TRUE(testing::filter(plugin, p, c, "gpu").isSuccess());
  EXPECT_TRUE(testing::filter(plugin, p, c, "soft").isSuccess());
  const Status s = testing::filter(plugin, p, c, "db");
  EXPECT_EQ(s.code, Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(s.plugin, "TaintToleration");
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "node(s) had untolerated taint(s)");
  EXPECT_EQ(s.reasons[0].message, "untolerated taint {dedicated: db} (NoExecute)");

  // Exists with an empty key tolerates every taint.
  p.spec.tolerations = {{"", "Exists", "", "", std::nullopt}};
  EXPECT_TRUE(testing::filter(plugin, p, c, "db").isSuccess());
}

TEST(TaintToleration, ConditionTaintsCountOnlyWhenAsked) {
  Cluster c;
  c.nodes = {testing::node("sick"), testing::node("tainted")};
  c.nodes[0].status.conditions = {{"Ready", "False", "", "", {}},
                                  {"MemoryPressure", "False", "", "", {}}};
  // Already tainted by the node lifecycle controller: the condition adds nothing.
  c.nodes[1].status.conditions = {{"DiskPressure", "True", "", "", {}}};
  c.nodes[1].spec.taints = {{"node.kubernetes.io/disk-pressure", "", "NoSchedule", {}}};
  EXPECT_TRUE(conditionTaints(c.nodes[1]).empty());
  auto p = testing::pod("new");

  EXPECT_TRUE(testing::filter(TaintToleration(), p, c, "sick").isSuccess());
  const TaintToleration with_conditions(true);
  const Status s = testing::filter(with_conditions, p, c, "sick");
  EXPECT_EQ(s.code, Code::kUnschedulableAndUnresolvable);
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "node(s) had untolerated taint(s)");
  EXPECT_EQ(s.reasons[0].message,
            "untolerated taint {node.kubernetes.io/not-ready: } (NoSchedule, from the node's "
            "conditions)");

  // A DaemonSet-style toleration lets the pod onto the NotReady node.
  p.spec.tolerations = {{"node.kubernetes.io/not-ready", "Exists", "", "NoSchedule", {}}};
  EXPECT_TRUE(testing::filter(with_conditions, p, c, "sick").isSuccess());
}

}  // namespace
}  // namespace keelson::schedule::framework
