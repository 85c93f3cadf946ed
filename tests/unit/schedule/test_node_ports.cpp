#include <gtest/gtest.h>

#include "plugin_test.h"
#include "schedule/framework/node_ports.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;

TEST(NodePorts, AHostPortInUseWithTheSameProtocolAndAnOverlappingIpClashes) {
  Cluster c;
  c.nodes = {testing::node("n1"), testing::node("n2")};
  auto web = testing::pod("web", "10m", "1Mi", "n1");
  web.spec.containers[0].ports = {{"http", 80, 8080, "TCP", ""}};
  c.pods = {web};
  const NodePorts plugin;
  auto p = testing::pod("new");
  p.spec.containers[0].ports = {{"http", 80, 8080, "", "10.0.0.5"}};  // "" protocol is TCP.

  const Status s = testing::filter(plugin, p, c, "n1");
  EXPECT_EQ(s.code, Code::kUnschedulable);
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "node(s) didn't have free ports for the requested pod ports");
  EXPECT_EQ(s.reasons[0].message, "host port(s) in use: 8080/TCP used by default/web");
  EXPECT_TRUE(testing::filter(plugin, p, c, "n2").isSuccess());

  p.spec.containers[0].ports.edit()[0].protocol = "UDP";
  EXPECT_TRUE(testing::filter(plugin, p, c, "n1").isSuccess());
  p.spec.containers[0].ports.edit()[0].protocol = "TCP";
  c.pods[0].spec.containers[0].ports.edit()[0].host_ip = "10.0.0.6";  // Two distinct IPs.
  EXPECT_TRUE(testing::filter(plugin, p, c, "n1").isSuccess());
}

}  // namespace
}  // namespace keelson::schedule::framework
