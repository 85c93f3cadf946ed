#include "kube/cluster_cache.h"

#include <algorithm>
#include <thread>

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
    : clock_(options.clock),
      pods_(makeInformer<Pod>(
          client, options, "pods", "/api/v1/pods",
          options.node_name.empty() ? std::string() : "spec.nodeName=" + options.node_name)),
      nodes_(makeInformer<Node>(client, options, "nodes", "/api/v1/nodes")),
      events_(makeInformer<Event>(client, options, "events", "/api/v1/events")),
      events_v1_(options.events_v1 ? makeInformer<Event>(client, options, "events.k8s.io",
                                                         "/apis/events.k8s.io/v1/events")
                                   : nullptr),
      namespaces_(makeInformer<Namespace>(client, options, "namespaces", "/api/v1/namespaces")),
      deployments_(
          makeInformer<Deployment>(client, options, "deployments", "/apis/apps/v1/deployments")),
      replica_sets_(
          makeInformer<ReplicaSet>(client, options, "replicasets", "/apis/apps/v1/replicasets")),
      stateful_sets_(
          makeInformer<StatefulSet>(client, options, "statefulsets", "/apis/apps/v1/statefulsets")),
      daemon_sets_(
          makeInformer<DaemonSet>(client, options, "daemonsets", "/apis/apps/v1/daemonsets")),
      jobs_(makeInformer<Job>(client, options, "jobs", "/apis/batch/v1/jobs")),
      pdbs_(makeInformer<PodDisruptionBudget>(client, options, "poddisruptionbudgets",
                                              "/apis/policy/v1/poddisruptionbudgets")),
      pvs_(makeInformer<PersistentVolume>(client, options, "persistentvolumes",
                                          "/api/v1/persistentvolumes")),
      pvcs_(makeInformer<PersistentVolumeClaim>(client, options, "persistentvolumeclaims",
                                                "/api/v1/persistentvolumeclaims")),
      storage_classes_(makeInformer<StorageClass>(client, options, "storageclasses",
                                                  "/apis/storage.k8s.io/v1/storageclasses")) {}

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

std::vector<InformerStatus> ClusterCache::statuses() const {
  std::vector<InformerStatus> out;
  for (const InformerBase* informer : informers()) out.push_back(informer->status());
  return out;
}

}  // namespace keelson::kube
