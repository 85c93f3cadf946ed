#include "analysis/pod_sample.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace keelson::analysis {
namespace {

std::string key(std::string_view namespace_name, std::string_view name) {
  std::string out(namespace_name);
  out += '/';
  out += name;
  return out;
}

void addReasons(const kube::List<kube::ContainerStatus>& statuses, PodSample& out) {
  for (const auto& s : statuses) {
    const auto tagged = [&s](const std::string& reason) { return s.name + "=" + reason; };
    if (s.state.kind == kube::ContainerState::Kind::kWaiting && !s.state.reason.empty()) {
      out.waiting_reasons.push_back(tagged(s.state.reason));
    }
    if (s.state.kind == kube::ContainerState::Kind::kTerminated) {
      out.terminated_reasons.push_back(tagged(s.state.reason.empty() ? "Unknown" : s.state.reason));
    }
    if (s.last_state.kind == kube::ContainerState::Kind::kTerminated) {
      out.last_terminated_reasons.push_back(
          tagged(s.last_state.reason.empty() ? "Unknown" : s.last_state.reason));
    }
  }
}

// Warning events per pod ("namespace/name") whose latest occurrence is in (since, now].
std::unordered_map<std::string, int> warningsByPod(const std::vector<kube::Event>* events,
                                                   kube::Time since, kube::Time now) {
  std::unordered_map<std::string, int> out;
  if (events == nullptr) return out;
  for (const auto& e : *events) {
    if (e.type != "Warning" || e.regarding.kind != "Pod") continue;
    if (e.last_time <= since || e.last_time > now) continue;
    ++out[key(e.regarding.namespace_name, e.regarding.name)];
  }
  return out;
}

void addScheduling(const kube::Pod& pod, PodSample& out) {
  for (const auto& c : pod.status.conditions) {
    if (c.type != "PodScheduled") continue;
    out.unschedulable = c.status == "False";
    out.scheduled_condition_since = c.last_transition_time;
  }
}

}  // namespace

std::vector<PodSample> samplePods(const ClusterState& state, const ClusterSummary& summary,
                                  const PreviousTick& previous, const SampleInputs& inputs) {
  std::unordered_map<std::string, const kube::Pod*> pods;
  for (const auto& pod : state.pods) {
    pods[key(pod.metadata.namespace_name, pod.metadata.name)] = &pod;
  }
  const auto warnings = warningsByPod(inputs.events, previous.timestamp, inputs.now);
  std::vector<PodSample> out;
  out.reserve(summary.pods.size());
  for (const auto& pod_summary : summary.pods) {
    const std::string pod_key = key(pod_summary.namespace_name, pod_summary.name);
    PodSample sample;
    sample.summary = pod_summary;
    if (const auto it = pods.find(pod_key); it != pods.end()) {
      const kube::Pod& pod = *it->second;
      sample.uid = pod.metadata.uid;
      sample.created = pod.metadata.creation_timestamp;
      addReasons(pod.status.init_container_statuses, sample);
      addReasons(pod.status.container_statuses, sample);
      addScheduling(pod, sample);
    }
    if (const auto it = previous.restarts_by_uid.find(sample.uid);
        it != previous.restarts_by_uid.end()) {
      // A restart count never decreases for one uid; guard anyway against a reused uid.
      sample.restarts_since_last_tick = std::max(0, pod_summary.restarts - it->second);
    }
    if (const auto it = warnings.find(pod_key); it != warnings.end()) {
      sample.warning_events = it->second;
    }
    if (inputs.network != nullptr) {
      if (const auto it = inputs.network->find(pod_key); it != inputs.network->end()) {
        sample.network = it->second;
      }
    }
    out.push_back(std::move(sample));
  }
  return out;
}

void advanceTick(PreviousTick& previous, const std::vector<PodSample>& samples, kube::Time now) {
  previous.timestamp = now;
  updateByUid(previous.restarts_by_uid, samples,
              [](int& restarts, const PodSample& sample) { restarts = sample.summary.restarts; });
}

}  // namespace keelson::analysis
