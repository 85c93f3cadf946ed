// The pod health score on pods and events in the API's own shapes (core/v1 as kube-apiserver
// serves them, reasons as kubelet writes them), decoded by kube::decodeObject like the cache
// decodes them. Expected scores are worked out by hand from the model documented in
// analysis/health_score.h, written out next to each assertion.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/health_score.h"
#include "kube/decode.h"

namespace keelson::analysis {
namespace {

using nlohmann::json;

constexpr const char* kUid = "0b9d1d7e-3c4a-4f7e-9a55-5f3f4c1d2e01";

// The evaluation time used by every test: two hours after the pod started.
const kube::Time kNow = kube::parseTime("2026-11-21T12:00:00Z");

json condition(const char* type, const char* status, const char* reason = nullptr) {
  json c = {{"type", type},
            {"status", status},
            {"lastProbeTime", nullptr},
            {"lastTransitionTime", "2026-11-21T10:00:05Z"}};
  if (reason != nullptr) c["reason"] = reason;
  return c;
}

json runningStatus(const char* name, int restarts, bool ready = true) {
  return {{"name", name},
          {"ready", ready},
          {"started", true},
          {"restartCount", restarts},
          {"image", "shop/web:1.4"},
          {"imageID", ""},
          {"containerID", "containerd://abc"},
          {"state", {{"running", {{"startedAt", "2026-11-21T10:00:03Z"}}}}},
          {"lastState", json::object()}};
}

// A pod "web" in "shop" on node-1, started at 10:00 (two hours before kNow), with one container
// "app" running and ready and every condition True.
json healthyPodJson() {
  return {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", "web"},
        {"namespace", "shop"},
        {"uid", kUid},
        {"resourceVersion", "900"},
        {"creationTimestamp", "2026-11-21T10:00:00Z"}}},
      {"spec",
       {{"nodeName", "node-1"}, {"containers", {{{"name", "app"}, {"image", "shop/web:1.4"}}}}}},
      {"status",
       {{"phase", "Running"},
        {"startTime", "2026-11-21T10:00:00Z"},
        {"conditions",
         {condition("Initialized", "True"), condition("Ready", "True"),
          condition("ContainersReady", "True"), condition("PodScheduled", "True")}},
        {"containerStatuses", {runningStatus("app", 0)}}}}};
}

kube::Pod decodePod(const json& pod) { return kube::decodeObject<kube::Pod>(pod.dump()); }

// A core/v1 event about pod shop/web.
kube::Event event(const char* type, const char* reason, const char* last, int count = 1,
                  const char* uid = kUid) {
  const json e = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata",
       {{"name", std::string("web.") + reason},
        {"namespace", "shop"},
        {"creationTimestamp", "2026-11-21T10:00:00Z"}}},
      {"involvedObject", {{"kind", "Pod"}, {"namespace", "shop"}, {"name", "web"}, {"uid", uid}}},
      {"reason", reason},
      {"message", std::string(reason) + " message"},
      {"source", {{"component", "kubelet"}, {"host", "node-1"}}},
      {"firstTimestamp", "2026-11-21T10:00:00Z"},
      {"lastTimestamp", last},
      {"count", count},
      {"type", type}};
  return kube::decodeObject<kube::Event>(e.dump());
}

// The weighted total by the documented formula, from the four component scores.
int total(int restarts, int states, int conditions, int warnings) {
  return (restarts * 30 + states * 30 + conditions * 25 + warnings * 15 + 50) / 100;
}

TEST(HealthScore, RunningReadyPodWithoutRestartsOrEventsScores100) {
  const HealthScore s = scorePodHealth(decodePod(healthyPodJson()), {}, kNow);
  EXPECT_EQ(s.pod_name, "web");
  EXPECT_EQ(s.namespace_name, "shop");
  EXPECT_EQ(s.phase, "Running");
  EXPECT_EQ(s.restarts.score, 100);
  EXPECT_EQ(s.restarts.restart_count, 0);
  EXPECT_EQ(s.restarts.pod_age, std::chrono::hours(2));
  EXPECT_EQ(s.container_states.score, 100);
  ASSERT_EQ(s.container_states.containers.size(), 1U);
  EXPECT_EQ(s.container_states.containers[0].state, "running");
  EXPECT_EQ(s.conditions.score, 100);
  EXPECT_EQ(s.warning_events.score, 100);
  EXPECT_EQ(s.score, 100);
  EXPECT_EQ(s.band, HealthBand::kHealthy);
  EXPECT_EQ(healthBandName(s.band), "healthy");
}

TEST(HealthScore, WeightsSumTo100) {
  EXPECT_EQ(kRestartsWeight + kContainerStatesWeight + kConditionsWeight + kWarningEventsWeight,
            100);
}

TEST(HealthScore, RestartsLowerTheRestartComponentByCountAndRate) {
  json pod = healthyPodJson();
  // 3 restarts over 2 hours: 1.5 per hour. 100 − min(50, 3×10) − min(50, round(20×1.5)) = 40.
  pod["status"]["containerStatuses"][0]["restartCount"] = 3;
  HealthScore s = scorePodHealth(decodePod(pod), {}, kNow);
  EXPECT_EQ(s.restarts.restart_count, 3);
  EXPECT_DOUBLE_EQ(s.restarts.restarts_per_hour, 1.5);
  EXPECT_EQ(s.restarts.score, 40);
  EXPECT_EQ(s.container_states.score, 100);
  EXPECT_EQ(s.score, total(40, 100, 100, 100));  // 82
  EXPECT_EQ(s.band, HealthBand::kHealthy);

  // The same 3 restarts over 30 hours (started the day before): 0.1 per hour, penalty
  // round(2) = 2, so 100 − 30 − 2 = 68: a slow restarter loses less than a fast one.
  pod["status"]["startTime"] = "2026-11-20T06:00:00Z";
  s = scorePodHealth(decodePod(pod), {}, kNow);
  EXPECT_DOUBLE_EQ(s.restarts.restarts_per_hour, 0.1);
  EXPECT_EQ(s.restarts.score, 68);

  // 12 restarts: both penalties capped at 50.
  pod["status"]["containerStatuses"][0]["restartCount"] = 12;
  pod["status"]["startTime"] = "2026-11-21T10:00:00Z";
  s = scorePodHealth(decodePod(pod), {}, kNow);
  EXPECT_EQ(s.restarts.score, 0);
}

TEST(HealthScore, AYoungPodsRateIsOverAtLeastOneHour) {
  json pod = healthyPodJson();
  pod["status"]["startTime"] = "2026-11-21T11:50:00Z";  // 10 minutes old
  pod["status"]["containerStatuses"][0]["restartCount"] = 1;
  const HealthScore s = scorePodHealth(decodePod(pod), {}, kNow);
  EXPECT_EQ(s.restarts.pod_age, std::chrono::minutes(10));
  EXPECT_DOUBLE_EQ(s.restarts.restarts_per_hour, 1.0);
  EXPECT_EQ(s.restarts.score, 100 - 10 - 20);
}

TEST(HealthScore, RestartsOfInitAndAppContainersAreSummed) {
  json pod = healthyPodJson();
  pod["spec"]["initContainers"] = {{{"name", "migrate"}, {"image", "shop/migrate:1"}}};
  json init = runningStatus("migrate", 2);
  init["state"] = {{"terminated",
                    {{"exitCode", 0},
                     {"reason", "Completed"},
                     {"startedAt", "2026-11-21T10:00:01Z"},
                     {"finishedAt", "2026-11-21T10:00:02Z"}}}};
  pod["status"]["initContainerStatuses"] = {init};
  pod["status"]["containerStatuses"][0]["restartCount"] = 1;
  const HealthScore s = scorePodHealth(decodePod(pod), {}, kNow);
  EXPECT_EQ(s.restarts.restart_count, 3);
  ASSERT_EQ(s.container_states.containers.size(), 2U);
  EXPECT_TRUE(s.container_states.containers[0].init);
  EXPECT_EQ(s.container_states.containers[0].state, "terminated");
  EXPECT_EQ(s.container_states.containers[0].reason, "Completed");
  EXPECT_EQ(s.container_states.containers[0].exit_code, 0);
  EXPECT_EQ(s.container_states.containers[0].score, 100);  // a finished init container is fine
  EXPECT_EQ(s.container_states.score, 100);
}

TEST(HealthScore, CrashLoopBackOffZeroesTheContainerStateComponent) {
  json pod = healthyPodJson();
  json status = runningStatus("app", 0, false);
  status["state"] = {{"waiting",
                      {{"reason", "CrashLoopBackOff"},
                       {"message", "back-off 5m0s restarting failed container=app"}}}};
  pod["status"]["containerStatuses"] = {status};
  const HealthScore s = scorePodHealth(decodePod(pod), {}, kNow);
  EXPECT_EQ(s.container_states.score, 0);
  EXPECT_EQ(s.container_states.containers[0].state, "waiting");
  EXPECT_EQ(s.container_states.containers[0].reason, "CrashLoopBackOff");
  EXPECT_EQ(s.restarts.score, 100);
  EXPECT_EQ(s.score, total(100, 0, 100, 100));  // 70
  EXPECT_EQ(s.band, HealthBand::kDegraded);
}

TEST(HealthScore, TheWorstContainerDecides) {
  json pod = healthyPodJson();
  pod["spec"]["containers"].push_back({{"name", "sidecar"}, {"image", "envoy:1"}});
  json sidecar = runningStatus("sidecar", 0, false);
  sidecar["state"] = {{"waiting", {{"reason", "ContainerCreating"}}}};
  pod["status"]["containerStatuses"].push_back(sidecar);
  HealthScore s = scorePodHealth(decodePod(pod), {}, kNow);
  EXPECT_EQ(s.container_states.score, 50);  // being created: 50

  sidecar["state"] = {{"terminated",
                       {{"exitCode", 137},
                        {"reason", "OOMKilled"},
                        {"startedAt", "2026-11-21T10:00:01Z"},
                        {"finishedAt", "2026-11-21T11:00:00Z"}}}};
  pod["status"]["containerStatuses"][1] = sidecar;
  s = scorePodHealth(decodePod(pod), {}, kNow);
  EXPECT_EQ(s.container_states.score, 0);
  EXPECT_EQ(s.container_states.containers[1].exit_code, 137);
  EXPECT_EQ(s.container_states.containers[1].reason, "OOMKilled");

  sidecar["state"] = {{"waiting", {{"reason", "ImagePullBackOff"}}}};
  pod["status"]["containerStatuses"][1] = sidecar;
  EXPECT_EQ(scorePodHealth(decodePod(pod), {}, kNow).container_states.score, 0);
}

TEST(HealthScore, FailingWaitingReasons) {
  for (const char* reason :
       {"CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff", "InvalidImageName",
        "CreateContainerConfigError", "CreateContainerError", "RunContainerError"}) {
    EXPECT_TRUE(isFailingWaitingReason(reason)) << reason;
  }
  for (const char* reason : {"ContainerCreating", "PodInitializing", ""}) {
    EXPECT_FALSE(isFailingWaitingReason(reason)) << reason;
  }
}

TEST(HealthScore, NotReadyLowersTheConditionsComponent) {
  json pod = healthyPodJson();
  pod["status"]["conditions"] = {condition("Ready", "False", "ContainersNotReady"),
                                 condition("ContainersReady", "False", "ContainersNotReady"),
                                 condition("PodScheduled", "True")};
  pod["status"]["containerStatuses"][0]["ready"] = false;
  HealthScore s = scorePodHealth(decodePod(pod), {}, kNow);
  EXPECT_EQ(s.conditions.score, 30);  // only PodScheduled
  ASSERT_EQ(s.conditions.conditions.size(), 3U);
  EXPECT_EQ(s.conditions.conditions[0].type, "PodScheduled");
  EXPECT_EQ(s.conditions.conditions[0].points, 30);
  EXPECT_EQ(s.conditions.conditions[2].type, "Ready");
  EXPECT_EQ(s.conditions.conditions[2].status, "False");
  EXPECT_EQ(s.conditions.conditions[2].reason, "ContainersNotReady");
  EXPECT_EQ(s.conditions.conditions[2].points, 0);
  EXPECT_EQ(s.score, total(100, 100, 30, 100));  // 83

  // Unschedulable: no condition True, no container status.
  json pending = healthyPodJson();
  pending["spec"].erase("nodeName");
  pending["status"] = {{"phase", "Pending"},
                       {"conditions", {condition("PodScheduled", "False", "Unschedulable")}}};
  s = scorePodHealth(decodePod(pending), {}, kNow);
  EXPECT_EQ(s.conditions.score, 0);
  EXPECT_EQ(s.conditions.conditions[1].status, "");  // ContainersReady missing
  EXPECT_EQ(s.container_states.score, 25);           // no status yet
  EXPECT_EQ(s.container_states.containers[0].state, "unknown");
  EXPECT_EQ(s.score, total(100, 25, 0, 100));  // 53
}

TEST(HealthScore, ASucceededPodIsNotExpectedToBeReady) {
  json pod = healthyPodJson();
  pod["status"]["phase"] = "Succeeded";
  pod["status"]["conditions"] = {condition("Ready", "False", "PodCompleted"),
                                 condition("ContainersReady", "False", "PodCompleted"),
                                 condition("PodScheduled", "True")};
  json status = runningStatus("app", 0, false);
  status["state"] = {{"terminated",
                      {{"exitCode", 0},
                       {"reason", "Completed"},
                       {"startedAt", "2026-11-21T10:00:01Z"},
                       {"finishedAt", "2026-11-21T10:05:00Z"}}}};
  pod["status"]["containerStatuses"] = {status};
  const HealthScore s = scorePodHealth(decodePod(pod), {}, kNow);
  EXPECT_EQ(s.conditions.score, 100);
  EXPECT_EQ(s.container_states.score, 100);
  EXPECT_EQ(s.score, 100);
}

TEST(HealthScore, WarningEventsOfTheLastHourLowerTheEventsComponent) {
  const kube::Pod pod = decodePod(healthyPodJson());
  const std::vector<kube::Event> events = {
      event("Warning", "BackOff", "2026-11-21T11:59:00Z", 7),
      event("Warning", "Unhealthy", "2026-11-21T11:00:00Z", 3),    // exactly an hour ago: counts
      event("Warning", "FailedMount", "2026-11-21T10:59:59Z", 2),  // older than an hour
      event("Normal", "Pulled", "2026-11-21T11:59:30Z", 4),        // not a warning
      event("Warning", "BackOff", "2026-11-21T11:59:30Z", 9, "other-uid"),  // another pod
  };
  const HealthScore s = scorePodHealth(pod, events, kNow);
  ASSERT_EQ(s.warning_events.events.size(), 2U);
  EXPECT_EQ(s.warning_events.events[0].reason, "BackOff");  // newest first
  EXPECT_EQ(s.warning_events.events[0].count, 7);
  EXPECT_EQ(s.warning_events.events[1].reason, "Unhealthy");
  EXPECT_EQ(s.warning_events.occurrences, 10);
  EXPECT_EQ(s.warning_events.score, 50);         // 100 − 2 × 25
  EXPECT_EQ(s.score, total(100, 100, 100, 50));  // 93 (rounded half up from 92.5)

  std::vector<kube::Event> many;
  for (const char* reason : {"A", "B", "C", "D", "E"}) {
    many.push_back(event("Warning", reason, "2026-11-21T11:30:00Z"));
  }
  EXPECT_EQ(scorePodHealth(pod, many, kNow).warning_events.score, 0);
}

TEST(HealthScore, BandsAtTheirBoundaries) {
  EXPECT_EQ(healthBand(100), HealthBand::kHealthy);
  EXPECT_EQ(healthBand(80), HealthBand::kHealthy);
  EXPECT_EQ(healthBand(79), HealthBand::kDegraded);
  EXPECT_EQ(healthBand(50), HealthBand::kDegraded);
  EXPECT_EQ(healthBand(49), HealthBand::kUnhealthy);
  EXPECT_EQ(healthBand(25), HealthBand::kUnhealthy);
  EXPECT_EQ(healthBand(24), HealthBand::kCritical);
  EXPECT_EQ(healthBand(0), HealthBand::kCritical);
  EXPECT_EQ(healthBandName(HealthBand::kDegraded), "degraded");
  EXPECT_EQ(healthBandName(HealthBand::kUnhealthy), "unhealthy");
  EXPECT_EQ(healthBandName(HealthBand::kCritical), "critical");
}

TEST(HealthScore, ACrashLoopingPodIsCritical) {
  json pod = healthyPodJson();
  json status = runningStatus("app", 6, false);
  status["state"] = {{"waiting", {{"reason", "CrashLoopBackOff"}}}};
  pod["status"]["containerStatuses"] = {status};
  pod["status"]["conditions"] = {condition("Ready", "False", "ContainersNotReady"),
                                 condition("ContainersReady", "False", "ContainersNotReady"),
                                 condition("PodScheduled", "True")};
  const HealthScore s = scorePodHealth(
      decodePod(pod), {event("Warning", "BackOff", "2026-11-21T11:58:00Z", 20)}, kNow);
  // restarts: 6 over 2 h = 3/h: 100 − 50 − 50 = 0; states 0; conditions 30; events 75.
  EXPECT_EQ(s.restarts.score, 0);
  EXPECT_EQ(s.score, total(0, 0, 30, 75));  // 19
  EXPECT_EQ(s.band, HealthBand::kCritical);
}

TEST(HealthScore, APodWithoutStatusDoesNotCrash) {
  json pod = healthyPodJson();
  pod.erase("status");
  const HealthScore s = scorePodHealth(decodePod(pod), {}, kNow);
  EXPECT_EQ(s.phase, "");
  EXPECT_EQ(s.restarts.score, 100);
  EXPECT_EQ(s.restarts.pod_age, std::chrono::hours(2));  // from creationTimestamp
  EXPECT_EQ(s.container_states.score, 25);
  EXPECT_EQ(s.conditions.score, 0);
  EXPECT_EQ(s.score, total(100, 25, 0, 100));

  // Nothing at all: no metadata times, no containers.
  const HealthScore empty = scorePodHealth(kube::Pod{}, {}, kNow);
  EXPECT_EQ(empty.restarts.pod_age, std::chrono::seconds(0));
  EXPECT_EQ(empty.container_states.score, 100);
  EXPECT_GE(empty.score, 0);
  EXPECT_LE(empty.score, 100);
}

}  // namespace
}  // namespace keelson::analysis
