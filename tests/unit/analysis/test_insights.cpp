// The monitor's per-pod samples and insights, on real API objects recorded from a v1.36 cluster
// (tests/data/kube/api: "crashy" is in CrashLoopBackOff after an OOMKilled, "huge" is
// unschedulable) and on hand-built histories for the trend rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "analysis/insight_tracker.h"
#include "analysis/insights.h"
#include "analysis/pod_sample.h"
#include "common/test_env.h"
#include "kube/decode.h"

namespace keelson::analysis {
namespace {

using core::Quantity;
using std::chrono::minutes;
using std::chrono::seconds;

struct Recorded {
  ClusterState state;
  std::vector<kube::Event> events;
  ClusterSummary summary;
};

Recorded recorded() {
  Recorded r;
  r.state.nodes = kube::decodeList<kube::Node>(keelson::testing::apiFixture("nodes.json")).items;
  r.state.pods = kube::decodeList<kube::Pod>(keelson::testing::apiFixture("pods.json")).items;
  r.events =
      kube::decodeList<kube::Event>(keelson::testing::apiFixture("events_core_v1.json")).items;
  r.summary = summarizeCluster(r.state);
  return r;
}

const PodSample& find(const std::vector<PodSample>& samples, const std::string& name) {
  const auto it = std::find_if(samples.begin(), samples.end(),
                               [&](const PodSample& s) { return s.summary.name == name; });
  EXPECT_NE(it, samples.end()) << name;
  return *it;
}

bool hasFinding(const std::vector<Finding>& findings, const std::string& id) {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const Finding& f) { return f.id == id; });
}

TEST(PodSample, ReasonsWarningsAndRestartDeltasFromRecordedPods) {
  const Recorded r = recorded();
  PreviousTick previous;
  previous.timestamp = kube::parseTime("2026-11-21T00:08:00Z");
  SampleInputs inputs;
  inputs.events = &r.events;
  inputs.now = kube::parseTime("2026-11-21T00:10:00Z");
  auto samples = samplePods(r.state, r.summary, previous, inputs);
  ASSERT_EQ(samples.size(), r.summary.pods.size());

  const PodSample& crashy = find(samples, "crashy");
  EXPECT_EQ(crashy.waiting_reasons, std::vector<std::string>{"crashy=CrashLoopBackOff"});
  EXPECT_EQ(crashy.last_terminated_reasons, std::vector<std::string>{"crashy=OOMKilled"});
  EXPECT_EQ(crashy.summary.restarts, 7);
  EXPECT_FALSE(crashy.restarts_since_last_tick.has_value()) << "first tick: no delta";

  // Both FailedScheduling warnings about "huge" happened in (00:08:00, 00:10:00].
  const PodSample& huge = find(samples, "huge");
  EXPECT_EQ(huge.warning_events, 2);
  EXPECT_TRUE(huge.unschedulable);
  EXPECT_EQ(find(samples, "checkout").warning_events, 0);

  // The next tick sees two more restarts of crashy; its warnings are now in the past.
  PreviousTick next = previous;
  advanceTick(next, samples, inputs.now);
  ClusterState later = r.state;
  for (auto& pod : later.pods) {
    if (pod.metadata.name == "crashy") pod.status.container_statuses[0].restart_count = 9;
  }
  const ClusterSummary later_summary = summarizeCluster(later);
  inputs.now += minutes(1);
  samples = samplePods(later, later_summary, next, inputs);
  EXPECT_EQ(find(samples, "crashy").restarts_since_last_tick, 2);
  EXPECT_EQ(find(samples, "checkout").restarts_since_last_tick, 0);
  EXPECT_EQ(find(samples, "huge").warning_events, 0);

  // A pod that is gone is forgotten; the others keep their counts.
  const std::string crashy_uid = find(samples, "crashy").uid;
  std::vector<PodSample> without_crashy = samples;
  std::erase_if(without_crashy, [](const PodSample& p) { return p.summary.name == "crashy"; });
  advanceTick(next, without_crashy, inputs.now);
  EXPECT_EQ(next.timestamp, inputs.now);
  EXPECT_EQ(next.restarts_by_uid.count(crashy_uid), 0U);
  EXPECT_EQ(next.restarts_by_uid.size(), without_crashy.size());
}

TEST(Insights, RecordedCrashLoopAndUnschedulablePod) {
  const Recorded r = recorded();
  PreviousTick previous;
  SampleInputs inputs;
  inputs.now = kube::parseTime("2026-11-21T00:20:00Z");
  const auto samples = samplePods(r.state, r.summary, previous, inputs);
  InsightInputs in;
  in.now = inputs.now;
  in.pods = &samples;
  in.nodes = &r.state.nodes;
  const auto findings = evaluateInsights(in);

  const auto crash = std::find_if(findings.begin(), findings.end(), [](const Finding& f) {
    return f.id == "crash_loop/pod/shop/crashy/crashy";
  });
  ASSERT_NE(crash, findings.end());
  EXPECT_EQ(crash->kind, "crash_loop");
  EXPECT_EQ(crash->severity, "critical");
  EXPECT_EQ(crash->evidence.details.at("last_termination_reason"), "OOMKilled");
  EXPECT_EQ(crash->suggested_action.action, "set_resources") << "OOMKilled → raise the limit";

  // "huge" was created at 00:08:27 and is unschedulable: pending for 11.5 min > 5 min.
  EXPECT_TRUE(hasFinding(findings, "pending_too_long/pod/shop/huge"));
  // The web pods are Pending too, but were they created long enough ago? Each finding must be
  // justified by its own pod's age.
  for (const auto& f : findings) {
    if (f.kind != "pending_too_long") continue;
    const PodSample& pod = find(samples, f.subject.name);
    EXPECT_GE(inputs.now - pod.created, minutes(5)) << f.id;
  }
  // Ready nodes without pressure produce nothing.
  EXPECT_FALSE(std::any_of(findings.begin(), findings.end(),
                           [](const Finding& f) { return f.kind == "node_pressure"; }));
  EXPECT_TRUE(std::is_sorted(findings.begin(), findings.end(),
                             [](const Finding& a, const Finding& b) { return a.id < b.id; }));

  // Four minutes after creation the same pod is not yet "too long".
  in.now = kube::parseTime("2026-11-21T00:12:00Z");
  EXPECT_FALSE(hasFinding(evaluateInsights(in), "pending_too_long/pod/shop/huge"));
}

TEST(Insights, NodeConditionsAndFilesystems) {
  kube::Node node;
  node.metadata.name = "n1";
  node.status.conditions = {{"Ready", "True", "KubeletReady", "", {}},
                            {"MemoryPressure", "True", "KubeletHasInsufficientMemory", "", {}},
                            {"DiskPressure", "False", "", "", {}}};
  kube::Node down;
  down.metadata.name = "n2";
  down.status.conditions = {{"Ready", "Unknown", "NodeStatusUnknown", "", {}}};
  const std::vector<kube::Node> nodes = {node, down};
  host::Filesystem full;
  full.mount_point = "/var";
  full.usage = host::FsUsage{};
  full.usage->usage_percent = 93.5;
  host::Filesystem fine = full;
  fine.mount_point = "/";
  fine.usage->usage_percent = 90.0;  // Not above 90.
  const std::vector<host::Filesystem> filesystems = {full, fine};
  InsightInputs in;
  in.nodes = &nodes;
  in.filesystems = &filesystems;
  RuleOptions options;
  options.host_node_name = "n1";
  const auto findings = evaluateInsights(in, options);
  EXPECT_TRUE(hasFinding(findings, "node_pressure/node//n1/MemoryPressure"));
  EXPECT_FALSE(hasFinding(findings, "node_pressure/node//n1/DiskPressure"));
  EXPECT_TRUE(hasFinding(findings, "node_pressure/node//n2/NotReady"));
  EXPECT_TRUE(hasFinding(findings, "node_pressure/node//n1/filesystem:/var"));
  EXPECT_FALSE(hasFinding(findings, "node_pressure/node//n1/filesystem:/"));
  EXPECT_EQ(findings.size(), 3U);
}

PodSample limitedPod(const std::string& usage_memory) {
  PodSample pod;
  pod.uid = "u1";
  pod.summary.namespace_name = "ns";
  pod.summary.name = "leaky";
  pod.summary.phase = "Running";
  pod.summary.limits = {{"memory", Quantity::parse("1Gi")}, {"cpu", Quantity::parse("500m")}};
  pod.summary.usage =
      Usage{{{"memory", Quantity::parse(usage_memory)}, {"cpu", Quantity::parse("480m")}}, {}, {}};
  return pod;
}

TEST(Insights, MemoryTrendForecastsTheOomKill) {
  // 600Mi rising by 10Mi per minute toward a 1Gi limit: (1024-640)/10 = 38.4 min left after the
  // last sample.
  PodHistory history;
  const kube::Time t0 = kube::parseTime("2026-11-21T00:00:00Z");
  for (int i = 0; i <= 4; ++i) {
    history.push_back({t0 + minutes(i), static_cast<float>((600.0 + 10.0 * i) * 1024 * 1024), 0});
  }
  const auto forecast = forecastOom(history, 1024.0 * 1024 * 1024);
  ASSERT_TRUE(forecast.has_value());
  EXPECT_NEAR(forecast->slope_bytes_per_second, 10.0 * 1024 * 1024 / 60, 1e-6);
  EXPECT_NEAR(static_cast<double>(forecast->time_to_limit.count()), 38.4 * 60, 1.0);

  std::map<std::string, PodHistory> histories = {{"u1", history}};
  const std::vector<PodSample> pods = {limitedPod("640Mi")};
  InsightInputs in;
  in.now = t0 + minutes(4);
  in.pods = &pods;
  in.history = &histories;
  const auto findings = evaluateInsights(in);
  const auto oom = std::find_if(findings.begin(), findings.end(),
                                [](const Finding& f) { return f.kind == "oom_risk"; });
  ASSERT_NE(oom, findings.end());
  EXPECT_EQ(oom->severity, "warning") << "38 min left, 62% used";
  EXPECT_EQ(oom->evidence.details.at("time_to_limit_seconds"), "2304");
  EXPECT_EQ(oom->evidence.recent_values.size(), 5U);
  // 480m of a 500m limit is 96%: throttled.
  EXPECT_TRUE(hasFinding(findings, "throttling/pod/ns/leaky"));

  // Flat memory: no forecast, no finding at 62%.
  for (auto& p : histories["u1"]) p.memory_bytes = 640.0F * 1024 * 1024;
  EXPECT_FALSE(forecastOom(histories["u1"], 1024.0 * 1024 * 1024).has_value());
  EXPECT_FALSE(hasFinding(evaluateInsights(in), "oom_risk/pod/ns/leaky"));
  // ...but 97% of the limit is a risk by itself.
  const std::vector<PodSample> nearly_full = {limitedPod("1000Mi")};
  in.pods = &nearly_full;
  EXPECT_TRUE(hasFinding(evaluateInsights(in), "oom_risk/pod/ns/leaky"));
}

TEST(Insights, RestartBurstCountsRestartsInsideTheWindowOnly) {
  PodSample pod = limitedPod("100Mi");
  const kube::Time t0 = kube::parseTime("2026-11-21T00:00:00Z");
  PodHistory history;
  history.push_back({.timestamp = t0, .restarts = 10});               // outside the window
  history.push_back({.timestamp = t0 + minutes(6), .restarts = 11});  // window start base
  history.push_back({.timestamp = t0 + minutes(12), .restarts = 12});
  std::map<std::string, PodHistory> histories = {{"u1", history}};
  pod.summary.restarts = 13;  // 13 - 11 = 2 restarts in the last 10 minutes: no burst.
  std::vector<PodSample> pods = {pod};
  InsightInputs in;
  in.now = t0 + minutes(16);
  in.pods = &pods;
  in.history = &histories;
  EXPECT_FALSE(hasFinding(evaluateInsights(in), "restart_burst/pod/ns/leaky"));
  pods[0].summary.restarts = 14;  // 3 in the window.
  EXPECT_TRUE(hasFinding(evaluateInsights(in), "restart_burst/pod/ns/leaky"));
}

TEST(Insights, RecordHistoryKeepsTheLastPointsOfThePodsStillThere) {
  const kube::Time t0 = kube::parseTime("2026-11-21T00:00:00Z");
  PodSample with_metrics = limitedPod("100Mi");
  PodSample without_metrics = limitedPod("100Mi");
  without_metrics.uid = "u2";
  without_metrics.summary.usage.reset();
  std::map<std::string, PodHistory> history;
  for (int tick = 0; tick < 5; ++tick) {
    with_metrics.summary.restarts = tick;
    without_metrics.summary.restarts = 10 + tick;
    recordHistory(history, {with_metrics, without_metrics}, t0 + minutes(tick), 3);
  }
  ASSERT_EQ(history.size(), 2U);
  const PodHistory& kept = history.at("u1");
  ASSERT_EQ(kept.size(), 3U) << "the last 3 of 5 ticks";
  EXPECT_EQ(kept.capacity(), 3U) << "one allocation of max_points";
  for (std::size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i].timestamp, t0 + minutes(2 + static_cast<int>(i)));
    EXPECT_EQ(kept[i].restarts, 2 + static_cast<int>(i));
    ASSERT_TRUE(kept[i].hasMemory());
    EXPECT_EQ(kept[i].memory_bytes, 100.0F * 1024 * 1024);
  }
  ASSERT_EQ(history.at("u2").size(), 3U);
  EXPECT_EQ(history.at("u2").back().restarts, 14);
  EXPECT_FALSE(history.at("u2").back().hasMemory()) << "no metrics: no memory";

  // Kept as a float: exact for a whole number of KiB below 16 GiB, the kubelet's granularity.
  std::map<std::string, PodHistory> large;
  with_metrics.summary.usage->usage["memory"] = Quantity::parse("16777215Ki");
  recordHistory(large, {with_metrics}, t0, 3);
  EXPECT_EQ(static_cast<double>(large.at("u1").back().memory_bytes), 16777215.0 * 1024);

  recordHistory(history, {without_metrics}, t0 + minutes(5), 3);
  EXPECT_EQ(history.count("u1"), 0U) << "a pod that is gone is dropped";
  EXPECT_EQ(history.at("u2").front().restarts, 13);
  recordHistory(history, {without_metrics}, t0 + minutes(6), 0);
  EXPECT_TRUE(history.at("u2").empty()) << "max_points 0 keeps nothing";
}

TEST(Insights, AnomalyAlertsBecomeFindingsWithAnExpectedRange) {
  InsightInputs in;
  // Ten quiet values around 100 (mean 100, population σ 2), then a jump to 180.
  AnomalyAlert alert{{"pod", "ns", "web"},
                     "cpu_usage_millicores",
                     0.93,
                     {98, 102, 98, 102, 98, 102, 98, 102, 98, 102, 180}};
  in.anomalies = {alert};
  alert.subject = {"node", "", "n1"};
  alert.series = "memory_usage_bytes";
  alert.score = 0.75;
  in.anomalies.push_back(alert);
  const auto findings = evaluateInsights(in);
  ASSERT_EQ(findings.size(), 2U);
  const Finding& node = findings[0];  // sorted by id: "anomaly/node/..." < "anomaly/pod/..."
  const Finding& pod = findings[1];
  EXPECT_EQ(pod.id, "anomaly/pod/ns/web/cpu_usage_millicores");
  EXPECT_EQ(pod.kind, "anomaly");
  EXPECT_EQ(pod.severity, "critical") << "score 0.93";
  EXPECT_EQ(node.severity, "warning") << "score 0.75";
  EXPECT_EQ(pod.evidence.score, 0.93);
  ASSERT_TRUE(pod.evidence.expected_range.has_value());
  EXPECT_NEAR(pod.evidence.expected_range->first, 94.0, 1e-9);
  EXPECT_NEAR(pod.evidence.expected_range->second, 106.0, 1e-9);
  EXPECT_GT(pod.evidence.recent_values.back(), pod.evidence.expected_range->second);
}

TEST(InsightTracker, DeduplicatesAcrossTicksClosesAndReopens) {
  Finding f;
  f.id = "crash_loop/pod/ns/a/app";
  f.kind = "crash_loop";
  const kube::Time t0 = kube::parseTime("2026-11-21T00:00:00Z");
  InsightTracker tracker;
  tracker.update({f}, t0);
  tracker.update({f}, t0 + seconds(30));
  ASSERT_EQ(tracker.findings().size(), 1U);
  const TrackedFinding& t = tracker.findings().at(f.id);
  EXPECT_TRUE(t.open());
  EXPECT_EQ(t.ticks, 2);
  EXPECT_EQ(t.first_seen, t0);
  EXPECT_EQ(t.last_seen, t0 + seconds(30));

  tracker.update({}, t0 + seconds(60));
  EXPECT_FALSE(tracker.findings().at(f.id).open());
  EXPECT_EQ(tracker.findings().at(f.id).closed_at, t0 + seconds(60));

  tracker.update({f}, t0 + seconds(90));
  EXPECT_TRUE(tracker.findings().at(f.id).open());
  EXPECT_EQ(tracker.findings().at(f.id).first_seen, t0 + seconds(90));
  EXPECT_EQ(tracker.findings().at(f.id).ticks, 1);

  tracker.update({}, t0 + seconds(120));
  tracker.forgetClosedBefore(t0 + seconds(121));
  EXPECT_TRUE(tracker.findings().empty());
}

}  // namespace
}  // namespace keelson::analysis
