#include "app/cache_documents.h"

#include <fmt/format.h>

#include <string>
#include <utility>

#include "analysis/failure_events.h"
#include "app/diagnose_documents.h"
#include "app/serve_pods.h"
#include "app/serve_routes.h"
#include "core/error.h"

namespace keelson::app {
namespace {

template <class T>
std::vector<T> copyAll(const kube::ObjectSnapshot<T>& snapshot) {
  std::vector<T> out;
  out.reserve(snapshot.size());
  for (const auto& object : snapshot.all()) out.push_back(*object);
  return out;
}

template <class T>
std::vector<T> copyNamespace(const kube::ObjectSnapshot<T>& snapshot,
                             std::string_view namespace_name) {
  std::vector<T> out;
  for (const auto& object : snapshot.list(namespace_name)) out.push_back(*object);
  return out;
}

}  // namespace

std::shared_ptr<const analysis::SchedulingSnapshot> SchedulingSnapshots::get() {
  Key key{cache_.nodes().snapshot(),
          cache_.pods().snapshot(),
          cache_.persistentVolumeClaims().snapshot(),
          cache_.persistentVolumes().snapshot(),
          cache_.storageClasses().snapshot(),
          cache_.namespaces().snapshot()};
  const std::lock_guard lock(mutex_);
  if (built_ && key_ == key) return built_;
  auto snapshot = std::make_shared<analysis::SchedulingSnapshot>();
  snapshot->nodes = copyAll(*std::get<0>(key));
  snapshot->pods = copyAll(*std::get<1>(key));
  snapshot->pvcs = copyAll(*std::get<2>(key));
  snapshot->pvs = copyAll(*std::get<3>(key));
  snapshot->storage_classes = copyAll(*std::get<4>(key));
  snapshot->namespaces = copyAll(*std::get<5>(key));
  key_ = std::move(key);
  built_ = std::move(snapshot);
  return built_;
}

std::optional<kube::Pod> cachedPod(const kube::ClusterCache& cache, std::string_view namespace_name,
                                   std::string_view name) {
  validatePodName(namespace_name, name);
  const auto pods = cache.pods().snapshot();
  const kube::Pod* pod = pods->get(namespace_name, name);
  if (pod == nullptr) return std::nullopt;
  return *pod;
}

std::vector<kube::Event> cachedPodEvents(const kube::ClusterCache& cache, const kube::Pod& pod) {
  return podEvents(pod, copyNamespace(*cache.events().snapshot(), pod.metadata.namespace_name));
}

nlohmann::json cachedSchedulingDocument(const kube::ClusterCache& cache,
                                        SchedulingSnapshots& snapshots, const kube::Pod& pod) {
  const auto snapshot = snapshots.get();
  const analysis::SchedulingAnalysis analysis = analysis::analyzeScheduling(pod, *snapshot);
  return schedulingDocument(pod, analysis, cachedPodEvents(cache, pod));
}

nlohmann::json cachedFailureEventsDocument(const kube::ClusterCache& cache, const kube::Pod& pod,
                                           kube::Time now) {
  return failureEventsDocument(
      analysis::analyzeFailureEvents(pod, cachedPodEvents(cache, pod), now));
}

std::optional<nlohmann::json> cachedNamespaceErrorDocument(
    const kube::ClusterCache& cache, std::string_view namespace_name,
    const analysis::NamespaceErrorOptions& options, kube::Time now) {
  requireNamespaceName(namespace_name);
  if (cache.namespaces().snapshot()->get("", namespace_name) == nullptr) return std::nullopt;
  return namespaceErrorDocument(analysis::analyzeNamespaceErrors(
      namespace_name, copyNamespace(*cache.pods().snapshot(), namespace_name),
      copyNamespace(*cache.replicaSets().snapshot(), namespace_name),
      copyNamespace(*cache.events().snapshot(), namespace_name), now, options));
}

}  // namespace keelson::app
