#include "api/cache_documents.h"

#include <fmt/format.h>

#include <string>
#include <utility>

#include "analysis/failure_events.h"
#include "analysis/health_score.h"
#include "core/error.h"
#include "docs/diagnose_documents.h"
#include "docs/pod_documents.h"
#include "docs/scheduling_explanation.h"
#include "kube/names.h"
#include "kube/pod_indexes.h"

namespace keelson::api {
namespace {

// The pods of `namespace_name` the namespace analysis can resolve to a workload: those of the
// workload controller kinds, from the pods' controller-kind index (bare pods and Job pods are
// never visited).
std::vector<const kube::Pod*> workloadPods(const kube::ObjectSnapshot<kube::Pod>& pods,
                                           std::string_view namespace_name) {
  std::vector<const kube::Pod*> out;
  for (const std::string_view kind : analysis::kWorkloadControllerKinds) {
    kube::appendPointers(
        pods.byIndex(kube::kPodsByControllerKind, kube::podControllerKindKey(namespace_name, kind)),
        out);
  }
  return out;
}

}  // namespace

std::shared_ptr<const kube::Pod> cachedPod(const kube::ClusterCache& cache,
                                           std::string_view namespace_name, std::string_view name) {
  kube::validatePodName(namespace_name, name);
  const auto pods = cache.pods().snapshot();
  return pods->find(namespace_name, name);
}

namespace {

// podEvents of `pod` from an events snapshot, found through its kEventsByPod index: their
// namespace may hold thousands of others.
std::vector<kube::Event> podEventsIn(const kube::ObjectSnapshot<kube::Event>& events,
                                     const kube::Pod& pod) {
  std::vector<kube::Event> of_pod;
  const auto key = kube::eventPodKey(pod.metadata.namespace_name, pod.metadata.name);
  for (const auto& event : events.byIndex(kube::kEventsByPod, key)) {
    if (analysis::isEventOfPod(*event, pod)) of_pod.push_back(*event);
  }
  return docs::podEvents(pod, of_pod);
}

}  // namespace

std::vector<kube::Event> cachedPodEvents(const kube::ClusterCache& cache, const kube::Pod& pod,
                                         std::stop_token cancel) {
  const kube::Informer<kube::Event>* informer = cache.events();
  if (informer == nullptr) return docs::podEvents(pod, cache.listPodEvents(pod, std::move(cancel)));
  const auto events = informer->snapshot();
  return podEventsIn(*events, pod);
}

namespace {

std::shared_ptr<const SchedulingState> schedulingState(const kube::ClusterCache& cache) {
  auto state = std::make_shared<SchedulingState>();
  state->nodes = cache.nodes().snapshot();
  state->pods = cache.pods().snapshot();
  state->pvcs = cache.persistentVolumeClaims()->snapshot();
  state->pvs = cache.persistentVolumes()->snapshot();
  state->storage_classes = cache.storageClasses()->snapshot();
  state->namespaces = cache.namespaces()->snapshot();
  state->view = {kube::pointersOf(*state->nodes),
                 kube::pointersOf(*state->pods),
                 kube::pointersOf(*state->pvcs),
                 kube::pointersOf(*state->pvs),
                 kube::pointersOf(*state->storage_classes),
                 kube::pointersOf(*state->namespaces)};
  state->node_infos = schedule::framework::buildNodeInfos(state->view);
  return state;
}

nlohmann::json schedulingDocumentIn(const SchedulingState& state, const kube::Pod& pod,
                                    const std::vector<kube::Event>& events) {
  return docs::schedulingDocument(
      pod, analysis::analyzeScheduling(pod, state.view, state.node_infos), events);
}

template <class T>
bool same(const kube::SnapshotHandle<T>& held, const kube::SnapshotHandle<T>& now) {
  return &*held == &*now;
}

}  // namespace

std::shared_ptr<const std::string> KeptPodDocuments::text(
    const kube::ClusterCache& cache, const kube::Pod& pod, std::string_view kind,
    const std::shared_ptr<const void>& basis, const Build& build, std::stop_token cancel) {
  const auto render = [&](const std::vector<kube::Event>& events) {
    return std::make_shared<const std::string>(
        build(events).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  };
  const kube::Informer<kube::Event>* informer = cache.events();
  if (informer == nullptr) return render(cachedPodEvents(cache, pod, std::move(cancel)));

  const auto events = informer->snapshot();
  const auto& meta = pod.metadata;
  std::string key = fmt::format("{}/{}/{}/{}/{}", kind, meta.namespace_name, meta.name, meta.uid,
                                meta.resource_version);
  {
    const std::lock_guard lock(mutex_);
    if (events_ != events || basis_ != basis) {
      texts_.clear();
      events_ = events;
      basis_ = basis;
    }
    if (const auto kept = texts_.find(key); kept != texts_.end()) return kept->second;
  }
  auto built = render(podEventsIn(*events, pod));
  const std::lock_guard lock(mutex_);
  // Kept only if neither the events nor the basis changed meanwhile.
  if (events_ == events && basis_ == basis) {
    if (texts_.size() >= kMaxTexts) texts_.clear();
    texts_.emplace(std::move(key), built);
  }
  return built;
}

std::shared_ptr<const SchedulingState> SharedSchedulingState::current(
    const kube::ClusterCache& cache) {
  cache.requireClusterMode("the scheduling analysis");
  const std::lock_guard lock(mutex_);
  if (!state_ || !same(state_->nodes, cache.nodes().snapshot()) ||
      !same(state_->pods, cache.pods().snapshot()) ||
      !same(state_->pvcs, cache.persistentVolumeClaims()->snapshot()) ||
      !same(state_->pvs, cache.persistentVolumes()->snapshot()) ||
      !same(state_->storage_classes, cache.storageClasses()->snapshot()) ||
      !same(state_->namespaces, cache.namespaces()->snapshot())) {
    state_ = schedulingState(cache);
  }
  return state_;
}

std::shared_ptr<const std::string> SharedSchedulingState::document(const kube::ClusterCache& cache,
                                                                   const kube::Pod& pod,
                                                                   bool explain) {
  const auto state = current(cache);
  return documents_.text(cache, pod, explain ? "explain" : "scheduling", state,
                         [&](const std::vector<kube::Event>& events) {
                           nlohmann::json doc = schedulingDocumentIn(*state, pod, events);
                           return explain ? docs::schedulingExplanation(doc) : doc;
                         });
}

nlohmann::json cachedSchedulingDocument(const kube::ClusterCache& cache, const kube::Pod& pod) {
  const auto state = SharedSchedulingState().current(cache);
  return schedulingDocumentIn(*state, pod, cachedPodEvents(cache, pod));
}

nlohmann::json cachedFailureEventsDocument(const kube::ClusterCache& cache, const kube::Pod& pod,
                                           kube::Time now, std::stop_token cancel) {
  return docs::failureEventsDocument(
      analysis::analyzeFailureEvents(pod, cachedPodEvents(cache, pod, std::move(cancel)), now));
}

nlohmann::json cachedHealthScoreDocument(const kube::ClusterCache& cache, const kube::Pod& pod,
                                         kube::Time now, std::stop_token cancel) {
  return docs::healthScoreDocument(
      analysis::scorePodHealth(pod, cachedPodEvents(cache, pod, std::move(cancel)), now));
}

std::optional<nlohmann::json> cachedNamespaceErrorDocument(
    const kube::ClusterCache& cache, std::string_view namespace_name,
    const analysis::NamespaceErrorOptions& options, kube::Time now, std::stop_token cancel) {
  cache.requireClusterMode("the namespace error analysis");
  kube::requireNamespaceName(namespace_name);
  const auto namespaces = cache.namespaces()->snapshot();
  if (namespaces->get("", namespace_name) == nullptr) return std::nullopt;
  // Held for the analysis, which reads them in place.
  const auto pods = cache.pods().snapshot();
  const auto replica_sets = cache.replicaSets()->snapshot();
  const auto events = cache.events()->snapshot();
  analysis::NamespaceObjects objects;
  objects.pods = workloadPods(*pods, namespace_name);
  kube::appendPointers(replica_sets->list(namespace_name), objects.replica_sets);
  kube::appendPointers(events->list(namespace_name), objects.events);
  throwIfCancelled(cancel, "namespace analysis");
  auto analysis = analysis::analyzeNamespaceErrors(namespace_name, objects, now, options);
  throwIfCancelled(cancel, "namespace analysis");
  return docs::namespaceErrorDocument(analysis);
}

nlohmann::json cachedClusterPodIssuesDocument(const kube::ClusterCache& cache,
                                              const std::string& namespace_name,
                                              const analysis::NamespaceErrorOptions& options,
                                              const analysis::PodIssueFilter& filter,
                                              const analysis::PodIssuesPage& page, kube::Time now,
                                              const std::stop_token& cancel) {
  cache.requireClusterMode("the cluster pod issues");
  if (!namespace_name.empty()) kube::requireNamespaceName(namespace_name);
  if (!page.after.empty()) {
    const auto slash = page.after.find('/');
    if (slash == std::string::npos) {
      throw Error(ErrorCode::kBadInput,
                  "continue: expected the token of a previous page (namespace/name), got '" +
                      page.after + "'");
    }
    kube::validatePodName(std::string_view(page.after).substr(0, slash),
                          std::string_view(page.after).substr(slash + 1));
  }
  // Held for the analysis, which reads them in place.
  const auto pods = cache.pods().snapshot();
  const auto replica_sets = cache.replicaSets()->snapshot();
  const auto events = cache.events()->snapshot();
  analysis::ClusterPodObjects objects;
  kube::appendPointers(namespace_name.empty() ? pods->all() : pods->list(namespace_name),
                       objects.pods);
  objects.replica_sets = [&replica_sets](std::string_view ns) {
    std::vector<const kube::ReplicaSet*> out;
    kube::appendPointers(replica_sets->list(ns), out);
    return out;
  };
  objects.events = [&events](std::string_view ns) {
    std::vector<const kube::Event*> out;
    kube::appendPointers(events->list(ns), out);
    return out;
  };
  const auto analysis =
      analysis::analyzeClusterPodIssues(objects, now, options, filter, page, cancel);
  return docs::clusterPodIssuesDocument(analysis, namespace_name, filter);
}

}  // namespace keelson::api
