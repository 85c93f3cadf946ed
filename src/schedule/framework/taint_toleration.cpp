#include "schedule/framework/taint_toleration.h"

#include <fmt/format.h>

#include <string_view>
#include <vector>

#include "schedule/framework/matching.h"

namespace keelson::schedule::framework {

Status TaintToleration::filter(const PodInfo& pod, const NodeInfo& node,
                               const PluginState* /*state*/) const {
  const kube::Taint* taint = untoleratedTaint(pod.pod(), *node.node);
  std::string_view origin;
  std::vector<kube::Taint> from_conditions;
  if (taint == nullptr && condition_taints_) {
    from_conditions = conditionTaints(*node.node);
    for (const kube::Taint& t : from_conditions) {
      if (podTolerates(pod.pod(), t)) continue;
      taint = &t;
      origin = ", from the node's conditions";
      break;
    }
  }
  if (taint == nullptr) return Status::success();
  return Status::reject(
      Code::kUnschedulableAndUnresolvable, kName,
      {{std::string(kReason), fmt::format("untolerated taint {{{}: {}}} ({}{})", taint->key,
                                          taint->value, taint->effect, origin)}});
}

}  // namespace keelson::schedule::framework
