#include "schedule/framework/taint_toleration.h"

#include <fmt/format.h>

#include "schedule/framework/matching.h"

namespace keelson::schedule::framework {

Status TaintToleration::filter(const PodInfo& pod, const NodeInfo& node,
                               const PluginState* /*state*/) const {
  const kube::Taint* taint = untoleratedTaint(pod.pod(), *node.node);
  if (taint == nullptr) return Status::success();
  return Status::reject(
      Code::kUnschedulableAndUnresolvable, kName,
      {{std::string(kReason), fmt::format("untolerated taint {{{}: {}}} ({})", taint->key,
                                          taint->value, taint->effect)}});
}

}  // namespace keelson::schedule::framework
