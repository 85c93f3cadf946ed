#include <gtest/gtest.h>

#include "plugin_test.h"
#include "schedule/framework/inter_pod_affinity.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;
using testing::podAffinityTerm;

/// n1, n2 in zone a, n3 in zone b; app=db runs on n1 (default) and on n3 (namespace other).
Cluster dbCluster() {
  Cluster c;
  c.nodes = {testing::node("n1"), testing::node("n2"), testing::node("n3")};
  for (auto& n : c.nodes) n.metadata.labels["zone"] = n.metadata.name == "n3" ? "b" : "a";
  auto db = testing::pod("db", "10m", "1Mi", "n1");
  db.metadata.labels = {{"app", "db"}};
  auto other_ns = testing::pod("db2", "10m", "1Mi", "n3");
  other_ns.metadata.namespace_name = "other";
  other_ns.metadata.labels = {{"app", "db"}};
  c.pods = {db, other_ns};
  return c;
}

TEST(InterPodAffinity, AntiAffinityCountsMatchingPodsInTheDomainAndNamespace) {
  const Cluster c = dbCluster();
  const InterPodAffinity plugin;
  auto p = testing::pod("new");
  p.spec.affinity = kube::Affinity{};
  p.spec.affinity->pod_anti_affinity =
      kube::PodAffinity{{podAffinityTerm("app", "db", "zone")}, {}};

  const Status s = testing::filter(plugin, p, c, "n2");
  EXPECT_EQ(s.code, Code::kUnschedulable);
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "node(s) didn't match pod anti-affinity rules");
  EXPECT_EQ(s.reasons[0].message, "1 pod(s) matching the pod's anti-affinity run in zone=a");
  EXPECT_TRUE(testing::filter(plugin, p, c, "n3").isSuccess());  // db2 is in another namespace.

  // A namespaceSelector {} selects every namespace.
  p.spec.affinity->pod_anti_affinity->required[0].namespace_selector = kube::LabelSelector{};
  EXPECT_FALSE(testing::filter(plugin, p, c, "n3").isSuccess());
}

TEST(InterPodAffinity, AffinityNeedsAMatchingPodInTheDomainExceptForTheFirstOfAGroup) {
  const Cluster c = dbCluster();
  const InterPodAffinity plugin;
  auto p = testing::pod("new");
  p.spec.affinity = kube::Affinity{};
  p.spec.affinity->pod_affinity = kube::PodAffinity{{podAffinityTerm("app", "db")}, {}};
  EXPECT_TRUE(testing::filter(plugin, p, c, "n1").isSuccess());
  const Status s = testing::filter(plugin, p, c, "n2");
  EXPECT_EQ(s.code, Code::kUnschedulableAndUnresolvable);
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "node(s) didn't match pod affinity rules");
  EXPECT_EQ(s.reasons[0].message,
            "no pod matching the pod's required affinity terms runs in this node's topology "
            "domain");

  p.spec.affinity->pod_affinity = kube::PodAffinity{{podAffinityTerm("app", "cache")}, {}};
  p.metadata.labels = {{"app", "cache"}};
  EXPECT_TRUE(testing::filter(plugin, p, c, "n2").isSuccess());
}

TEST(InterPodAffinity, ExistingPodsAntiAffinityAgainstTheIncomingPod) {
  Cluster c = dbCluster();
  auto guard = testing::pod("guard", "10m", "1Mi", "n2");
  guard.spec.affinity = kube::Affinity{};
  guard.spec.affinity->pod_anti_affinity = kube::PodAffinity{{podAffinityTerm("app", "web")}, {}};
  c.pods.push_back(guard);
  auto web = testing::pod("web");
  web.metadata.labels = {{"app", "web"}};
  const Status s = testing::filter(InterPodAffinity{}, web, c, "n2");
  EXPECT_EQ(s.code, Code::kUnschedulable);
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "node(s) didn't satisfy existing pods anti-affinity rules");
  EXPECT_EQ(s.reasons[0].message,
            "1 existing pod(s) in kubernetes.io/hostname=n2 have anti-affinity against this pod");
  EXPECT_TRUE(testing::filter(InterPodAffinity{}, web, c, "n1").isSuccess());
}

}  // namespace
}  // namespace keelson::schedule::framework
