#include "act/owner.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "act/diff.h"

namespace keelson::act {
namespace {

using nlohmann::json;

// The owner reference with controller=true (metav1.GetControllerOf), or null.
const json* controllerOf(const json& object) {
  const json* refs = nullptr;
  if (object.contains("metadata") && object["metadata"].contains("ownerReferences")) {
    refs = &object["metadata"]["ownerReferences"];
  }
  if (refs == nullptr || !refs->is_array()) return nullptr;
  for (const json& ref : *refs) {
    if (ref.value("controller", false)) return &ref;
  }
  return nullptr;
}

ResourceValues values(const json& resources, const char* section) {
  ResourceValues out;
  if (!resources.contains(section) || !resources[section].is_object()) return out;
  for (const auto& [name, value] : resources[section].items()) {
    if (value.is_string()) out[name] = value.get<std::string>();
  }
  return out;
}

std::vector<TemplateContainer> templateContainers(const json& workload) {
  std::vector<TemplateContainer> out;
  const json containers =
      workload.value(json::json_pointer("/spec/template/spec/containers"), json::array());
  for (const json& container : containers) {
    const json resources = container.value("resources", json::object());
    out.push_back(
        {container.value("name", ""), values(resources, "limits"), values(resources, "requests")});
  }
  return out;
}

// The apps/v1 kind named by an owner reference, or nullopt for any other controller.
std::optional<Kind> appsKind(const json& ref) {
  if (ref.value("apiVersion", "") != "apps/v1") return std::nullopt;
  const std::string kind = ref.value("kind", "");
  for (const char* known : {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}) {
    if (kind == known) return parseObjectRef(kind + "/x", KindSet::kWorkloads, "ns").kind;
  }
  return std::nullopt;
}

}  // namespace

PodOwner resolvePodOwner(const ApiGet& get, const std::string& namespace_name,
                         const std::string& pod) {
  const ObjectRef pod_ref{podKind(), namespace_name, pod};
  const json pod_object = parseObject(get(pod_ref.path()), pod_ref.display());
  PodOwner owner;
  const json* controller = controllerOf(pod_object);
  if (controller == nullptr) return owner;
  owner.controller = controller->value("kind", "") + "/" + controller->value("name", "");
  std::optional<Kind> kind = appsKind(*controller);
  if (!kind) return owner;
  ObjectRef ref{*kind, namespace_name, controller->value("name", "")};
  json workload = parseObject(get(ref.path()), ref.display());
  if (kind->kind == "ReplicaSet") {
    // A Deployment's ReplicaSet: the Deployment owns the template that matters (a change to
    // the ReplicaSet's own template would be reverted by the Deployment controller).
    if (const json* parent = controllerOf(workload); parent != nullptr) {
      const std::optional<Kind> parent_kind = appsKind(*parent);
      // Another controller (an Argo Rollout, ...) would revert what keelson changes.
      if (!parent_kind || parent_kind->kind != "Deployment") return owner;
      ref = ObjectRef{*parent_kind, namespace_name, parent->value("name", "")};
      workload = parseObject(get(ref.path()), ref.display());
    }
  }
  owner.workload = ref;
  owner.containers = templateContainers(workload);
  return owner;
}

}  // namespace keelson::act
