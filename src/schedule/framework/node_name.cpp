#include "schedule/framework/node_name.h"

#include <fmt/format.h>

namespace keelson::schedule::framework {

Status NodeName::filter(const PodInfo& pod, const NodeInfo& node,
                        const PluginState* /*state*/) const {
  const auto& want = pod.pod().spec.node_name;
  if (want.empty() || want == node.node->metadata.name) return Status::success();
  return Status::reject(Code::kUnschedulableAndUnresolvable, kName,
                        {{std::string(kReason), fmt::format("pod requests node {}", want)}});
}

}  // namespace keelson::schedule::framework
