#include <gtest/gtest.h>

#include "schedule/framework/volume_binding.h"
#include "volume_test.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;

TEST(VolumeBinding, PreFilterRejectsMissingAndUnboundImmediateClaims) {
  Cluster c;
  c.nodes = {testing::node("n1")};
  const VolumeBinding plugin;
  const auto p = testing::podWithClaim("data");

  auto r = testing::preFilter(plugin, p, c);
  EXPECT_EQ(r.status.code, Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(r.status.plugin, "VolumeBinding");
  ASSERT_EQ(r.status.reasons.size(), 1u);
  EXPECT_EQ(r.status.reasons[0].category, "persistentvolumeclaim \"data\" not found");

  c.pvcs = {testing::claim("data", "")};  // No class: binds immediately, and nothing bound it.
  r = testing::preFilter(plugin, p, c);
  ASSERT_EQ(r.status.reasons.size(), 1u);
  EXPECT_EQ(r.status.reasons[0].category, "pod has unbound immediate PersistentVolumeClaims");
  EXPECT_EQ(r.status.reasons[0].message,
            "pod has unbound immediate PersistentVolumeClaims: data (no PersistentVolume "
            "matched; the claim must bind before scheduling)");
}

TEST(VolumeBinding, ABoundClaimNeedsItsPVAndThePVsNodeAffinity) {
  Cluster c;
  c.nodes = {testing::node("n1"), testing::node("n2")};
  c.pvcs = {testing::claim("data", "local", "pv1")};
  const VolumeBinding plugin;
  const auto p = testing::podWithClaim("data");

  const Status missing = testing::filter(plugin, p, c, "n1");
  ASSERT_EQ(missing.reasons.size(), 1u);
  EXPECT_EQ(missing.reasons[0].category,
            "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)");

  c.pvs = {testing::localVolume("pv1", "local", "n1")};
  EXPECT_TRUE(testing::preFilter(plugin, p, c).status.isSuccess());
  EXPECT_TRUE(testing::filter(plugin, p, c, "n1").isSuccess());
  const Status s = testing::filter(plugin, p, c, "n2");
  EXPECT_EQ(s.code, Code::kUnschedulableAndUnresolvable);
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "node(s) didn't match PersistentVolume's node affinity");
  EXPECT_EQ(s.reasons[0].message,
            "claim data is bound to PV pv1 whose node affinity excludes this node");
}

TEST(VolumeBinding, AWaitForFirstConsumerClaimNeedsAReachablePVOrAProvisioner) {
  Cluster c;
  c.nodes = {testing::node("n1"), testing::node("n2")};
  c.storage_classes = {
      testing::storageClass("local", "kubernetes.io/no-provisioner", "WaitForFirstConsumer")};
  c.pvcs = {testing::claim("data", "local")};
  c.pvs = {testing::localVolume("pv1", "local", "n1"),
           testing::localVolume("small", "local", "n2")};
  c.pvs[1].spec.capacity["storage"] = core::Quantity::parse("512Mi");  // Too small for 1Gi.
  const VolumeBinding plugin;
  const auto p = testing::podWithClaim("data");

  EXPECT_TRUE(testing::preFilter(plugin, p, c).status.isSuccess());
  EXPECT_TRUE(testing::filter(plugin, p, c, "n1").isSuccess());
  const Status s = testing::filter(plugin, p, c, "n2");
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "node(s) didn't find available persistent volumes to bind");
  EXPECT_EQ(s.reasons[0].message,
            "claim data (class local) has no available PV usable from this node and the class "
            "cannot provision");

  c.storage_classes[0].provisioner = "rancher.io/local-path";
  EXPECT_TRUE(testing::filter(plugin, p, c, "n2").isSuccess());
}

}  // namespace
}  // namespace keelson::schedule::framework
