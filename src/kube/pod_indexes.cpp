#include "kube/pod_indexes.h"

#include "kube/objects.h"

namespace keelson::kube {

namespace {

// "<first>/<second>".
std::string joinedKey(std::string_view first, std::string_view second) {
  std::string key;
  key.reserve(first.size() + 1 + second.size());
  return key.append(first).append("/").append(second);
}

}  // namespace

std::string podControllerKindKey(std::string_view namespace_name, std::string_view kind) {
  return joinedKey(namespace_name, kind);
}

std::vector<std::string> podControllerKindKeys(const Pod& pod) {
  const OwnerReference* controller = controllerOf(pod.metadata);
  if (controller == nullptr) return {};
  return {podControllerKindKey(pod.metadata.namespace_name, controller->kind)};
}

std::string eventPodKey(std::string_view namespace_name, std::string_view name) {
  return joinedKey(namespace_name, name);
}

std::vector<std::string> eventPodKeys(const Event& event) {
  if (event.regarding.kind != "Pod") return {};
  return {eventPodKey(event.metadata.namespace_name, event.regarding.name)};
}

}  // namespace keelson::kube
