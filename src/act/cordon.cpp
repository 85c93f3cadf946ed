#include "act/cordon.h"

#include <fmt/format.h>

#include "act/diff.h"
#include "act/patching.h"
#include "act/target.h"

namespace keelson::act {

ActionResult setUnschedulable(ActionContext& context, const std::string& node, bool unschedulable) {
  const ObjectRef ref{nodeKind(), "", node};
  ActionResult result = startResult(context, unschedulable ? "cordon" : "uncordon", ref);
  const std::string done = unschedulable ? "cordoned" : "uncordoned";

  const std::string before = context.get(ref.path());
  const nlohmann::json object = parseObject(before, ref.display());
  const bool current = object.value(nlohmann::json::json_pointer("/spec/unschedulable"), false);
  if (current == unschedulable) {
    result.summary = "already " + done;
    result.skipped.push_back({ref.display(), result.summary});
    return result;
  }
  result.summary = done;
  result.changes.push_back(fmt::format("spec.unschedulable: {} -> {}", current, unschedulable));
  // kubectl's two-way strategic merge patch: false is the field's zero value, so it is removed.
  const nlohmann::json patch = {
      {"spec", {{"unschedulable", unschedulable ? nlohmann::json(true) : nlohmann::json()}}}};
  sendPatch(context, ref, kube::PatchType::kStrategicMerge, patch, before, result);
  return result;
}

}  // namespace keelson::act
