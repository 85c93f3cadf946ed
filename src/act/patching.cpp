#include "act/patching.h"

#include "act/diff.h"

namespace keelson::act {

void sendPatch(ActionContext& context, const ObjectRef& ref, kube::PatchType type,
               const nlohmann::json& patch, const std::string& before, ActionResult& result) {
  if (!context.sendsWrites()) return;
  const std::string after = context.patch(ref.path(), type, patch.dump());
  if (context.options().dry_run == DryRun::kServer) result.dry_run_diff = objectDiff(before, after);
}

ActionResult startResult(const ActionContext& context, std::string verb, const ObjectRef& ref) {
  ActionResult result;
  result.verb = std::move(verb);
  result.target = ref.display();
  result.namespace_name = ref.namespace_name;
  result.dry_run = context.options().dry_run;
  return result;
}

}  // namespace keelson::act
