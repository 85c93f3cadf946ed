#include <gtest/gtest.h>

#include "plugin_test.h"
#include "schedule/framework/node_name.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;

TEST(NodeName, APodNamingANodeFitsOnlyThatNode) {
  Cluster c;
  c.nodes = {testing::node("a"), testing::node("b")};
  const NodeName plugin;
  auto p = testing::pod("new");
  EXPECT_TRUE(testing::filter(plugin, p, c, "a").isSuccess());  // No spec.nodeName: any node.
  EXPECT_TRUE(testing::filter(plugin, p, c, "b").isSuccess());

  p.spec.node_name = "a";
  EXPECT_TRUE(testing::filter(plugin, p, c, "a").isSuccess());
  const Status s = testing::filter(plugin, p, c, "b");
  EXPECT_EQ(s.code, Code::kUnschedulableAndUnresolvable);
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "node(s) didn't match the requested node name");
  EXPECT_EQ(s.reasons[0].message, "pod requests node a");
}

}  // namespace
}  // namespace keelson::schedule::framework
