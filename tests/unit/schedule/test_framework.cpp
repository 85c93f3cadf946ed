#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "plugin_test.h"
#include "schedule/framework/framework.h"
#include "volume_test.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;

std::vector<std::string> pluginNames(const std::vector<Status>& statuses) {
  std::vector<std::string> out;
  for (const auto& s : statuses) out.push_back(s.plugin);
  return out;
}

TEST(Framework, DefaultFiltersRunInKubeSchedulersOrder) {
  std::vector<std::string_view> names;
  for (const auto& plugin : Framework::defaultFilters().plugins()) names.push_back(plugin->name());
  const std::vector<std::string_view> want = {
      "NodeUnschedulable", "NodeName",         "TaintToleration", "NodeAffinity",
      "NodePorts",         "NodeResourcesFit", "VolumeBinding",   "VolumeZone",
      "PodTopologySpread", "InterPodAffinity"};
  EXPECT_EQ(names, want);
}

TEST(Framework, FilterReturnsEveryRejectionInPluginOrder) {
  Cluster c;
  c.nodes = {testing::node("n1", "1")};
  c.nodes[0].spec.unschedulable = true;
  c.nodes[0].spec.taints = {{"dedicated", "gpu", "NoSchedule", {}}};
  const auto p = testing::pod("new", "2");
  const ClusterView view = viewOf(c);
  const Snapshot snapshot(view, p);
  const PodInfo info(p);
  const Framework& framework = Framework::defaultFilters();
  const CycleState cycle = framework.preFilter(info, snapshot);
  ASSERT_TRUE(cycle.status.isSuccess());
  EXPECT_EQ(cycle.states.size(), framework.plugins().size());

  const auto rejections = framework.filter(cycle, info, snapshot.nodes()[0]);
  const std::vector<std::string> want = {"NodeUnschedulable", "TaintToleration",
                                         "NodeResourcesFit"};
  EXPECT_EQ(pluginNames(rejections), want);
  EXPECT_EQ(rejections[2].reasons[0].category, "Insufficient cpu");
  EXPECT_EQ(pluginNames(framework.evaluate(cycle, info, snapshot.nodes()[0])), want);
}

TEST(Framework, NodesOutsidePreFilterNodeNamesAreExcluded) {
  Cluster c;
  c.nodes = {testing::node("a"), testing::node("b")};
  auto p = testing::pod("new");
  kube::NodeSelectorTerm pin;
  pin.match_fields = {{"metadata.name", "In", {"b"}}};
  p.spec.affinity = kube::Affinity{};
  p.spec.affinity->node_affinity = kube::NodeAffinity{};
  p.spec.affinity->node_affinity->required = kube::NodeSelector{{pin}};
  const ClusterView view = viewOf(c);
  const Snapshot snapshot(view, p);
  const PodInfo info(p);
  const Framework& framework = Framework::defaultFilters();
  const CycleState cycle = framework.preFilter(info, snapshot);

  const auto a = framework.evaluate(cycle, info, snapshot.nodes()[0]);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].code, Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(a[0].plugin, "NodeAffinity");
  ASSERT_EQ(a[0].reasons.size(), 1u);
  EXPECT_EQ(a[0].reasons[0].category, "node(s) didn't satisfy plugin(s) [NodeAffinity]");
  EXPECT_EQ(a[0].reasons[0].message,
            "required node affinity pins other node names (matchFields metadata.name)");
  EXPECT_TRUE(framework.evaluate(cycle, info, snapshot.nodes()[1]).empty());
}

TEST(Framework, APreFilterRejectionAppliesToEveryNodeButFilterStillExplains) {
  Cluster c;
  c.nodes = {testing::node("a"), testing::node("b")};
  const auto p = testing::podWithClaim("missing");
  const ClusterView view = viewOf(c);
  const Snapshot snapshot(view, p);
  const PodInfo info(p);
  const Framework& framework = Framework::defaultFilters();
  const CycleState cycle = framework.preFilter(info, snapshot);
  EXPECT_EQ(cycle.status.plugin, "VolumeBinding");
  for (const NodeInfo& node : snapshot.nodes()) {
    const auto verdict = framework.evaluate(cycle, info, node);
    ASSERT_EQ(verdict.size(), 1u);
    EXPECT_EQ(verdict[0].reasons[0].category, "persistentvolumeclaim \"missing\" not found");
    EXPECT_TRUE(framework.filter(cycle, info, node).empty());
  }
}

}  // namespace
}  // namespace keelson::schedule::framework
