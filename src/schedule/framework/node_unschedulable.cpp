#include "schedule/framework/node_unschedulable.h"

#include <fmt/format.h>

#include "schedule/framework/matching.h"

namespace keelson::schedule::framework {

Status NodeUnschedulable::filter(const PodInfo& pod, const NodeInfo& node,
                                 const PluginState* /*state*/) const {
  if (!node.node->spec.unschedulable) return Status::success();
  const kube::Taint taint{"node.kubernetes.io/unschedulable", "", "NoSchedule", {}};
  if (podTolerates(pod.pod(), taint)) return Status::success();
  return Status::reject(
      Code::kUnschedulableAndUnresolvable, kName,
      {{std::string(kReason),
        fmt::format("node {} is cordoned (spec.unschedulable) and the pod does not tolerate "
                    "node.kubernetes.io/unschedulable:NoSchedule",
                    node.node->metadata.name)}});
}

}  // namespace keelson::schedule::framework
