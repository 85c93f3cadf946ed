#include "schedule/framework/score_plugin.h"

#include <algorithm>

namespace keelson::schedule::framework {

std::unique_ptr<const PluginState> ScorePlugin::preScore(
    const PodInfo& /*pod*/, const Snapshot& /*snapshot*/,
    std::span<const NodeInfo* const> /*feasible*/) const {
  return nullptr;
}

void ScorePlugin::normalizeScores(const PodInfo& /*pod*/, const PluginState* /*state*/,
                                  std::span<std::int64_t> /*scores*/) const {}

void defaultNormalizeScore(std::int64_t max_priority, bool reverse,
                           std::span<std::int64_t> scores) {
  std::int64_t highest = 0;
  for (const std::int64_t score : scores) highest = std::max(highest, score);
  if (highest == 0) {
    if (reverse) std::fill(scores.begin(), scores.end(), max_priority);
    return;
  }
  for (std::int64_t& score : scores) {
    score = max_priority * score / highest;
    if (reverse) score = max_priority - score;
  }
}

}  // namespace keelson::schedule::framework
