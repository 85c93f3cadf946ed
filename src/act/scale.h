#pragma once

// kubectl scale KIND/NAME --replicas N [--current-replicas N] [--resource-version V] through the
// /scale subresource (autoscaling/v1 Scale). Without preconditions: a merge patch of
// spec.replicas. With them: GET the Scale, check them (kubectl's "Expected replicas to be 3, was
// 2"), PUT it back with its resourceVersion, and on a 409 (someone changed it in between) read
// and check again, every second, up to a limit.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "act/action.h"
#include "act/context.h"
#include "act/target.h"
#include "core/clock.h"

namespace keelson::act {

/// kubectl scale's flags.
struct ScaleOptions {
  std::int32_t replicas = 0;                                ///< --replicas (>= 0).
  std::optional<std::int32_t> current_replicas;             ///< --current-replicas precondition.
  std::string resource_version;                             ///< --resource-version precondition.
  std::chrono::milliseconds conflict_retry_interval{1000};  ///< kubectl: 1 s.
  std::chrono::milliseconds conflict_retry_timeout{std::chrono::minutes(5)};  ///< kubectl: 5 min.
  std::shared_ptr<const core::Clock> clock = core::systemClock();
};

/// Scales `ref` (deployment, statefulset, replicaset). Summary "scaled". Refused when a
/// precondition does not hold (error "Expected replicas to be X, was Y" / "Expected resource
/// version to be X, was Y"). Throws ApiError like the client (404, 403; 409 only when conflicts
/// outlast conflict_retry_timeout).
ActionResult scale(ActionContext& context, const ObjectRef& ref, const ScaleOptions& options);

}  // namespace keelson::act
