#pragma once

// keelson evict NS/POD: one eviction through the Eviction API (policy/v1), so PodDisruptionBudgets
// are honoured. A refusal names the budget that blocks; with a timeout the eviction is tried again
// every 5 s until it is accepted or the time is up.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "act/action.h"
#include "act/context.h"
#include "core/clock.h"

namespace keelson::act {

/// evict's flags.
struct EvictOptions {
  std::optional<std::int64_t> grace_period_seconds;  ///< --grace-period; nullopt: the pod's own.
  std::chrono::milliseconds timeout{0};  ///< --timeout: keep retrying a 429 this long (0: no).
  std::chrono::milliseconds retry_interval{5000};
  std::shared_ptr<const core::Clock> clock = core::systemClock();
};

/// Evicts pod `namespace_name`/`name`. Summary "evicted" (the API server accepted the eviction:
/// the pod is being deleted) or "already gone" (404 after the pod was read). Failed with the
/// server's message and the blocking budget when a PodDisruptionBudget refuses past the timeout,
/// or for any other refusal (500: several budgets match). Throws ApiError when the pod cannot
/// be read (404 for an unknown pod).
ActionResult evictPod(ActionContext& context, const std::string& namespace_name,
                      const std::string& name, const EvictOptions& options);

}  // namespace keelson::act
