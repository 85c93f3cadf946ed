#pragma once

// kubectl rollout restart KIND/NAME (the pod template's kubectl.kubernetes.io/restartedAt
// annotation, so the controller replaces every pod), and keelson restart pod NS/NAME (delete one
// controller-owned pod so that its controller recreates it).

#include <string>

#include "act/action.h"
#include "act/context.h"
#include "act/target.h"
#include "core/clock.h"

namespace keelson::act {

/// The annotation kubectl rollout restart sets on the pod template.
inline constexpr const char* kRestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";

/// Restarts the pods of `ref` (deployment, statefulset, daemonset) by setting the template's
/// restartedAt annotation to `now` (RFC 3339, UTC). Refused for a paused Deployment, with
/// kubectl's message ("can't restart paused deployment (run rollout resume first)"). Summary
/// "restarted". Throws ApiError like the client.
ActionResult rolloutRestart(ActionContext& context, const ObjectRef& ref, core::WallTime now);

/// Deletes pod `namespace_name`/`name` (only that incarnation: preconditions.uid) so that its
/// controller recreates it. A pod without a controller would not come back: refused unless
/// `force`. Summary "restarted" (a controller's pod) or "deleted" (a bare pod, forced). Throws
/// ApiError like the client.
ActionResult restartPod(ActionContext& context, const std::string& namespace_name,
                        const std::string& name, bool force);

}  // namespace keelson::act
