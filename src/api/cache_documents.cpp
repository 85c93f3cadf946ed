#include "api/cache_documents.h"

#include <fmt/format.h>

#include <string>
#include <utility>

#include "analysis/failure_events.h"
#include "core/error.h"
#include "docs/diagnose_documents.h"
#include "docs/pod_documents.h"
#include "kube/names.h"

namespace keelson::api {
namespace {

// The objects of `snapshot`, by pointer (valid while the snapshot is held).
template <class T>
std::vector<const T*> pointers(const kube::ObjectSnapshot<T>& snapshot) {
  std::vector<const T*> out;
  out.reserve(snapshot.size());
  for (const auto& object : snapshot.all()) out.push_back(object.get());
  return out;
}

// Copies of one namespace's objects.
template <class T>
std::vector<T> copyNamespace(const kube::ObjectSnapshot<T>& snapshot,
                             std::string_view namespace_name, const std::stop_token& cancel = {}) {
  return copyObjects<T>(snapshot.list(namespace_name), cancel, "namespace analysis");
}

}  // namespace

std::optional<kube::Pod> cachedPod(const kube::ClusterCache& cache, std::string_view namespace_name,
                                   std::string_view name) {
  kube::validatePodName(namespace_name, name);
  const auto pods = cache.pods().snapshot();
  const kube::Pod* pod = pods->get(namespace_name, name);
  if (pod == nullptr) return std::nullopt;
  return *pod;
}

std::vector<kube::Event> cachedPodEvents(const kube::ClusterCache& cache, const kube::Pod& pod,
                                         std::stop_token cancel) {
  const kube::Informer<kube::Event>* informer = cache.events();
  if (informer == nullptr) return docs::podEvents(pod, cache.listPodEvents(pod, std::move(cancel)));
  const auto events = informer->snapshot();
  return docs::podEvents(pod, copyNamespace(*events, pod.metadata.namespace_name));
}

nlohmann::json cachedSchedulingDocument(const kube::ClusterCache& cache, const kube::Pod& pod) {
  cache.requireClusterMode("the scheduling analysis");
  // Held for the analysis: the view points into these immutable snapshots (no object is copied).
  const auto nodes = cache.nodes().snapshot();
  const auto pods = cache.pods().snapshot();
  const auto pvcs = cache.persistentVolumeClaims()->snapshot();
  const auto pvs = cache.persistentVolumes()->snapshot();
  const auto storage_classes = cache.storageClasses()->snapshot();
  const auto namespaces = cache.namespaces()->snapshot();
  const analysis::SchedulingView view{
      pointers(*nodes),           pointers(*pods),      pointers(*pvcs), pointers(*pvs),
      pointers(*storage_classes), pointers(*namespaces)};
  const analysis::SchedulingAnalysis analysis = analysis::analyzeScheduling(pod, view);
  return docs::schedulingDocument(pod, analysis, cachedPodEvents(cache, pod));
}

nlohmann::json cachedFailureEventsDocument(const kube::ClusterCache& cache, const kube::Pod& pod,
                                           kube::Time now, std::stop_token cancel) {
  return docs::failureEventsDocument(
      analysis::analyzeFailureEvents(pod, cachedPodEvents(cache, pod, std::move(cancel)), now));
}

std::optional<nlohmann::json> cachedNamespaceErrorDocument(
    const kube::ClusterCache& cache, std::string_view namespace_name,
    const analysis::NamespaceErrorOptions& options, kube::Time now, std::stop_token cancel) {
  cache.requireClusterMode("the namespace error analysis");
  kube::requireNamespaceName(namespace_name);
  const auto namespaces = cache.namespaces()->snapshot();
  if (namespaces->get("", namespace_name) == nullptr) return std::nullopt;
  const auto pods = cache.pods().snapshot();
  const auto replica_sets = cache.replicaSets()->snapshot();
  const auto events = cache.events()->snapshot();
  auto analysis = analysis::analyzeNamespaceErrors(
      namespace_name, copyNamespace(*pods, namespace_name, cancel),
      copyNamespace(*replica_sets, namespace_name, cancel),
      copyNamespace(*events, namespace_name, cancel), now, options);
  throwIfCancelled(cancel, "namespace analysis");
  return docs::namespaceErrorDocument(analysis);
}

}  // namespace keelson::api
