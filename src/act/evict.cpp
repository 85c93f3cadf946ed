#include "act/evict.h"

#include <fmt/format.h>

#include "act/eviction.h"
#include "act/patching.h"
#include "act/target.h"
#include "core/duration.h"
#include "kube/api_error.h"

namespace keelson::act {

ActionResult evictPod(ActionContext& context, const std::string& namespace_name,
                      const std::string& name, const EvictOptions& options) {
  const ObjectRef ref{podKind(), namespace_name, name};
  ActionResult result = startResult(context, "evict", ref);
  context.get(ref.path());  // an unknown pod is a 404 here, not a silent "already gone"
  result.summary = "evicted";
  result.changes.push_back(fmt::format("pod/{} evicted", name));
  if (!context.sendsWrites()) return result;
  kube::DeleteOptions delete_options;
  delete_options.grace_period_seconds = options.grace_period_seconds;
  const core::Clock& clock = *options.clock;
  const auto deadline = core::Clock::saturatingAdd(clock.steadyNow(), options.timeout);
  for (;;) {
    try {
      context.evict(namespace_name, name, delete_options);
      return result;
    } catch (const kube::ApiError& e) {
      const EvictionRefusal refusal = classifyEviction(e, namespace_name);
      if (refusal.kind == EvictionRefusal::Kind::kGone) {
        result.summary = "already gone";
        result.changes.clear();
        return result;
      }
      const bool retry = refusal.kind == EvictionRefusal::Kind::kBlocked ||
                         refusal.kind == EvictionRefusal::Kind::kTerminating;
      if (!retry || clock.steadyNow() >= deadline || context.stop().stop_requested()) {
        result.outcome = Outcome::kFailed;
        result.changes.clear();
        result.summary.clear();
        result.error =
            fmt::format("error when evicting pods/\"{}\" -n \"{}\": {}", name, namespace_name,
                        refusal.kind == EvictionRefusal::Kind::kBlocked ? blockedMessage(e, refusal)
                                                                        : e.serverMessage());
        if (retry && options.timeout.count() > 0) {
          result.error +=
              fmt::format(" (still refused after {})", core::formatDuration(options.timeout));
        }
        return result;
      }
      clock.sleepUntil(
          std::min(core::Clock::saturatingAdd(clock.steadyNow(), options.retry_interval), deadline),
          context.stop());
    }
  }
}

}  // namespace keelson::act
