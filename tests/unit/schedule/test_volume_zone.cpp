#include <gtest/gtest.h>

#include "schedule/framework/volume_zone.h"
#include "volume_test.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;

TEST(VolumeZone, ABoundPVsZoneLabelsMustMatchTheNodes) {
  Cluster c;
  c.nodes = {testing::node("a"), testing::node("b"), testing::node("bare")};
  c.nodes[0].metadata.labels["topology.kubernetes.io/zone"] = "eu-1a";
  c.nodes[1].metadata.labels["topology.kubernetes.io/zone"] = "eu-1b";
  c.pvcs = {testing::claim("data", "zonal", "pv1")};
  kube::PersistentVolume pv;
  pv.metadata.name = "pv1";
  pv.metadata.labels["topology.kubernetes.io/zone"] = "eu-1a";
  c.pvs = {pv};
  const VolumeZone plugin;
  const auto p = testing::podWithClaim("data");

  EXPECT_TRUE(testing::filter(plugin, p, c, "a").isSuccess());
  const Status s = testing::filter(plugin, p, c, "b");
  EXPECT_EQ(s.code, Code::kUnschedulableAndUnresolvable);
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "node(s) had no available volume zone");
  EXPECT_EQ(s.reasons[0].message, "PV pv1 requires topology.kubernetes.io/zone=eu-1a");
  EXPECT_FALSE(testing::filter(plugin, p, c, "bare").isSuccess());

  c.pvs[0].metadata.labels["topology.kubernetes.io/zone"] = "eu-1a__eu-1b";  // Either zone.
  EXPECT_TRUE(testing::filter(plugin, p, c, "b").isSuccess());
  // A missing claim leaves no PV to match (VolumeBinding rejects the pod in PreFilter).
  EXPECT_TRUE(testing::filter(plugin, testing::podWithClaim("other"), c, "bare").isSuccess());
}

}  // namespace
}  // namespace keelson::schedule::framework
