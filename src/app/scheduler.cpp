#include "app/scheduler.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "app/cluster_access.h"
#include "app/health_endpoints.h"
#include "core/error.h"
#include "core/log.h"
#include "core/uuid.h"
#include "host/hostname.h"
#include "kube/informer.h"
#include "kube/leader_election.h"
#include "kube/storage.h"
#include "schedule/api_sink.h"
#include "schedule/scheduler.h"
#include "server/metrics.h"
#include "server/server.h"

namespace keelson::app {
namespace {

using nlohmann::json;

bool terminated(const kube::Pod& pod) {
  return pod.status.phase == "Succeeded" || pod.status.phase == "Failed";
}

/// Whether a pod that did not fit may fit once another pod is bound or relabelled: only
/// InterPodAffinity (required pod affinity) and PodTopologySpread (DoNotSchedule) filters can
/// turn from rejecting to accepting then; resources, ports and anti-affinity only get tighter.
bool mayFitNextToAnotherPod(const kube::Pod& pod) {
  if (pod.spec.affinity && pod.spec.affinity->pod_affinity &&
      !pod.spec.affinity->pod_affinity->required.empty()) {
    return true;
  }
  return std::any_of(
      pod.spec.topology_spread_constraints.begin(), pod.spec.topology_spread_constraints.end(),
      [](const auto& constraint) { return constraint.when_unsatisfiable != "ScheduleAnyway"; });
}

/// A node change that can make a pod fit where it did not (kube-scheduler's
/// nodeSchedulingPropertiesChange): allocatable, labels, taints, cordoning, conditions.
bool schedulingPropertiesChanged(const kube::Node& before, const kube::Node& after) {
  const auto conditions = [](const kube::Node& node) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& c : node.status.conditions) out.emplace_back(c.type, c.status);
    return out;
  };
  const auto taints = [](const kube::Node& node) {
    std::vector<std::tuple<std::string, std::string, std::string>> out;
    for (const auto& t : node.spec.taints) out.emplace_back(t.key, t.value, t.effect);
    return out;
  };
  return before.spec.unschedulable != after.spec.unschedulable ||
         before.status.allocatable != after.status.allocatable ||
         before.metadata.labels != after.metadata.labels || taints(before) != taints(after) ||
         conditions(before) != conditions(after);
}

template <class T>
std::unique_ptr<kube::Informer<T>> makeInformer(const kube::Client& client, std::string resource,
                                                std::string path) {
  kube::InformerOptions options;
  options.resource = std::move(resource);
  options.path = std::move(path);
  return std::make_unique<kube::Informer<T>>(client, std::move(options));
}

/// The objects besides nodes and pods, held by their snapshots.
struct ObjectSnapshots {
  kube::SnapshotHandle<kube::PersistentVolumeClaim> pvcs;
  kube::SnapshotHandle<kube::PersistentVolume> pvs;
  kube::SnapshotHandle<kube::StorageClass> storage_classes;
  kube::SnapshotHandle<kube::Namespace> namespaces;
};

class SchedulerApp {
 public:
  explicit SchedulerApp(const SchedulerOptions& options)
      : options_(options),
        identity_(options.identity.empty() ? host::processHostName() + "_" + core::randomUuid()
                                           : options.identity),
        access_(options.kube, ClientProfile::kService, options.api_timeout),
        queue_(options.queue),
        sink_(access_.client(), options.scheduler_name, identity_),
        profile_{&schedule::framework::Framework::schedulerFilters(),
                 schedule::framework::makeScorePlugins(options.scores),
                 options.percentage_of_nodes_to_score},
        pods_(makeInformer<kube::Pod>(access_.client(), "pods", "/api/v1/pods")),
        nodes_(makeInformer<kube::Node>(access_.client(), "nodes", "/api/v1/nodes")),
        pvcs_(makeInformer<kube::PersistentVolumeClaim>(access_.client(), "persistentvolumeclaims",
                                                        "/api/v1/persistentvolumeclaims")),
        pvs_(makeInformer<kube::PersistentVolume>(access_.client(), "persistentvolumes",
                                                  "/api/v1/persistentvolumes")),
        storage_classes_(makeInformer<kube::StorageClass>(
            access_.client(), "storageclasses", "/apis/storage.k8s.io/v1/storageclasses")),
        namespaces_(
            makeInformer<kube::Namespace>(access_.client(), "namespaces", "/api/v1/namespaces")) {
    if (options.leader_elect) {
      kube::LeaderElectionConfig config;
      config.lease_namespace = options.lease_namespace;
      config.lease_name = options.lease_name;
      config.identity = identity_;
      config.lease_duration = options.lease_duration;
      config.renew_deadline = options.renew_deadline;
      config.retry_period = options.retry_period;
      elector_ = std::make_unique<kube::LeaderElector>(access_.client(), std::move(config));
    }
    addHandlers();
    addMetrics();
  }

  int run(const std::stop_token& stop) {
    for (kube::InformerBase* informer : informers()) informer->start();
    server::Server health(healthServerOptions(options_.address, options_.port, registry_),
                          healthRoutes([this] { return readiness(); }, registry_));
    health.start();
    core::logEvent(spdlog::level::info, "scheduler: started",
                   {{"scheduler_name", options_.scheduler_name},
                    {"identity", identity_},
                    {"leader_elect", options_.leader_elect},
                    {"port", static_cast<std::int64_t>(health.port())}});
    if (elector_) {
      elector_->start([this] { startScheduling(); }, [this] { leadershipLost(); });
    } else {
      startScheduling();
    }
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, stop, [this] { return lost_; });
      stopping_ = true;
    }
    stopScheduling();
    if (elector_) elector_->stop();  // Releases the Lease for a quick hand-over.
    health.stop(std::chrono::seconds(1));
    for (kube::InformerBase* informer : informers()) informer->stop();
    const bool lost = lostLeadership();
    core::logEvent(lost ? spdlog::level::err : spdlog::level::info,
                   lost ? "scheduler: leader election lost, exiting" : "scheduler: stopped",
                   {{"identity", identity_}});
    return lost ? 1 : 0;
  }

 private:
  std::vector<kube::InformerBase*> informers() const {
    return {pods_.get(), nodes_.get(),           pvcs_.get(),
            pvs_.get(),  storage_classes_.get(), namespaces_.get()};
  }
  bool synced() const {
    for (const kube::InformerBase* informer : informers()) {
      if (!informer->hasSynced()) return false;
    }
    return true;
  }
  bool ours(const kube::Pod& pod) const {
    return pod.spec.scheduler_name == options_.scheduler_name && pod.spec.node_name.empty() &&
           !terminated(pod) && !kube::isSet(pod.metadata.deletion_timestamp) &&
           !pod.metadata.uid.empty();
  }

  // ----- informer handlers: the cache and the queue --------------------------------------
  void podChanged(const kube::Pod* before, const kube::Pod& pod) {
    if (!pod.spec.node_name.empty()) {
      queue_.remove(pod.metadata.uid);
      cache_.upsertPod(pod);
      // A pod that ended frees its node's resources.
      if (terminated(pod) && before != nullptr && !terminated(*before)) {
        queue_.moveAllToActiveOrBackoff();
      } else if (!terminated(pod) && (before == nullptr || before->spec.node_name.empty() ||
                                      before->metadata.labels != pod.metadata.labels)) {
        // A pod bound, or relabelled, where pods waiting for it may now fit (kube-scheduler's
        // AssignedPodAdd and AssignedPodUpdate events).
        queue_.moveToActiveOrBackoff(mayFitNextToAnotherPod);
      }
    } else if (ours(pod)) {
      queue_.add(pod);
    } else {
      queue_.remove(pod.metadata.uid);
    }
  }
  void podDeleted(const kube::Pod& pod) {
    queue_.remove(pod.metadata.uid);
    cache_.removePod(pod);
    if (!pod.spec.node_name.empty()) queue_.moveAllToActiveOrBackoff();
  }
  void addHandlers() {
    pods_->addHandlers(
        {[this](const kube::Pod& pod) { podChanged(nullptr, pod); },
         [this](const kube::Pod& before, const kube::Pod& after) { podChanged(&before, after); },
         [this](const kube::Pod& pod) { podDeleted(pod); }});
    nodes_->addHandlers(
        {[this](const kube::Node& node) {
           cache_.upsertNode(node);
           queue_.moveAllToActiveOrBackoff();
         },
         [this](const kube::Node& before, const kube::Node& after) {
           cache_.upsertNode(after);
           if (schedulingPropertiesChanged(before, after)) {
             queue_.moveAllToActiveOrBackoff();
           }
         },
         [this](const kube::Node& node) { cache_.removeNode(node.metadata.name); }});
    const auto move = [this](const auto&...) { queue_.moveAllToActiveOrBackoff(); };
    pvcs_->addHandlers({move, move, {}});
    pvs_->addHandlers({move, move, {}});
    storage_classes_->addHandlers({move, {}, {}});
  }

  // ----- the scheduling loop, run while leading ------------------------------------------
  schedule::ObjectsView objects() const {
    auto held = std::make_shared<ObjectSnapshots>(
        ObjectSnapshots{pvcs_->snapshot(), pvs_->snapshot(), storage_classes_->snapshot(),
                        namespaces_->snapshot()});
    schedule::ObjectsView out;
    out.view.pvcs = kube::pointersOf(*held->pvcs);
    out.view.pvs = kube::pointersOf(*held->pvs);
    out.view.storage_classes = kube::pointersOf(*held->storage_classes);
    out.view.namespaces = kube::pointersOf(*held->namespaces);
    out.keep_alive = std::move(held);
    return out;
  }
  void startScheduling() {
    const std::lock_guard lock(loop_mutex_);
    loop_ = std::jthread([this](const std::stop_token& stop) {
      // Scheduling on a partial cache would overcommit nodes it has not seen the pods of.
      while (!synced()) {
        if (!core::systemClock()->sleepFor(std::chrono::milliseconds(100), stop)) return;
      }
      core::logEvent(spdlog::level::info, "scheduler: scheduling",
                     {{"identity", identity_}, {"nodes", cache_.nodeCount()}});
      schedule::SchedulerHooks hooks;
      hooks.objects = [this] { return objects(); };
      hooks.may_bind = [this, stop] {
        return !stop.stop_requested() && (!elector_ || elector_->isLeader());
      };
      hooks.observe = [this](const schedule::Attempt& attempt) { observe(attempt); };
      schedule::Scheduler loop(profile_, cache_, queue_, sink_, std::move(hooks));
      loop.run(stop);
    });
  }
  void stopScheduling() {
    const std::lock_guard lock(loop_mutex_);
    if (loop_.joinable()) {
      loop_.request_stop();
      loop_.join();
    }
  }
  void leadershipLost() {
    // Called on the elector's thread, with isLeader() already false: binding has stopped.
    const std::lock_guard lock(mutex_);
    if (stopping_) return;
    lost_ = true;
    changed_.notify_all();
  }
  bool lostLeadership() const {
    const std::lock_guard lock(mutex_);
    return lost_;
  }

  // ----- metrics and health --------------------------------------------------------------
  void observe(const schedule::Attempt& attempt) {
    const std::string result(schedule::attemptResultName(attempt.result));
    attempts_->inc({result, options_.scheduler_name});
    attempt_duration_->observe({result, options_.scheduler_name}, attempt.duration.count());
    if (attempt.result == schedule::AttemptResult::kScheduled) {
      sli_duration_->observe({std::to_string(attempt.attempts)}, attempt.since_queued.count());
      core::logEvent(spdlog::level::debug, "scheduler: bound",
                     {{"pod", attempt.pod}, {"node", attempt.node}});
      return;
    }
    core::logEvent(attempt.result == schedule::AttemptResult::kError ? spdlog::level::warn
                                                                     : spdlog::level::debug,
                   "scheduler: not scheduled",
                   {{"pod", attempt.pod}, {"result", result}, {"message", attempt.message}});
  }
  void addMetrics() {
    attempts_ = &registry_->counter("keelson_scheduler_schedule_attempts_total",
                                    "Attempts to schedule pods, by result (scheduled, "
                                    "unschedulable, error) and profile.",
                                    {"result", "profile"});
    attempt_duration_ = &registry_->histogram(
        "keelson_scheduler_scheduling_attempt_duration_seconds",
        "Scheduling attempt latency in seconds (the algorithm and the binding).",
        {"result", "profile"}, server::exponentialBuckets(0.001, 2, 15));
    sli_duration_ = &registry_->histogram(
        "keelson_scheduler_pod_scheduling_sli_duration_seconds",
        "Seconds from a pod's entry into the scheduling queue to its binding, by attempts.",
        {"attempts"}, server::exponentialBuckets(0.01, 2, 20));
    registry_->callbackGauge("keelson_scheduler_pending_pods",
                             "Pending pods by queue: active, backoff, unschedulable.", {"queue"},
                             [this] {
                               const schedule::QueueDepths d = queue_.depths();
                               return std::vector<server::GaugeSample>{
                                   {{"active"}, static_cast<double>(d.active)},
                                   {{"backoff"}, static_cast<double>(d.backoff)},
                                   {{"unschedulable"}, static_cast<double>(d.unschedulable)}};
                             });
    registry_->callbackGauge("keelson_scheduler_cache_size",
                             "Nodes and assumed pods in the scheduler's cache.", {"type"}, [this] {
                               return std::vector<server::GaugeSample>{
                                   {{"nodes"}, static_cast<double>(cache_.nodeCount())},
                                   {{"assumed_pods"}, static_cast<double>(cache_.assumedPods())}};
                             });
    registry_->callbackGauge(
        "keelson_scheduler_leader_election_master_status",
        "1 while this replica holds the Lease (always 1 without leader election).", {"name"},
        [this] {
          const bool leading = !elector_ || elector_->isLeader();
          return std::vector<server::GaugeSample>{{{options_.lease_name}, leading ? 1.0 : 0.0}};
        });
  }
  Readiness readiness() const {
    const bool ready = synced();
    return {ready, json{{"ready", ready},
                        {"leader", !elector_ || elector_->isLeader()},
                        {"holder", elector_ ? elector_->leader() : identity_}}};
  }

  const SchedulerOptions& options_;
  std::string identity_;
  ClusterAccess access_;
  schedule::SchedulerCache cache_;
  schedule::SchedulingQueue queue_;
  schedule::ApiSchedulerSink sink_;
  schedule::Profile profile_;
  std::unique_ptr<kube::Informer<kube::Pod>> pods_;
  std::unique_ptr<kube::Informer<kube::Node>> nodes_;
  std::unique_ptr<kube::Informer<kube::PersistentVolumeClaim>> pvcs_;
  std::unique_ptr<kube::Informer<kube::PersistentVolume>> pvs_;
  std::unique_ptr<kube::Informer<kube::StorageClass>> storage_classes_;
  std::unique_ptr<kube::Informer<kube::Namespace>> namespaces_;
  std::unique_ptr<kube::LeaderElector> elector_;
  std::shared_ptr<server::Registry> registry_ = std::make_shared<server::Registry>();
  server::CounterFamily* attempts_ = nullptr;
  server::HistogramFamily* attempt_duration_ = nullptr;
  server::HistogramFamily* sli_duration_ = nullptr;
  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  bool lost_ = false;
  bool stopping_ = false;
  std::mutex loop_mutex_;
  std::jthread loop_;
};

}  // namespace

int runScheduler(const SchedulerOptions& options, const std::stop_token& stop) {
  SchedulerApp app(options);
  return app.run(stop);
}

}  // namespace keelson::app
