#include "cli/score_flags.h"

#include "cli/options.h"
#include "core/error.h"

namespace keelson::cli {

namespace fw = schedule::framework;

void ScoreFlags::add(CLI::App& command) {
  command
      .add_option("--scoring-strategy", strategy,
                  "NodeResourcesFit's scoring: LeastAllocated (spread), MostAllocated (bin "
                  "packing) or RequestedToCapacityRatio (see --scoring-shape)")
      ->check(validatorFrom([](const std::string& text) { fw::parseScoringStrategy(text); },
                            "STRATEGY"))
      ->capture_default_str();
  command
      .add_option("--scoring-shape", shape,
                  "RequestedToCapacityRatio's shape: utilization=score pairs (utilization 0-100 "
                  "increasing, score 0-10)")
      ->check(validatorFrom([](const std::string& text) { fw::parseScoringShape(text); }, "SHAPE"))
      ->capture_default_str();
  command
      .add_option("--score-weights", weights,
                  "Score plugin weights, e.g. TaintToleration=3,NodeAffinity=0 (0 disables a "
                  "plugin; default: kube-scheduler's default profile)")
      ->check(
          validatorFrom([](const std::string& text) { fw::parseScoreWeights(text); }, "WEIGHTS"));
}

fw::ScoreConfig ScoreFlags::config() const {
  fw::ScoreConfig config = fw::parseScoreWeights(weights);
  config.strategy = fw::parseScoringStrategy(strategy);
  if (config.strategy == fw::ScoringStrategy::kRequestedToCapacityRatio) {
    config.shape = fw::parseScoringShape(shape);
  }
  return config;
}

}  // namespace keelson::cli
