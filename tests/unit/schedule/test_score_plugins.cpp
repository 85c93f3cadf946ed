#include <gtest/gtest.h>

#include "core/error.h"
#include "schedule/framework/score_plugins.h"
#include "score_test.h"

namespace keelson::schedule::framework {
namespace {

using testing::Cluster;
using testing::Scores;

std::vector<std::pair<std::string, std::int64_t>> namesAndWeights(
    const std::vector<WeightedScorePlugin>& plugins) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& p : plugins) out.emplace_back(p.plugin->name(), p.weight);
  return out;
}

std::string errorOf(std::string_view spec) {
  try {
    parseScoreWeights(spec);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    return e.what();
  }
  return "no error";
}

// kube-scheduler's default profile (pkg/scheduler/apis/config/v1/default_plugins.go).
TEST(ScorePlugins, DefaultProfile) {
  const auto plugins = makeScorePlugins(ScoreConfig{});
  const std::vector<std::pair<std::string, std::int64_t>> want{
      {"TaintToleration", 3},   {"NodeAffinity", 2},     {"NodeResourcesFit", 1},
      {"PodTopologySpread", 2}, {"InterPodAffinity", 2}, {"NodeResourcesBalancedAllocation", 1}};
  EXPECT_EQ(namesAndWeights(plugins), want);
}

TEST(ScorePlugins, ParsedWeightsOverrideAndZeroDisables) {
  const auto config = parseScoreWeights(" TaintToleration = 5 ,NodeAffinity=0");
  const std::vector<std::pair<std::string, std::int64_t>> want{
      {"TaintToleration", 5},
      {"NodeResourcesFit", 1},
      {"PodTopologySpread", 2},
      {"InterPodAffinity", 2},
      {"NodeResourcesBalancedAllocation", 1}};
  EXPECT_EQ(namesAndWeights(makeScorePlugins(config)), want);
  EXPECT_EQ(makeScorePlugins(parseScoreWeights("")).size(), 6u);
}

TEST(ScorePlugins, ClearErrors) {
  EXPECT_EQ(errorOf("Foo=1"),
            "score plugin \"Foo\" is unknown (have: TaintToleration, NodeAffinity, "
            "NodeResourcesFit, PodTopologySpread, InterPodAffinity, "
            "NodeResourcesBalancedAllocation)");
  EXPECT_EQ(errorOf("TaintToleration"),
            "score weights: \"TaintToleration\": expected PluginName=weight");
  EXPECT_EQ(errorOf("TaintToleration=x"),
            "score weights: \"TaintToleration=x\": \"x\" is not a non-negative integer");
  EXPECT_EQ(errorOf("TaintToleration=-1"),
            "score weights: \"TaintToleration=-1\": \"-1\" is not a non-negative integer");
  EXPECT_EQ(errorOf("NodeAffinity=1,NodeAffinity=2"),
            "score weights: plugin NodeAffinity is given twice");
  EXPECT_EQ(errorOf("NodeAffinity=1000001"),
            "score plugin NodeAffinity: weight 1000001, expected 0-1000000");
  ScoreConfig config;
  EXPECT_THROW(setPluginWeight(config, "ImageLocality", 1), Error);
  config.weights["Bogus"] = 1;  // Set directly: makeScorePlugins checks too.
  EXPECT_THROW(makeScorePlugins(config), Error);
}

TEST(ScorePlugins, StrategyReachesNodeResourcesFit) {
  Cluster c;
  c.nodes = {testing::node("n1", "4", "8Gi")};
  c.pods = {testing::pod("old", "1", "2Gi", "n1")};
  ScoreConfig config;
  config.strategy = ScoringStrategy::kMostAllocated;
  const auto plugins = makeScorePlugins(config);
  ASSERT_EQ(plugins[2].plugin->name(), "NodeResourcesFit");
  // MostAllocated: cpu 1500 * 100 / 4000 = 37, memory 3Gi * 100 / 8Gi = 37 → 37
  EXPECT_EQ(testing::scores(*plugins[2].plugin, testing::pod("new", "500m", "1Gi"), c), Scores{37});
  config.strategy = ScoringStrategy::kRequestedToCapacityRatio;  // Without a shape: invalid.
  EXPECT_THROW(makeScorePlugins(config), Error);
}

TEST(ScorePlugins, ParsesTheScoringStrategyAndShape) {
  EXPECT_EQ(parseScoringStrategy("MostAllocated"), ScoringStrategy::kMostAllocated);
  EXPECT_EQ(parseScoringStrategy("RequestedToCapacityRatio"),
            ScoringStrategy::kRequestedToCapacityRatio);
  EXPECT_THROW(parseScoringStrategy("leastallocated"), Error);
  const auto shape = parseScoringShape("0=0, 50=2,100=10");
  ASSERT_EQ(shape.size(), 3u);
  EXPECT_EQ(shape[1].utilization, 50);
  EXPECT_EQ(shape[1].score, 2);
  EXPECT_THROW(parseScoringShape("50=1,40=2"), Error);  // Not increasing.
  EXPECT_THROW(parseScoringShape("0=11"), Error);       // Score past 10.
  EXPECT_THROW(parseScoringShape("0"), Error);
}

}  // namespace
}  // namespace keelson::schedule::framework
