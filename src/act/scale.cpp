#include "act/scale.h"

#include <fmt/format.h>

#include "act/diff.h"
#include "act/patching.h"
#include "kube/api_error.h"

namespace keelson::act {

namespace {

// kubectl's PreconditionError text; "" when both hold.
std::string preconditionFailure(const nlohmann::json& scale, const ScaleOptions& options) {
  const auto current = scale.value(nlohmann::json::json_pointer("/spec/replicas"), 0);
  if (options.current_replicas && current != *options.current_replicas) {
    return fmt::format("Expected replicas to be {}, was {}", *options.current_replicas, current);
  }
  const std::string version =
      scale.value(nlohmann::json::json_pointer("/metadata/resourceVersion"), "");
  if (!options.resource_version.empty() && version != options.resource_version) {
    return fmt::format("Expected resource version to be {}, was {}", options.resource_version,
                       version);
  }
  return {};
}

}  // namespace

ActionResult scale(ActionContext& context, const ObjectRef& ref, const ScaleOptions& options) {
  ActionResult result = startResult(context, "scale", ref);
  const std::string path = ref.path() + "/scale";
  const bool preconditions = options.current_replicas || !options.resource_version.empty();
  const core::Clock& clock = *options.clock;
  const auto give_up =
      core::Clock::saturatingAdd(clock.steadyNow(), options.conflict_retry_timeout);
  for (;;) {
    const std::string before = context.get(path);
    nlohmann::json object = parseObject(before, ref.display() + " scale");
    if (std::string failure = preconditionFailure(object, options); !failure.empty()) {
      result.outcome = Outcome::kRefused;
      result.error = std::move(failure);
      return result;
    }
    const auto current = object.value(nlohmann::json::json_pointer("/spec/replicas"), 0);
    result.summary = "scaled";
    result.changes = {fmt::format("spec.replicas: {} -> {}", current, options.replicas)};
    if (!context.sendsWrites()) return result;
    std::string after;
    try {
      if (preconditions) {
        // The Scale as read carries its resourceVersion: a concurrent change is a 409.
        object["spec"]["replicas"] = options.replicas;
        after = context.update(path, object.dump());
      } else {
        const nlohmann::json patch = {{"spec", {{"replicas", options.replicas}}}};
        after = context.patch(path, kube::PatchType::kMerge, patch.dump());
      }
    } catch (const kube::ApiError& e) {
      if (e.code() != ErrorCode::kConflict || clock.steadyNow() >= give_up) throw;
      clock.sleepFor(options.conflict_retry_interval, context.stop());
      if (context.stop().stop_requested()) throw;
      continue;
    }
    if (context.options().dry_run == DryRun::kServer) {
      result.dry_run_diff = objectDiff(before, after);
    }
    return result;
  }
}

}  // namespace keelson::act
