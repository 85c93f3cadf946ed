#include "kube/cluster_cache.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "core/error.h"
#include "kube/list.h"
#include "kube/pod_indexes.h"

namespace keelson::kube {

namespace {

template <class T>
std::unique_ptr<Informer<T>> makeInformer(const Client& client, const ClusterCacheOptions& options,
                                          std::string resource, std::string path,
                                          std::string field_selector = {}) {
  InformerOptions informer_options;
  informer_options.resource = std::move(resource);
  informer_options.path = std::move(path);
  informer_options.field_selector = std::move(field_selector);
  informer_options.page_size = options.page_size;
  informer_options.watch_timeout_seconds = options.watch_timeout_seconds;
  informer_options.backoff = options.backoff;
  informer_options.clock = options.clock;
  return std::make_unique<Informer<T>>(client, std::move(informer_options));
}

}  // namespace

ClusterCache::ClusterCache(const Client& client, ClusterCacheOptions options)
    : client_(client), node_name_(options.node_name), clock_(options.clock) {
  const bool cluster_mode = node_name_.empty();
  // Node mode: the API server filters by field; nothing cluster-wide is listed or watched.
  pods_ = makeInformer<Pod>(client, options, "pods", "/api/v1/pods",
                            cluster_mode ? std::string() : "spec.nodeName=" + node_name_);
  pods_->addIndex(std::string(kPodsByControllerKind), podControllerKindKeys);
  nodes_ = makeInformer<Node>(client, options, "nodes", "/api/v1/nodes",
                              cluster_mode ? std::string() : "metadata.name=" + node_name_);
  if (!cluster_mode) return;
  events_ = makeInformer<Event>(client, options, "events", "/api/v1/events");
  events_->addIndex(std::string(kEventsByPod), eventPodKeys);
  if (options.events_v1) {
    events_v1_ =
        makeInformer<Event>(client, options, "events.k8s.io", "/apis/events.k8s.io/v1/events");
  }
  namespaces_ = makeInformer<Namespace>(client, options, "namespaces", "/api/v1/namespaces");
  deployments_ =
      makeInformer<Deployment>(client, options, "deployments", "/apis/apps/v1/deployments");
  replica_sets_ =
      makeInformer<ReplicaSet>(client, options, "replicasets", "/apis/apps/v1/replicasets");
  stateful_sets_ =
      makeInformer<StatefulSet>(client, options, "statefulsets", "/apis/apps/v1/statefulsets");
  daemon_sets_ = makeInformer<DaemonSet>(client, options, "daemonsets", "/apis/apps/v1/daemonsets");
  jobs_ = makeInformer<Job>(client, options, "jobs", "/apis/batch/v1/jobs");
  pdbs_ = makeInformer<PodDisruptionBudget>(client, options, "poddisruptionbudgets",
                                            "/apis/policy/v1/poddisruptionbudgets");
  pvs_ = makeInformer<PersistentVolume>(client, options, "persistentvolumes",
                                        "/api/v1/persistentvolumes");
  pvcs_ = makeInformer<PersistentVolumeClaim>(client, options, "persistentvolumeclaims",
                                              "/api/v1/persistentvolumeclaims");
  storage_classes_ = makeInformer<StorageClass>(client, options, "storageclasses",
                                                "/apis/storage.k8s.io/v1/storageclasses");
}

ClusterCache::~ClusterCache() { stop(); }

std::vector<InformerBase*> ClusterCache::informers() const {
  std::vector<InformerBase*> out = {pods_.get(),         nodes_.get(),          events_.get(),
                                    events_v1_.get(),    namespaces_.get(),     deployments_.get(),
                                    replica_sets_.get(), stateful_sets_.get(),  daemon_sets_.get(),
                                    jobs_.get(),         pdbs_.get(),           pvs_.get(),
                                    pvcs_.get(),         storage_classes_.get()};
  std::erase(out, nullptr);
  return out;
}

void ClusterCache::start() {
  for (InformerBase* informer : informers()) informer->start();
}

void ClusterCache::stop() noexcept {
  // Stopping joins; stop them side by side so shutdown takes one informer's time, not 14.
  std::vector<std::jthread> stoppers;
  try {
    for (InformerBase* informer : informers()) {
      stoppers.emplace_back([informer] { informer->stop(); });
    }
  } catch (...) {
    // Could not start a thread: stop the rest one by one.
    for (InformerBase* informer : informers()) informer->stop();
  }
}

bool ClusterCache::hasSynced() const {
  const auto all = informers();
  return std::all_of(all.begin(), all.end(),
                     [](const InformerBase* informer) { return informer->hasSynced(); });
}

bool ClusterCache::waitForSync(std::chrono::milliseconds timeout) const {
  const auto deadline = core::Clock::saturatingAdd(clock_->steadyNow(), timeout);
  for (const InformerBase* informer : informers()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_->steadyNow());
    if (!informer->waitForSync(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

void ClusterCache::requireClusterMode(std::string_view what) const {
  if (!nodeMode()) return;
  throw Error(ErrorCode::kConflict,
              fmt::format("{} needs the whole cluster, but this agent runs in node mode (--node "
                          "{}) and caches only that node and its pods: ask the cluster-wide "
                          "keelson (the Deployment, `keelson serve` without --node)",
                          what, node_name_));
}

std::vector<Event> ClusterCache::listPodEvents(const Pod& pod, std::stop_token stop) const {
  ListOptions options;
  options.field_selector = "involvedObject.uid=" + pod.metadata.uid;
  return listAll<Event>(client_,
                        fmt::format("/api/v1/namespaces/{}/events", pod.metadata.namespace_name),
                        std::move(options), std::move(stop))
      .items;
}

std::vector<InformerStatus> ClusterCache::statuses() const {
  std::vector<InformerStatus> out;
  for (const InformerBase* informer : informers()) out.push_back(informer->status());
  return out;
}

std::vector<InformerFreshness> ClusterCache::freshness() const {
  std::vector<InformerFreshness> out;
  for (const InformerBase* informer : informers()) out.push_back(informer->freshness());
  return out;
}

}  // namespace keelson::kube
