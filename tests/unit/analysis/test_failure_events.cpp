// Failure-event analysis on events and pods in the API's own shapes (core/v1 and
// events.k8s.io/v1 as kube-apiserver v1.36 serves them; messages as kubelet and kube-scheduler
// write them), decoded by kube::decodeObject like the cache decodes them.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "analysis/failure_events.h"
#include "kube/decode.h"

namespace keelson::analysis {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPodUid = "6f1c1c55-9d0e-4c43-a3b2-0b3f1a0e8f11";

// A core/v1 event about pod "web-7d4b9c8f6-x2xkq" in "shop", as kubelet reports it.
kube::Event coreEvent(const std::string& name, const std::string& type, const std::string& reason,
                      const std::string& message, const std::string& first, const std::string& last,
                      int count, const std::string& component = "kubelet",
                      const std::string& host = "node-1") {
  const std::string json = R"({"apiVersion":"v1","kind":"Event","metadata":{"name":")" + name +
                           R"(","namespace":"shop","uid":"u-)" + name +
                           R"(","resourceVersion":"812","creationTimestamp":")" + first +
                           R"("},"involvedObject":{"kind":"Pod","namespace":"shop","name":)"
                           R"("web-7d4b9c8f6-x2xkq","uid":")" +
                           kPodUid +
                           R"(","apiVersion":"v1","resourceVersion":"700","fieldPath":)"
                           R"("spec.containers{app}"},"reason":")" +
                           reason + R"(","message":)" + nlohmann::json(message).dump() +
                           R"(,"source":{"component":")" + component + R"(","host":")" + host +
                           R"("},"firstTimestamp":")" + first + R"(","lastTimestamp":")" + last +
                           R"(","count":)" + std::to_string(count) + R"(,"type":")" + type +
                           R"(","eventTime":null,"reportingComponent":")" + component +
                           R"(","reportingInstance":")" + host + R"("})";
  return kube::decodeObject<kube::Event>(json);
}

// The pod: Deployment-owned, its container "app" in CrashLoopBackOff after exit code 1.
kube::Pod crashingPod() {
  return kube::decodeObject<kube::Pod>(R"json({
    "apiVersion":"v1","kind":"Pod",
    "metadata":{"name":"web-7d4b9c8f6-x2xkq","generateName":"web-7d4b9c8f6-","namespace":"shop",
      "uid":"6f1c1c55-9d0e-4c43-a3b2-0b3f1a0e8f11","resourceVersion":"900",
      "creationTimestamp":"2026-11-21T08:55:00Z",
      "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d4b9c8f6",
        "uid":"rs-uid","controller":true,"blockOwnerDeletion":true}]},
    "spec":{"nodeName":"node-1","containers":[{"name":"app","image":"shop/web:1.4"}]},
    "status":{"phase":"Running",
      "conditions":[{"type":"Ready","status":"False","lastProbeTime":null,
        "lastTransitionTime":"2026-11-21T09:00:00Z","reason":"ContainersNotReady"},
        {"type":"PodScheduled","status":"True","lastProbeTime":null,
        "lastTransitionTime":"2026-11-21T08:55:00Z"}],
      "containerStatuses":[{"name":"app","ready":false,"started":false,"restartCount":10,
        "image":"shop/web:1.4","imageID":"","containerID":"containerd://abc",
        "state":{"waiting":{"reason":"CrashLoopBackOff",
          "message":"back-off 5m0s restarting failed container=app pod=web-7d4b9c8f6-x2xkq_shop(6f1c)"}},
        "lastState":{"terminated":{"exitCode":1,"reason":"Error",
          "startedAt":"2026-11-21T10:24:00Z","finishedAt":"2026-11-21T10:24:05Z",
          "containerID":"containerd://abc"}}}]}})json");
}

TEST(FailureEvents, CategoriesOfRealKubeletReasons) {
  EXPECT_EQ(categorizeEvent("Failed",
                            "Failed to pull image \"shop/web:9\": rpc error: code = NotFound desc "
                            "= failed to pull and unpack image"),
            FailureCategory::kImagePull);
  EXPECT_EQ(categorizeEvent("Failed", "Error: ErrImagePull"), FailureCategory::kImagePull);
  EXPECT_EQ(categorizeEvent("Failed", "Error: ImagePullBackOff"), FailureCategory::kImagePull);
  EXPECT_EQ(categorizeEvent("BackOff", "Back-off pulling image \"shop/web:9\""),
            FailureCategory::kImagePull);
  EXPECT_EQ(categorizeEvent("BackOff",
                            "Back-off restarting failed container app in pod "
                            "web-7d4b9c8f6-x2xkq_shop(6f1c)"),
            FailureCategory::kContainerCrash);
  EXPECT_EQ(categorizeEvent("ErrImageNeverPull",
                            "Container image \"shop/web:1\" is not present with pull policy of "
                            "Never"),
            FailureCategory::kImagePull);
  EXPECT_EQ(categorizeEvent("InspectFailed", "Failed to apply default image tag"),
            FailureCategory::kImagePull);
  EXPECT_EQ(categorizeEvent("Unhealthy",
                            "Readiness probe failed: HTTP probe failed with "
                            "statuscode: 503"),
            FailureCategory::kProbe);
  EXPECT_EQ(categorizeEvent("Killing", "Container app failed liveness probe, will be restarted"),
            FailureCategory::kProbe);
  EXPECT_EQ(categorizeEvent("Killing", "Stopping container app"), FailureCategory::kContainerCrash);
  EXPECT_EQ(categorizeEvent("FailedMount",
                            "MountVolume.SetUp failed for volume \"config\" : configmap "
                            "\"web-config\" not found"),
            FailureCategory::kVolume);
  EXPECT_EQ(categorizeEvent("FailedAttachVolume", "Multi-Attach error for volume \"pvc-1\""),
            FailureCategory::kVolume);
  EXPECT_EQ(categorizeEvent("OOMKilling", "Memory cgroup out of memory: Killed process 4242"),
            FailureCategory::kResource);
  EXPECT_EQ(categorizeEvent("Evicted", "The node was low on resource: memory."),
            FailureCategory::kResource);
  EXPECT_EQ(categorizeEvent("Preempted", "Preempted by pod 1234 on node node-1"),
            FailureCategory::kResource);
  EXPECT_EQ(categorizeEvent("FailedScheduling", "0/4 nodes are available: 3 Insufficient memory."),
            FailureCategory::kScheduling);
  EXPECT_EQ(categorizeEvent("FailedCreatePodSandBox",
                            "Failed to create pod sandbox: rpc error: plugin type=\"calico\" "
                            "failed (add)"),
            FailureCategory::kNetwork);
  EXPECT_EQ(categorizeEvent("NetworkNotReady",
                            "network is not ready: container runtime network "
                            "not ready"),
            FailureCategory::kNetwork);
  EXPECT_EQ(categorizeEvent("Failed", "Error: CreateContainerConfigError"),
            FailureCategory::kContainerCrash);
  EXPECT_EQ(categorizeEvent("SomethingNew", "no rule knows this"), FailureCategory::kOther);
}

TEST(FailureEvents, TheFirstMatchingRuleWinsWhateverTheInputOrder) {
  // Every (reason, message) gets the category of the first rule in table order that matches;
  // check that against a brute force over the table, then that shuffling events changes no
  // category.
  std::vector<kube::Event> events = {
      coreEvent("a", "Warning", "BackOff", "Back-off pulling image \"shop/web:9\"",
                "2026-11-21T10:00:00Z", "2026-11-21T10:20:00Z", 8),
      coreEvent("b", "Warning", "BackOff", "Back-off restarting failed container app in pod x",
                "2026-11-21T10:00:00Z", "2026-11-21T10:21:00Z", 9),
      coreEvent("c", "Warning", "Failed", "Error: ImagePullBackOff", "2026-11-21T10:00:00Z",
                "2026-11-21T10:22:00Z", 8),
      coreEvent("d", "Warning", "Failed", "Error: failed to create containerd task",
                "2026-11-21T10:00:00Z", "2026-11-21T10:23:00Z", 2),
      coreEvent("e", "Normal", "Killing", "Container app failed startup probe, will be restarted",
                "2026-11-21T10:00:00Z", "2026-11-21T10:24:00Z", 3),
  };
  const auto rules = failureRules();
  for (const auto& event : events) {
    FailureCategory expected = FailureCategory::kOther;
    for (const auto& rule : rules) {
      const bool reason_ok = rule.reason.empty() || rule.reason == event.reason;
      const bool message_ok =
          rule.message_any.empty() ||
          std::any_of(rule.message_any.begin(), rule.message_any.end(), [&](std::string_view n) {
            return event.message.find(n) != std::string::npos;
          });
      if (reason_ok && message_ok) {
        expected = rule.category;
        break;
      }
    }
    EXPECT_EQ(categorizeEvent(event.reason, event.message), expected) << event.reason;
  }
  const kube::Pod pod = crashingPod();
  const auto categories = [&](const std::vector<kube::Event>& input) {
    std::map<std::string, std::string> out;
    for (const auto& f :
         analyzeFailureEvents(pod, input, kube::parseTime("2026-11-21T10:30:00Z")).failure_events) {
      out[f.event.metadata.name] = std::string(categoryName(f.category));
    }
    return out;
  };
  const auto reference = categories(events);
  EXPECT_EQ(reference.at("a"), "ImagePull");
  EXPECT_EQ(reference.at("b"), "ContainerCrash");
  EXPECT_EQ(reference.at("c"), "ImagePull");
  EXPECT_EQ(reference.at("d"), "ContainerCrash");
  EXPECT_EQ(reference.at("e"), "Probe");
  std::mt19937 random(42);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(events.begin(), events.end(), random);
    EXPECT_EQ(categories(events), reference);
    const auto doc = analyzeFailureEvents(pod, events, kube::parseTime("2026-11-21T10:30:00Z"));
    ASSERT_FALSE(doc.failure_events.empty());
    EXPECT_EQ(doc.failure_events.front().event.metadata.name, "e");  // newest first, stable
  }
}

TEST(FailureEvents, CrashLoopEventInTheSpecsExample) {
  const kube::Pod pod = crashingPod();
  const std::vector<kube::Event> events = {
      coreEvent("web.1", "Warning", "BackOff",
                "Back-off restarting failed container app in pod web-7d4b9c8f6-x2xkq_shop",
                "2026-11-21T09:00:00Z", "2026-11-21T10:25:00Z", 10),
      coreEvent("web.2", "Normal", "Pulled", "Container image \"shop/web:1.4\" already present",
                "2026-11-21T09:00:00Z", "2026-11-21T10:24:00Z", 3),
      coreEvent("web.3", "Normal", "Scheduled", "Successfully assigned shop/web to node-1",
                "2026-11-21T08:55:00Z", "2026-11-21T08:55:00Z", 1, "default-scheduler", ""),
  };
  const auto result = analyzeFailureEvents(pod, events, kube::parseTime("2026-11-21T10:30:00Z"));
  EXPECT_EQ(result.total_events, 3);
  ASSERT_EQ(result.failure_events.size(), 1U);  // routine Pulled x3 and Scheduled are not
  const FailureEvent& f = result.failure_events[0];
  EXPECT_EQ(f.category, FailureCategory::kContainerCrash);
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_TRUE(f.is_recurring);
  // 10 occurrences between 09:00 and 10:25 (85 minutes).
  EXPECT_NEAR(f.recurrence_per_hour, 10.0 / (85.0 / 60.0), 1e-9);
  EXPECT_EQ(formatRecurrence(f.recurrence_per_hour), "7.1 times per hour");
  EXPECT_EQ(formatElapsed(f.since_first), "1h30m");
  const auto has = [&](const std::string& cause) {
    return std::find(f.possible_causes.begin(), f.possible_causes.end(), cause) !=
           f.possible_causes.end();
  };
  EXPECT_TRUE(has("Application crash"));
  EXPECT_TRUE(has("Container app exited with code 1"));
  EXPECT_TRUE(has("Container app has restarted 10 times"));
  EXPECT_EQ(f.suggested_action, "Examine container logs and fix application startup issues");
  EXPECT_EQ(result.event_categories.at("ContainerCrash"), 1);
  EXPECT_EQ(result.critical_events, 1);
  EXPECT_EQ(result.warning_events, 0);
  ASSERT_TRUE(result.most_recent_issue);
  EXPECT_EQ(result.most_recent_issue->reason, "BackOff");
  ASSERT_EQ(result.ongoing_issues.size(), 1U);  // 10:25 is within 5 minutes of 10:30
  EXPECT_EQ(result.pod_phase, "Running");
  EXPECT_EQ(result.pod_status, "CrashLoopBackOff");

  // Five minutes later nothing is ongoing.
  EXPECT_TRUE(analyzeFailureEvents(pod, events, kube::parseTime("2026-11-21T10:30:01Z") + 5min)
                  .ongoing_issues.empty());
}

TEST(FailureEvents, ImagePullCausesNameTheImage) {
  kube::Pod pod = crashingPod();
  pod.status.container_statuses[0].image = "shop/web:9";
  pod.status.container_statuses[0].state.reason = "ImagePullBackOff";
  const auto result = analyzeFailureEvents(
      pod,
      {coreEvent("i", "Warning", "BackOff", "Back-off pulling image \"shop/web:9\"",
                 "2026-11-21T10:00:00Z", "2026-11-21T10:20:00Z", 8)},
      kube::parseTime("2026-11-21T10:30:00Z"));
  ASSERT_EQ(result.failure_events.size(), 1U);
  const auto& causes = result.failure_events[0].possible_causes;
  EXPECT_EQ(causes.back(), "Container app cannot get image shop/web:9: ImagePullBackOff");
  // Exit codes and restarts belong to crashes, not to image pulls.
  EXPECT_EQ(std::count_if(causes.begin(), causes.end(),
                          [](const std::string& c) { return c.find("restarted") != c.npos; }),
            0);
}

TEST(FailureEvents, NormalEventsWithAFailureReasonAreWarnings) {
  // kube-scheduler reports a preemption victim's Preempted event as Normal.
  const auto result = analyzeFailureEvents(
      crashingPod(),
      {coreEvent("v", "Normal", "Preempted", "Preempted by pod 4f1c on node node-1",
                 "2026-11-21T10:00:00Z", "2026-11-21T10:00:00Z", 1, "default-scheduler", "")},
      kube::parseTime("2026-11-21T10:30:00Z"));
  ASSERT_EQ(result.failure_events.size(), 1U);
  EXPECT_EQ(result.failure_events[0].category, FailureCategory::kResource);
  EXPECT_EQ(result.failure_events[0].severity, Severity::kWarning);
  EXPECT_FALSE(result.failure_events[0].is_recurring);
  EXPECT_EQ(result.warning_events, 1);
  EXPECT_EQ(result.failure_events[0].event.source_component, "default-scheduler");
}

TEST(FailureEvents, HighFrequencyNormalEventsAreInfo) {
  const kube::Pod pod = crashingPod();
  const auto result =
      analyzeFailureEvents(pod,
                           {coreEvent("p", "Normal", "Pulling", "Pulling image \"shop/web:1.4\"",
                                      "2026-11-21T09:00:00Z", "2026-11-21T10:00:00Z", 12)},
                           kube::parseTime("2026-11-21T10:30:00Z"));
  ASSERT_EQ(result.failure_events.size(), 1U);
  EXPECT_EQ(result.failure_events[0].severity, Severity::kInfo);
  EXPECT_EQ(result.failure_events[0].category, FailureCategory::kImagePull);
}

TEST(FailureEvents, EventsV1SeriesRateEqualsTheCoreV1Rate) {
  // kube-scheduler writes events.k8s.io/v1: eventTime + series, no firstTimestamp or count.
  const auto v1 = kube::decodeObject<kube::Event>(R"({
    "apiVersion":"events.k8s.io/v1","kind":"Event",
    "metadata":{"name":"big.18e9e6d017c1a25e","namespace":"shop","uid":"ev-1",
      "resourceVersion":"436","creationTimestamp":"2026-11-21T08:00:00Z"},
    "eventTime":"2026-11-21T08:00:00.910001Z",
    "series":{"count":5,"lastObservedTime":"2026-11-21T08:30:00.910001Z"},
    "reportingController":"default-scheduler","reportingInstance":"default-scheduler-vm",
    "action":"Scheduling","reason":"FailedScheduling",
    "regarding":{"kind":"Pod","namespace":"shop","name":"web-7d4b9c8f6-x2xkq",
      "uid":"6f1c1c55-9d0e-4c43-a3b2-0b3f1a0e8f11","apiVersion":"v1","resourceVersion":"420"},
    "note":"0/4 nodes are available: 3 Insufficient memory, 1 node(s) had volume node affinity conflict.",
    "type":"Warning","deprecatedSource":{},"deprecatedFirstTimestamp":null,
    "deprecatedLastTimestamp":null})");
  const kube::Event core =
      coreEvent("big.1", "Warning", "FailedScheduling", v1.message, "2026-11-21T08:00:00Z",
                "2026-11-21T08:30:00Z", 5, "default-scheduler", "");
  EXPECT_EQ(v1.count, 5);
  EXPECT_NEAR(recurrencePerHour(v1), 10.0, 1e-9);  // 5 in 30 minutes
  EXPECT_NEAR(recurrencePerHour(core), 10.0, 1e-9);
  const auto result =
      analyzeFailureEvents(crashingPod(), {v1}, kube::parseTime("2026-11-21T10:25:00Z"));
  ASSERT_EQ(result.failure_events.size(), 1U);
  EXPECT_EQ(result.failure_events[0].category, FailureCategory::kScheduling);
  EXPECT_EQ(formatRecurrence(result.failure_events[0].recurrence_per_hour), "10.0 times per hour");
  EXPECT_EQ(formatElapsed(result.failure_events[0].since_first), "2h24m");
}

TEST(FailureEvents, RateFloorsTheSpanAtOneMinuteAndIgnoresSingleEvents) {
  const auto burst = coreEvent("x", "Warning", "BackOff", "Back-off restarting failed container",
                               "2026-11-21T10:00:00Z", "2026-11-21T10:00:10Z", 4);
  EXPECT_NEAR(recurrencePerHour(burst), 240.0, 1e-9);
  const auto once = coreEvent("y", "Warning", "BackOff", "Back-off restarting failed container",
                              "2026-11-21T10:00:00Z", "2026-11-21T10:00:00Z", 1);
  EXPECT_EQ(recurrencePerHour(once), 0.0);
}

TEST(FailureEvents, OtherPodsEventsAndRecreatedPodsAreIgnored) {
  kube::Event other = coreEvent("o", "Warning", "BackOff", "Back-off", "2026-11-21T10:00:00Z",
                                "2026-11-21T10:00:00Z", 2);
  other.regarding.uid = "an-older-pod-of-the-same-name";
  const auto result =
      analyzeFailureEvents(crashingPod(), {other}, kube::parseTime("2026-11-21T10:30:00Z"));
  EXPECT_EQ(result.total_events, 0);
  EXPECT_FALSE(result.most_recent_issue);
}

TEST(FailureEvents, FormatElapsed) {
  EXPECT_EQ(formatElapsed(0s), "0s");
  EXPECT_EQ(formatElapsed(45s), "45s");
  EXPECT_EQ(formatElapsed(330s), "5m30s");
  EXPECT_EQ(formatElapsed(5100s), "1h25m");
  EXPECT_EQ(formatElapsed(7200s), "2h");
  EXPECT_EQ(formatElapsed(100h), "4d4h");
}

kube::Pod withStatus(const std::string& status_json, const std::string& spec_extra = "") {
  return kube::decodeObject<kube::Pod>(
      R"({"metadata":{"name":"p","namespace":"shop","uid":"u"},"spec":{)" + spec_extra +
      R"("containers":[{"name":"app","image":"x"}]},"status":)" + status_json + "}");
}

TEST(FailureEvents, PodStatusLikeKubectl) {
  EXPECT_EQ(podStatusReason(crashingPod()), "CrashLoopBackOff");
  EXPECT_EQ(podStatusReason(withStatus(
                R"({"phase":"Pending","containerStatuses":[{"name":"app","state":{"waiting":)"
                R"({"reason":"ImagePullBackOff","message":"Back-off pulling image \"x\""}}}]})")),
            "ImagePullBackOff");
  EXPECT_EQ(podStatusReason(withStatus(R"({"phase":"Failed","reason":"Evicted"})")), "Evicted");
  EXPECT_EQ(podStatusReason(
                withStatus(R"({"phase":"Running","containerStatuses":[{"name":"app","ready":true,)"
                           R"("state":{"running":{"startedAt":"2026-11-21T10:00:00Z"}}}]})")),
            "Running");
  EXPECT_EQ(
      podStatusReason(withStatus(R"({"phase":"Running","containerStatuses":[{"name":"app","state":)"
                                 R"({"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]})")),
      "OOMKilled");
  EXPECT_EQ(
      podStatusReason(withStatus(R"({"phase":"Running","containerStatuses":[{"name":"app","state":)"
                                 R"({"terminated":{"exitCode":2}}}]})")),
      "ExitCode:2");
  const std::string init =
      R"("initContainers":[{"name":"a","image":"x"},{"name":"b","image":"x"}],)";
  EXPECT_EQ(podStatusReason(withStatus(
                R"({"phase":"Pending","initContainerStatuses":[)"
                R"({"name":"a","state":{"terminated":{"exitCode":0,"reason":"Completed"}}},)"
                R"({"name":"b","state":{"waiting":{"reason":"CrashLoopBackOff"}}}]})",
                init)),
            "Init:CrashLoopBackOff");
  EXPECT_EQ(podStatusReason(withStatus(
                R"({"phase":"Pending","initContainerStatuses":[)"
                R"({"name":"a","state":{"terminated":{"exitCode":0,"reason":"Completed"}}},)"
                R"({"name":"b","state":{"running":{}}}]})",
                init)),
            "Init:1/2");
  EXPECT_EQ(podStatusReason(withStatus(R"({"phase":"Pending","initContainerStatuses":[)"
                                       R"({"name":"a","state":{"terminated":{"exitCode":3}}}]})",
                                       init)),
            "Init:ExitCode:3");
  EXPECT_EQ(podStatusReason(withStatus(
                R"({"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False",)"
                R"("reason":"SchedulingGated"}]})")),
            "SchedulingGated");
  auto deleting = withStatus(R"({"phase":"Running"})");
  deleting.metadata.deletion_timestamp = kube::parseTime("2026-11-21T10:00:00Z");
  EXPECT_EQ(podStatusReason(deleting), "Terminating");
}

}  // namespace
}  // namespace keelson::analysis
