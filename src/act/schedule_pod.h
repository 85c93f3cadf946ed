#pragma once

// keelson schedule's write: create a pod for keelson's scheduler (spec.schedulerName, so that
// kube-scheduler leaves it alone) and bind it to the node the placement chose through the
// pods/binding subresource, as a scheduler does.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "act/action.h"
#include "act/context.h"
#include "kube/objects.h"
#include "kube/pod.h"

namespace keelson::act {

/// The pod `keelson schedule` makes: one container with its requests and limits.
struct PodRequest {
  std::string namespace_name;
  std::string name;
  std::string image;
  std::string scheduler_name = "keelson";    ///< spec.schedulerName.
  kube::ResourceList requests;               ///< --cpu, --memory (exact quantities).
  kube::ResourceList limits;                 ///< --limits-cpu, --limits-memory.
  kube::StringMap node_selector;             ///< --node-selector k=v.
  kube::List<kube::Toleration> tolerations;  ///< --toleration.
};

/// The core/v1 Pod manifest of `request` (the container is named after the pod; label
/// app.kubernetes.io/managed-by=keelson). Pure.
nlohmann::json podManifest(const PodRequest& request);

/// Parses a --toleration: "key=value:Effect", "key:Effect" (Exists), "key=value" (every
/// effect), "key" (Exists, every effect) or ":Effect"... as kubectl taint's syntax reads; the
/// effect is NoSchedule, PreferNoSchedule or NoExecute. Throws Error(kBadInput) naming the text.
kube::Toleration parseToleration(const std::string& text);

/// Creates `manifest` (POST /api/v1/namespaces/NS/pods) and binds it to `node` (POST
/// .../pods/NAME/binding with the created pod's uid). Summary "scheduled". Client dry run:
/// nothing is sent. Server dry run: the create is sent with dryRun=All and the binding is not
/// (the pod does not exist to bind). A failed binding leaves the created pod (pending, for
/// keelson's scheduler to place) and fails the result, naming it. Throws ApiError like the
/// client when the create is refused (409 AlreadyExists, 403, 422).
ActionResult createBoundPod(ActionContext& context, const nlohmann::json& manifest,
                            const std::string& node);

}  // namespace keelson::act
