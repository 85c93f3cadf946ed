#include <gtest/gtest.h>

#include "plugin_test.h"
#include "schedule/framework/node_affinity.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;

kube::Pod withRequiredTerms(kube::List<kube::NodeSelectorTerm> terms) {
  auto p = testing::pod("new");
  p.spec.affinity = kube::Affinity{};
  p.spec.affinity->node_affinity = kube::NodeAffinity{};
  p.spec.affinity->node_affinity->required = kube::NodeSelector{std::move(terms)};
  return p;
}

TEST(NodeAffinity, NodeSelectorNamesEveryMismatchedLabel) {
  Cluster c;
  c.nodes = {testing::node("a"), testing::node("b")};
  c.nodes[0].metadata.labels["zone"] = "eu-1";
  c.nodes[1].metadata.labels["zone"] = "us-1";
  const NodeAffinity plugin;
  auto p = testing::pod("new");
  p.spec.node_selector = {{"disk", "ssd"}, {"zone", "eu-1"}};
  const Status s = testing::filter(plugin, p, c, "b");
  EXPECT_EQ(s.code, Code::kUnschedulableAndUnresolvable);
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].category, "node(s) didn't match Pod's node affinity/selector");
  EXPECT_EQ(s.reasons[0].message,
            "nodeSelector disk=ssd: node has no label disk; nodeSelector zone=eu-1: node has "
            "zone=us-1");
  c.nodes[0].metadata.labels["disk"] = "ssd";
  EXPECT_TRUE(testing::filter(plugin, p, c, "a").isSuccess());
}

TEST(NodeAffinity, RequiredTermsWithGtAndLt) {
  Cluster c;
  c.nodes = {testing::node("big"), testing::node("small"), testing::node("odd")};
  c.nodes[0].metadata.labels["cores"] = "16";
  c.nodes[1].metadata.labels["cores"] = "4";
  c.nodes[2].metadata.labels["cores"] = "many";
  kube::NodeSelectorTerm gt;
  gt.match_expressions = {{"cores", "Gt", {"8"}}};
  const NodeAffinity plugin;
  const auto p = withRequiredTerms({gt});
  EXPECT_TRUE(testing::filter(plugin, p, c, "big").isSuccess());
  EXPECT_FALSE(testing::filter(plugin, p, c, "odd").isSuccess());  // Not an integer.
  const Status s = testing::filter(plugin, p, c, "small");
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].message,
            "required node affinity: none of 1 term(s) matches the node's labels/fields");
}

TEST(NodeAffinity, PreFilterNarrowsToPinnedNodeNamesAndRejectsConflicts) {
  Cluster c;
  c.nodes = {testing::node("a"), testing::node("b"), testing::node("c")};
  const NodeAffinity plugin;

  auto r = testing::preFilter(plugin, testing::pod("plain"), c);
  EXPECT_TRUE(r.status.isSuccess());
  EXPECT_FALSE(r.node_names.has_value());

  kube::NodeSelectorTerm ab;
  ab.match_fields = {{"metadata.name", "In", {"a", "b"}}};
  kube::NodeSelectorTerm c_only;
  c_only.match_fields = {{"metadata.name", "In", {"c"}}};
  r = testing::preFilter(plugin, withRequiredTerms({ab, c_only}), c);  // Terms are ORed.
  EXPECT_TRUE(r.status.isSuccess());
  const std::set<std::string, std::less<>> all = {"a", "b", "c"};
  EXPECT_EQ(r.node_names, all);

  kube::NodeSelectorTerm conflict;  // Requirements of one term are ANDed.
  conflict.match_fields = {{"metadata.name", "In", {"a"}}, {"metadata.name", "In", {"b"}}};
  r = testing::preFilter(plugin, withRequiredTerms({conflict}), c);
  EXPECT_EQ(r.status.code, Code::kUnschedulableAndUnresolvable);
  ASSERT_EQ(r.status.reasons.size(), 1u);
  EXPECT_EQ(r.status.reasons[0].category, "pod affinity terms conflict");

  kube::NodeSelectorTerm not_in;  // NotIn keeps every node eligible.
  not_in.match_fields = {{"metadata.name", "NotIn", {"a"}}};
  r = testing::preFilter(plugin, withRequiredTerms({not_in}), c);
  EXPECT_FALSE(r.node_names.has_value());
}

}  // namespace
}  // namespace keelson::schedule::framework
