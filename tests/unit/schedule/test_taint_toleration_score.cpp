#include <gtest/gtest.h>

#include "schedule/framework/taint_toleration_score.h"
#include "score_test.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;
using testing::Scores;

kube::Taint prefer(const std::string& key, const std::string& value) {
  return {key, value, "PreferNoSchedule", {}};
}

// After TestTaintTolerationScore "the more intolerable taints a node has, the lower score it
// gets" (tainttoleration/taint_toleration_test.go).
TEST(TaintTolerationScore, TheMoreIntolerableTaintsTheLowerTheScore) {
  Cluster c;
  c.nodes = {testing::node("clean"), testing::node("one"), testing::node("two"),
             testing::node("hard")};
  c.nodes[1].spec.taints = {prefer("foo", "bar")};
  c.nodes[2].spec.taints = {prefer("foo", "bar"), prefer("cpu-type", "arm64")};
  c.nodes[3].spec.taints = {{"dedicated", "x", "NoSchedule", {}}};  // Not a score matter.
  const TaintTolerationScore plugin;
  const auto p = testing::pod("p");
  EXPECT_EQ(testing::scores(plugin, p, c, false), (Scores{0, 1, 2, 0}));
  // Reversed: 100 - 100 * n / 2 → 100, 50, 0, 100
  EXPECT_EQ(testing::scores(plugin, p, c), (Scores{100, 50, 0, 100}));
}

TEST(TaintTolerationScore, TolerationsWithPreferNoScheduleOrNoEffectCount) {
  Cluster c;
  c.nodes = {testing::node("one"), testing::node("two")};
  c.nodes[0].spec.taints = {prefer("foo", "bar")};
  c.nodes[1].spec.taints = {prefer("foo", "bar"), prefer("cpu-type", "arm64")};
  auto p = testing::pod("p");
  p.spec.tolerations = {{"foo", "Equal", "bar", "", std::nullopt},
                        {"cpu-type", "Equal", "arm64", "NoSchedule", std::nullopt}};
  // foo is tolerated ("" effect: all effects); the NoSchedule toleration does not cover
  // cpu-type's PreferNoSchedule taint: 0 and 1 → 100 and 0.
  EXPECT_EQ(testing::scores(TaintTolerationScore{}, p, c, false), (Scores{0, 1}));
  EXPECT_EQ(testing::scores(TaintTolerationScore{}, p, c), (Scores{100, 0}));
  // All tolerated: every raw score is 0 → all 100.
  p.spec.tolerations = {{"", "Exists", "", "", std::nullopt}};
  EXPECT_EQ(testing::scores(TaintTolerationScore{}, p, c), (Scores{100, 100}));
}

}  // namespace
}  // namespace keelson::schedule::framework
