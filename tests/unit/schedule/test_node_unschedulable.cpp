#include <gtest/gtest.h>

#include "plugin_test.h"
#include "schedule/framework/node_unschedulable.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;

TEST(NodeUnschedulable, RejectsACordonedNodeUnlessThePodToleratesIt) {
  Cluster c;
  c.nodes = {testing::node("ready"), testing::node("cordoned")};
  c.nodes[1].spec.unschedulable = true;
  const NodeUnschedulable plugin;
  EXPECT_EQ(plugin.name(), "NodeUnschedulable");
  auto p = testing::pod("new");
  EXPECT_TRUE(testing::filter(plugin, p, c, "ready").isSuccess());

  const Status s = testing::filter(plugin, p, c, "cordoned");
  EXPECT_EQ(s.code, Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(s.plugin, "NodeUnschedulable");
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "node(s) were unschedulable");
  EXPECT_EQ(s.reasons[0].message,
            "node cordoned is cordoned (spec.unschedulable) and the pod does not tolerate "
            "node.kubernetes.io/unschedulable:NoSchedule");

  p.spec.tolerations = {{"node.kubernetes.io/unschedulable", "Exists", "", "", std::nullopt}};
  EXPECT_TRUE(testing::filter(plugin, p, c, "cordoned").isSuccess());
}

}  // namespace
}  // namespace keelson::schedule::framework
