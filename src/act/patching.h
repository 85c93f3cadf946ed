#pragma once

// The step every patch-based verb (label, rollout restart, set resources) ends with: send the
// patch unless this is a client dry run, and in a server dry run keep the server's diff.

#include <nlohmann/json.hpp>
#include <string>

#include "act/action.h"
#include "act/context.h"
#include "act/target.h"

namespace keelson::act {

/// Sends `patch` (of `type`) to `ref` unless the dry run is client; in a server dry run sets
/// result.dry_run_diff from `before` (the object's JSON as read) to the server's answer. Throws
/// ApiError (409 for a stale metadata.resourceVersion in the patch, 403, 422) like the client.
void sendPatch(ActionContext& context, const ObjectRef& ref, kube::PatchType type,
               const nlohmann::json& patch, const std::string& before, ActionResult& result);

/// A result for `verb` on `ref`, with the context's dry-run mode.
ActionResult startResult(const ActionContext& context, std::string verb, const ObjectRef& ref);

}  // namespace keelson::act
