#pragma once

// Who controls a pod, read from the API as kubectl's controller logic does: the pod's controller
// owner reference; a ReplicaSet's own controller (its Deployment). Remediation acts on that
// workload rather than on a pod its controller would replace.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "act/set_resources.h"
#include "act/target.h"

namespace keelson::act {

/// GETs an API path and returns the body; throws kube::ApiError (404, 403, ...) or Error like
/// kube::Client::get.
using ApiGet = std::function<std::string(const std::string& path)>;

/// One container of a workload's pod template and the resources it declares (quantity text as
/// written, e.g. "256Mi").
struct TemplateContainer {
  std::string name;
  ResourceValues limits;
  ResourceValues requests;
};

/// A pod's controlling workload.
struct PodOwner {
  /// "Kind/name" of the pod's controller owner reference ("ReplicaSet/web-5d8f", "Job/x"); ""
  /// for a pod no controller owns (a bare pod).
  std::string controller;
  /// The workload whose pod template makes the pod: a Deployment (through its ReplicaSet), a
  /// StatefulSet, a DaemonSet, or a ReplicaSet no controller owns; nullopt when the controller
  /// is none of those (a Job, a custom resource, a ReplicaSet of another controller) or there is
  /// none.
  std::optional<ObjectRef> workload;
  /// The workload's template containers (empty without a workload).
  std::vector<TemplateContainer> containers;
};

/// Reads pod `namespace_name`/`pod` and its controllers through `get` (1 to 3 GETs). Throws what
/// `get` throws (a pod that is gone is the API's 404), and Error(kInternal) for an answer that
/// is not the expected JSON object.
PodOwner resolvePodOwner(const ApiGet& get, const std::string& namespace_name,
                         const std::string& pod);

}  // namespace keelson::act
