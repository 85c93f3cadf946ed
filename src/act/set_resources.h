#pragma once

// kubectl set resources KIND/NAME [-c CONTAINER] --limits cpu=...,memory=... --requests ...: a
// strategic merge patch of the pod template's containers (merged by name), so only the named
// resources of the chosen containers change.

#include <map>
#include <string>

#include "act/action.h"
#include "act/context.h"
#include "act/target.h"

namespace keelson::act {

/// Resource name -> quantity text, as given ("cpu" -> "500m").
using ResourceValues = std::map<std::string, std::string>;

/// Parses "cpu=200m,memory=512Mi" (kubectl's --limits/--requests). Throws Error(kBadInput)
/// naming `flag` and the pair for a missing '=', an empty name, or a quantity that does not parse
/// (core::Quantity's grammar).
ResourceValues parseResourceValues(const std::string& flag, const std::string& text);

/// What to set.
struct ResourcesOptions {
  std::string container = "*";  ///< -c: a container name, or "*" for all of them.
  ResourceValues limits;
  ResourceValues requests;
};

/// Sets the resources of `ref`'s pod template containers (deployment, statefulset, replicaset,
/// daemonset). Summary "resource requirements updated", or "resource requirements unchanged"
/// when every value is already set. Refused when -c names no container ("unable to find
/// container named X"). Throws ApiError like the client (422 when requests exceed limits).
ActionResult setResources(ActionContext& context, const ObjectRef& ref,
                          const ResourcesOptions& options);

}  // namespace keelson::act
