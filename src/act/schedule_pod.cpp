#include "act/schedule_pod.h"

#include <fmt/format.h>

#include <string_view>

#include "act/patching.h"
#include "act/target.h"
#include "core/error.h"
#include "docs/json_fields.h"
#include "kube/api_error.h"

namespace keelson::act {
namespace {

using nlohmann::json;

bool validEffect(std::string_view effect) {
  return effect == "NoSchedule" || effect == "PreferNoSchedule" || effect == "NoExecute";
}

}  // namespace

json podManifest(const PodRequest& request) {
  json container = {{"name", request.name}, {"image", request.image}};
  json resources = json::object();
  if (!request.requests.empty()) resources["requests"] = docs::quantities(request.requests);
  if (!request.limits.empty()) resources["limits"] = docs::quantities(request.limits);
  if (!resources.empty()) container["resources"] = std::move(resources);
  json spec = {{"schedulerName", request.scheduler_name}, {"containers", json::array({container})}};
  if (!request.node_selector.empty()) spec["nodeSelector"] = request.node_selector;
  for (const kube::Toleration& t : request.tolerations) {
    json toleration = {{"operator", t.op}};
    if (!t.key.empty()) toleration["key"] = t.key;
    if (!t.value.empty()) toleration["value"] = t.value;
    if (!t.effect.empty()) toleration["effect"] = t.effect;
    spec["tolerations"].push_back(std::move(toleration));
  }
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", request.name},
            {"namespace", request.namespace_name},
            {"labels", {{"app.kubernetes.io/managed-by", "keelson"}}}}},
          {"spec", std::move(spec)}};
}

kube::Toleration parseToleration(const std::string& text) {
  kube::Toleration t;
  std::string_view rest = text;
  if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    t.effect = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!validEffect(t.effect)) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("--toleration {}: effect \"{}\" is not NoSchedule, "
                              "PreferNoSchedule or NoExecute",
                              text, t.effect));
    }
  }
  if (const auto eq = rest.find('='); eq != std::string_view::npos) {
    t.key = std::string(rest.substr(0, eq));
    t.value = std::string(rest.substr(eq + 1));
    t.op = "Equal";
    if (t.key.empty()) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("--toleration {}: a value needs a key (key=value:Effect)", text));
    }
  } else {
    t.key = std::string(rest);
    t.op = "Exists";
  }
  return t;
}

ActionResult createBoundPod(ActionContext& context, const json& manifest, const std::string& node) {
  const std::string ns = manifest.at("metadata").at("namespace").get<std::string>();
  const std::string name = manifest.at("metadata").at("name").get<std::string>();
  ActionResult result = startResult(context, "schedule", ObjectRef{podKind(), ns, name});
  result.summary = "scheduled";
  result.changes = {fmt::format("pod/{} created with spec.schedulerName {}", name,
                                manifest.at("spec").at("schedulerName").get<std::string>()),
                    fmt::format("pod/{} bound to node/{}", name, node)};
  if (!context.sendsWrites()) return result;
  const json created =
      json::parse(context.create(fmt::format("/api/v1/namespaces/{}/pods", ns), manifest.dump()));
  if (context.options().dry_run == DryRun::kServer) {
    result.warnings.push_back(
        "the binding is not sent in a server dry run (the pod is not "
        "created)");
    return result;
  }
  const std::string uid = created.at("metadata").value("uid", "");
  try {
    context.bind({ns, name, uid, node});
  } catch (const kube::ApiError& e) {
    result.outcome = Outcome::kFailed;
    result.error = fmt::format(
        "pod/{} was created but not bound to {}: {} (it stays pending "
        "for a scheduler named {})",
        name, node, e.what(), manifest.at("spec").at("schedulerName").get<std::string>());
  }
  return result;
}

}  // namespace keelson::act
