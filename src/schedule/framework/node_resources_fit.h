#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/quantity.h"
#include "schedule/framework/plugin.h"

namespace keelson::schedule::framework {

/// One resource the node lacks for the pod (kube-scheduler's InsufficientResource).
struct InsufficientResource {
  /// "pods", "cpu", "memory", "ephemeral-storage", or a scalar resource ("example.com/gpu",
  /// "hugepages-2Mi", ...).
  std::string name;
  core::Quantity requested;    ///< What the pod requests (1 for "pods").
  core::Quantity used;         ///< What the node's other pods request (their count for "pods").
  core::Quantity allocatable;  ///< The node's status.allocatable (0 when absent).
};

/// Names NodeResourcesFit tracks beyond cpu, memory and ephemeral-storage
/// (schedutil.IsScalarResourceName): extended and prefixed native resources (with a '/'),
/// hugepages-*, attachable-volumes-*. Pure.
bool isScalarResource(std::string_view name);

/// Every resource `node` lacks for `pod`, in kube-scheduler's order: "pods" first (the pod would
/// exceed allocatable pods), then the pod's requests by name. cpu compares in millicores, every
/// other resource in whole units (bytes for memory and storage, rounded up); resources other
/// than cpu, memory, ephemeral-storage and scalar ones (extended "a/b", hugepages-*,
/// attachable-volumes-*) and requests of zero are not checked. Pure.
std::vector<InsufficientResource> insufficientResources(const PodInfo& pod, const NodeInfo& node);

/// NodeResourcesFit: the node's allocatable minus what its pods request must cover the pod's
/// requests, and it must have room for one more pod. Rejects with Unschedulable, one reason per
/// insufficient resource ("Too many pods", "Insufficient cpu", ...).
class NodeResourcesFit final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "NodeResourcesFit";
  static constexpr std::string_view kReasonTooManyPods = "Too many pods";

  std::string_view name() const override { return kName; }
  Status filter(const PodInfo& pod, const NodeInfo& node, const PluginState* state) const override;
};

}  // namespace keelson::schedule::framework
