#include "schedule/framework/score_plugin.h"

namespace keelson::schedule::framework {

std::unique_ptr<const PluginState> ScorePlugin::preScore(
    const PodInfo& /*pod*/, const Snapshot& /*snapshot*/,
    std::span<const NodeInfo* const> /*feasible*/) const {
  return nullptr;
}

void ScorePlugin::normalizeScores(const PodInfo& /*pod*/, const PluginState* /*state*/,
                                  std::span<std::int64_t> /*scores*/) const {}

}  // namespace keelson::schedule::framework
