#include "app/schedule_pod.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "core/clock.h"
#include "docs/placement_document.h"
#include "kube/decode.h"
#include "kube/list.h"
#include "schedule/framework/snapshot.h"

namespace keelson::app {
namespace {

namespace fw = schedule::framework;
using nlohmann::json;

fw::ClusterObjects listCluster(const kube::Client& client, const std::stop_token& stop) {
  fw::ClusterObjects out;
  out.nodes = kube::listAll<kube::Node>(client, "/api/v1/nodes", {}, stop).items;
  out.pods = kube::listAll<kube::Pod>(client, "/api/v1/pods", {}, stop).items;
  out.pvcs =
      kube::listAll<kube::PersistentVolumeClaim>(client, "/api/v1/persistentvolumeclaims", {}, stop)
          .items;
  out.pvs =
      kube::listAll<kube::PersistentVolume>(client, "/api/v1/persistentvolumes", {}, stop).items;
  out.storage_classes =
      kube::listAll<kube::StorageClass>(client, "/apis/storage.k8s.io/v1/storageclasses", {}, stop)
          .items;
  out.namespaces = kube::listAll<kube::Namespace>(client, "/api/v1/namespaces", {}, stop).items;
  return out;
}

/// A container waiting for a reason that will not fix itself.
bool stuck(std::string_view reason) {
  static constexpr std::array<std::string_view, 7> kStuck = {
      "ErrImagePull",         "ImagePullBackOff",           "InvalidImageName", "CrashLoopBackOff",
      "CreateContainerError", "CreateContainerConfigError", "RunContainerError"};
  for (std::string_view s : kStuck) {
    if (s == reason) return true;
  }
  return false;
}

/// The pod's state as a WaitOutcome (elapsed left to the caller).
WaitOutcome outcomeOf(const kube::Pod& pod) {
  WaitOutcome out;
  out.phase = pod.status.phase;
  out.node = pod.spec.node_name;
  out.running = pod.status.phase == "Running";
  out.failed = pod.status.phase == "Failed";
  if (out.failed) out.reason = fmt::format("{}: {}", pod.status.reason, pod.status.message);
  for (const auto& c : pod.status.container_statuses) {
    if (c.state.kind != kube::ContainerState::Kind::kWaiting) continue;
    out.reason = fmt::format("container {}: {}: {}", c.name, c.state.reason, c.state.message);
    if (stuck(c.state.reason)) out.failed = true;
  }
  for (const auto& c : pod.status.conditions) {
    if (out.reason.empty() && c.type == "PodScheduled" && c.status == "False") {
      out.reason = fmt::format("{}: {}", c.reason, c.message);
    }
  }
  if (out.running) out.reason.clear();
  return out;
}

WaitOutcome follow(const kube::Client& client, const act::PodRequest& pod,
                   const SchedulePodOptions& options, const std::stop_token& stop) {
  const auto clock = core::systemClock();
  const auto start = clock->steadyNow();
  const std::string path =
      fmt::format("/api/v1/namespaces/{}/pods/{}", pod.namespace_name, pod.name);
  WaitOutcome out;
  while (true) {
    out = outcomeOf(kube::decodeObject<kube::Pod>(client.get(path, stop)));
    out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock->steadyNow() - start);
    if (out.running || out.failed || out.elapsed >= options.wait) return out;
    if (!clock->sleepFor(options.poll, stop)) return out;
  }
}

/// The create of the pod succeeded (whether or not the binding did).
bool podCreated(const act::ActionResult& result) {
  return std::any_of(result.calls.begin(), result.calls.end(), [](const act::ApiCall& call) {
    return call.method == "POST" && call.status >= 200 && call.status < 300 &&
           call.path.find("/binding") == std::string::npos;
  });
}

}  // namespace

SchedulePodReport schedulePod(WriteSession& session, const SchedulePodOptions& options,
                              const std::function<void(const schedule::Placement&)>& on_ranked,
                              std::stop_token stop) {
  SchedulePodReport report;
  report.manifest = act::podManifest(options.pod);
  const kube::Pod pod = kube::decodeObject<kube::Pod>(report.manifest.dump());
  const fw::ClusterObjects objects = listCluster(session.client(), stop);
  const fw::ClusterView view = fw::viewOf(objects);
  const fw::PodInfo info(pod);
  const fw::Snapshot snapshot(view, pod);
  const schedule::Profile profile{&fw::Framework::schedulerFilters(),
                                  fw::makeScorePlugins(options.scores)};
  report.placement = schedule::place(profile, info, snapshot, schedule::Detail::kExplain);
  if (on_ranked) on_ranked(report.placement);
  if (options.rank_only || report.placement.node.empty()) return report;

  act::ActionSpec spec{"schedule", "pod/" + options.pod.name, options.pod.namespace_name,
                       options.write,
                       json{{"node", report.placement.node}, {"pod", report.manifest}}};
  report.action = session.actuator().run(
      spec,
      [&](act::ActionContext& context) {
        return act::createBoundPod(context, report.manifest, report.placement.node);
      },
      stop);
  if (options.wait.count() > 0 && podCreated(*report.action) &&
      options.write.dry_run == act::DryRun::kNone) {
    report.wait = follow(session.client(), options.pod, options, stop);
  }
  return report;
}

json scheduleReportDocument(const SchedulePodReport& report) {
  json out = {{"pod", report.manifest}, {"placement", docs::placementDocument(report.placement)}};
  if (report.action) out["action"] = act::toJson(*report.action);
  if (report.wait) {
    const WaitOutcome& w = *report.wait;
    out["wait"] = {{"running", w.running},
                   {"failed", w.failed},
                   {"phase", w.phase},
                   {"node", w.node},
                   {"reason", w.reason},
                   {"elapsedSeconds", static_cast<double>(w.elapsed.count()) / 1000.0}};
  }
  return out;
}

}  // namespace keelson::app
