#include "act/restart.h"

#include <fmt/format.h>

#include "act/diff.h"
#include "act/patching.h"
#include "kube/decode.h"
#include "kube/objects.h"
#include "kube/pod.h"

namespace keelson::act {

ActionResult rolloutRestart(ActionContext& context, const ObjectRef& ref, core::WallTime now) {
  ActionResult result = startResult(context, "rollout restart", ref);
  const std::string before = context.get(ref.path());
  const nlohmann::json object = parseObject(before, ref.display());
  if (ref.kind.kind == "Deployment" &&
      object.value(nlohmann::json::json_pointer("/spec/paused"), false)) {
    result.outcome = Outcome::kRefused;
    result.error = fmt::format(
        "{}.{} \"{}\" can't restart paused deployment (run rollout resume "
        "first)",
        ref.kind.resource, ref.kind.group, ref.name);
    return result;
  }
  const std::string stamp = kube::formatTime(now);
  result.summary = "restarted";
  result.changes.push_back(
      fmt::format("spec.template.metadata.annotations[{}] = {}", kRestartedAtAnnotation, stamp));
  const nlohmann::json patch = {
      {"spec",
       {{"template", {{"metadata", {{"annotations", {{kRestartedAtAnnotation, stamp}}}}}}}}}};
  sendPatch(context, ref, kube::PatchType::kStrategicMerge, patch, before, result);
  return result;
}

ActionResult restartPod(ActionContext& context, const std::string& namespace_name,
                        const std::string& name, bool force) {
  const ObjectRef ref{podKind(), namespace_name, name};
  ActionResult result = startResult(context, "restart pod", ref);
  const auto pod = kube::decodeObject<kube::Pod>(context.get(ref.path()));
  const kube::OwnerReference* owner = kube::controllerOf(pod.metadata);
  if (owner == nullptr && !force) {
    result.outcome = Outcome::kRefused;
    result.error = fmt::format(
        "pod {}/{} has no controller: deleting it would not bring it back (use --force to delete "
        "it anyway)",
        namespace_name, name);
    return result;
  }
  result.summary = owner == nullptr ? "deleted" : "restarted";
  result.changes.push_back(
      owner == nullptr
          ? fmt::format("pod/{} deleted (no controller recreates it)", name)
          : fmt::format("pod/{} deleted; {} {} recreates it", name, owner->kind, owner->name));
  if (!context.sendsWrites()) return result;
  kube::DeleteOptions options;
  options.precondition_uid = pod.metadata.uid;
  context.remove(ref.path(), options);
  return result;
}

}  // namespace keelson::act
