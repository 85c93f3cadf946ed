#pragma once

// kubectl cordon / uncordon: set or clear a Node's spec.unschedulable with a strategic merge
// patch. A node already in the asked state is success with nothing written ("already cordoned").

#include <string>

#include "act/action.h"
#include "act/context.h"

namespace keelson::act {

/// Cordons (`unschedulable` true) or uncordons node `node`: GET /api/v1/nodes/NODE, then, when
/// it differs and the dry run is not client, PATCH spec.unschedulable. Returns the result
/// (summary "cordoned", "already cordoned", "uncordoned", ...; in a server dry run the server's
/// diff). Throws ApiError (404 for an unknown node, 403 without the RBAC) and Error like the
/// client.
ActionResult setUnschedulable(ActionContext& context, const std::string& node, bool unschedulable);

}  // namespace keelson::act
