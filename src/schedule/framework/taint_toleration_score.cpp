#include "schedule/framework/taint_toleration_score.h"

#include "schedule/framework/matching.h"

namespace keelson::schedule::framework {

std::int64_t intolerablePreferNoScheduleTaints(const kube::Pod& pod, const kube::Node& node) {
  std::int64_t count = 0;
  for (const kube::Taint& taint : node.spec.taints) {
    // A toleration with another effect cannot tolerate a PreferNoSchedule taint, so checking
    // every toleration equals upstream's filtering to PreferNoSchedule and "" effects first.
    if (taint.effect == "PreferNoSchedule" && !podTolerates(pod, taint)) ++count;
  }
  return count;
}

std::int64_t TaintTolerationScore::score(const PodInfo& pod, const NodeInfo& node,
                                         const PluginState* /*state*/) const {
  return intolerablePreferNoScheduleTaints(pod.pod(), *node.node);
}

void TaintTolerationScore::normalizeScores(const PodInfo& /*pod*/, const PluginState* /*state*/,
                                           std::span<std::int64_t> scores) const {
  defaultNormalizeScore(kMaxNodeScore, true, scores);
}

}  // namespace keelson::schedule::framework
