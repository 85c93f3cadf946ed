#include "kube/pod_indexes.h"

#include "kube/objects.h"

namespace keelson::kube {

std::string podControllerKindKey(std::string_view namespace_name, std::string_view kind) {
  std::string key;
  key.reserve(namespace_name.size() + 1 + kind.size());
  return key.append(namespace_name).append("/").append(kind);
}

std::vector<std::string> podControllerKindKeys(const Pod& pod) {
  const OwnerReference* controller = controllerOf(pod.metadata);
  if (controller == nullptr) return {};
  return {podControllerKindKey(pod.metadata.namespace_name, controller->kind)};
}

}  // namespace keelson::kube
