// The remediation planner (act/planner.h) on findings made by the monitor's own rules
// (analysis::evaluateInsights), so the planner reads the details those rules really write. The
// expected limits are worked out by hand in the comments.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "act/planner.h"
#include "common/expect_error.h"
#include "core/error.h"
#include "core/quantity.h"

namespace keelson::act {
namespace {

using analysis::Finding;
using core::Quantity;
using std::chrono::minutes;
using ::testing::HasSubstr;

const kube::Time kFirstSample = kube::parseTime("2026-11-21T00:00:00Z");

analysis::PodSample pod(const std::string& name, const std::string& memory_limit,
                        const std::string& memory_used, const std::string& cpu_limit,
                        const std::string& cpu_used) {
  analysis::PodSample p;
  p.uid = "uid-" + name;
  p.summary.namespace_name = "shop";
  p.summary.name = name;
  p.summary.phase = "Running";
  p.summary.limits = {{"memory", Quantity::parse(memory_limit)},
                      {"cpu", Quantity::parse(cpu_limit)}};
  p.summary.usage = analysis::Usage{
      {{"memory", Quantity::parse(memory_used)}, {"cpu", Quantity::parse(cpu_used)}}, {}, {}};
  return p;
}

// The findings the monitor's rules make for `pods`, with a memory history rising by
// `mib_per_minute` over five minutes up to the pod's usage.
std::vector<Finding> findingsFor(std::vector<analysis::PodSample> pods, double mib_per_minute) {
  std::map<std::string, analysis::PodHistory> histories;
  for (const auto& p : pods) {
    const double used = static_cast<double>(p.summary.usage->usage.at("memory").value());
    for (int i = 0; i <= 4; ++i) {
      histories[p.uid].push_back({kFirstSample + minutes(i),
                                  static_cast<float>(used - mib_per_minute * 1024 * 1024 * (4 - i)),
                                  0});
    }
  }
  analysis::InsightInputs in;
  in.now = kFirstSample + minutes(4);
  in.pods = &pods;
  in.history = &histories;
  return analysis::evaluateInsights(in);
}

Finding only(const std::vector<Finding>& findings, const std::string& kind) {
  const auto it = std::find_if(findings.begin(), findings.end(),
                               [&](const Finding& f) { return f.kind == kind; });
  EXPECT_NE(it, findings.end()) << kind;
  return it == findings.end() ? Finding{} : *it;
}

ObjectRef deployment(const std::string& name) {
  return parseObjectRef("deployment/" + name, KindSet::kAny, "shop");
}

PodOwner webOwner(const ResourceValues& limits, const ResourceValues& requests = {}) {
  return {"ReplicaSet/web-5d8f", deployment("web"), {{"app", limits, requests}}};
}

TEST(Planner, OomRiskRaisesTheMemoryLimitByTheForecastOrAQuarter) {
  // 640Mi of 1Gi rising by 10Mi/min: in an hour 640 + 600 = 1240Mi; a quarter more than 1Gi is
  // 1280Mi, which is more: 1280Mi.
  Finding oom = only(findingsFor({pod("web-1", "1Gi", "640Mi", "2", "100m")}, 10), "oom_risk");
  Proposal p = plan(oom, webOwner({{"memory", "1Gi"}}), {});
  EXPECT_EQ(p.action.kind, ActionKind::kSetResources);
  EXPECT_EQ(p.action.target.display(), "deployment.apps/web");
  EXPECT_EQ(p.action.resources.container, "app");
  EXPECT_EQ(p.action.resources.limits, (ResourceValues{{"memory", "1280Mi"}}));
  EXPECT_TRUE(p.action.resources.requests.empty());
  EXPECT_EQ(p.changes, std::vector<std::string>{"container app: limits.memory 1Gi -> 1280Mi"});
  EXPECT_EQ(describeAction(p.action),
            "set resources deployment.apps/web -n shop -c app --limits memory=1280Mi");
  EXPECT_DOUBLE_EQ(p.confidence, 1.0);

  // Rising by 20Mi/min: 640 + 1200 = 1840Mi beats 1280Mi.
  oom = only(findingsFor({pod("web-1", "1Gi", "640Mi", "2", "100m")}, 20), "oom_risk");
  p = plan(oom, webOwner({{"memory", "1Gi"}}), {});
  EXPECT_EQ(p.action.resources.limits.at("memory"), "1840Mi");
  EXPECT_THAT(p.reason, HasSubstr("container app of deployment.apps/web"));
}

TEST(Planner, OomRiskRoundsUpToWholeMiAndKeepsRequestsBelowTheLimit) {
  // No trend (flat), 97% of 100M (decimal: 95.367Mi): a quarter more is 119.2Mi -> 120Mi. The
  // template asks for a 125Mi request, more than the new limit: it comes down to 120Mi.
  Finding oom = only(findingsFor({pod("web-1", "100M", "97M", "2", "100m")}, 0), "oom_risk");
  const Proposal p = plan(oom, webOwner({{"memory", "100M"}}, {{"memory", "125Mi"}}), {});
  EXPECT_EQ(p.action.resources.limits.at("memory"), "120Mi");
  EXPECT_EQ(p.action.resources.requests, (ResourceValues{{"memory", "120Mi"}}));
  ASSERT_EQ(p.changes.size(), 2U);
  EXPECT_EQ(p.changes[1], "container app: requests.memory 125Mi -> 120Mi");
  // A request below the new limit is left alone.
  const Proposal q = plan(oom, webOwner({{"memory", "100M"}}, {{"memory", "64Mi"}}), {});
  EXPECT_TRUE(q.action.resources.requests.empty());
}

TEST(Planner, ThrottlingRaisesTheCpuLimit) {
  // 480m of 500m: a quarter more is 625m; usage at 80% of the limit needs 600m: 625m.
  Finding throttled =
      only(findingsFor({pod("web-1", "1Gi", "100Mi", "500m", "480m")}, 0), "throttling");
  Proposal p = plan(throttled, webOwner({{"cpu", "500m"}, {"memory", "1Gi"}}), {});
  EXPECT_EQ(p.action.kind, ActionKind::kSetResources);
  EXPECT_EQ(p.action.resources.limits, (ResourceValues{{"cpu", "625m"}}));
  // 990m of 1 CPU: 1250m for a quarter, 990/0.8 = 1237.5 -> 1250m; with a 50% target
  // utilisation, 1980m.
  throttled = only(findingsFor({pod("web-1", "1Gi", "100Mi", "1", "990m")}, 0), "throttling");
  EXPECT_EQ(plan(throttled, webOwner({{"cpu", "1"}}), {}).action.resources.limits.at("cpu"),
            "1250m");
  PlannerOptions half;
  half.cpu_target_utilisation = 0.5;
  EXPECT_EQ(plan(throttled, webOwner({{"cpu", "1"}}), half).action.resources.limits.at("cpu"),
            "1980m");
}

TEST(Planner, ResourcesNeedOneTemplateContainerToChange) {
  const Finding oom =
      only(findingsFor({pod("web-1", "1Gi", "1000Mi", "2", "100m")}, 0), "oom_risk");
  PodOwner two = webOwner({{"memory", "512Mi"}});
  two.containers.push_back({"side", {{"memory", "512Mi"}}, {}});
  Proposal p = plan(oom, two, {});
  EXPECT_EQ(p.action.kind, ActionKind::kNone);
  EXPECT_THAT(p.reason, HasSubstr("2 containers of deployment.apps/web have memory limits"));
  // One of two has a limit: that one.
  two.containers[1].limits.clear();
  EXPECT_EQ(plan(oom, two, {}).action.resources.container, "app");
  // A single container without a limit in the template (a LimitRange gave the pod one): the
  // finding's figure is the base: 1Gi + 25% = 1280Mi.
  EXPECT_EQ(plan(oom, webOwner({}), {}).action.resources.limits.at("memory"), "1280Mi");
  // A bare pod has no template.
  p = plan(oom, PodOwner{}, {});
  EXPECT_EQ(p.action.kind, ActionKind::kNone);
  EXPECT_THAT(p.reason, HasSubstr("no workload template"));
  // An owner that could not be read.
  EXPECT_THAT(plan(oom, std::nullopt, {}).reason, HasSubstr("could not be read"));
}

Finding crashLoop() {
  analysis::PodSample p = pod("web-1", "1Gi", "10Mi", "1", "1m");
  p.waiting_reasons = {"app=CrashLoopBackOff"};
  return only(findingsFor({p}, 0), "crash_loop");
}

TEST(Planner, CrashLoopRestartsTheOwnerOrThePod) {
  const Finding crash = crashLoop();
  EXPECT_TRUE(needsPodOwner(crash, {}));
  Proposal p = plan(crash, webOwner({}), {});
  EXPECT_EQ(p.action.kind, ActionKind::kRolloutRestart);
  EXPECT_EQ(describeAction(p.action), "rollout restart deployment.apps/web -n shop");
  EXPECT_THAT(p.reason, HasSubstr("Deployment web (through ReplicaSet/web-5d8f)"));

  // A StatefulSet directly.
  const PodOwner sts{"StatefulSet/db", parseObjectRef("sts/db", KindSet::kAny, "shop"), {}};
  EXPECT_EQ(plan(crash, sts, {}).action.target.display(), "statefulset.apps/db");

  // A Job's pod: delete it, the Job makes another.
  p = plan(crash, PodOwner{"Job/batch", std::nullopt, {}}, {});
  EXPECT_EQ(p.action.kind, ActionKind::kRestartPod);
  EXPECT_EQ(describeAction(p.action), "restart pod pod/web-1 -n shop");
  EXPECT_FALSE(p.action.force);

  // A bare pod only with --force.
  p = plan(crash, PodOwner{}, {});
  EXPECT_EQ(p.action.kind, ActionKind::kNone);
  EXPECT_THAT(p.reason, HasSubstr("--force"));
  PlannerOptions force;
  force.force = true;
  p = plan(crash, PodOwner{}, force);
  EXPECT_EQ(p.action.kind, ActionKind::kRestartPod);
  EXPECT_TRUE(p.action.force);

  // restart_burst is treated the same.
  Finding burst = crash;
  burst.kind = "restart_burst";
  EXPECT_EQ(plan(burst, webOwner({}), {}).action.kind, ActionKind::kRolloutRestart);
}

Finding nodeFinding(const std::string& condition) {
  kube::Node node;
  node.metadata.name = "n1";
  kube::Condition c;
  c.type = condition;
  c.status = "True";
  c.reason = "KubeletHasInsufficientMemory";
  node.status.conditions.push_back(c);
  std::vector<kube::Node> nodes = {node};
  analysis::InsightInputs in;
  in.now = kFirstSample;
  in.nodes = &nodes;
  return only(analysis::evaluateInsights(in), "node_pressure");
}

TEST(Planner, NodePressureCordonsOrDrains) {
  const Finding pressure = nodeFinding("MemoryPressure");
  EXPECT_FALSE(needsPodOwner(pressure, {}));
  Proposal p = plan(pressure, std::nullopt, {});
  EXPECT_EQ(p.action.kind, ActionKind::kCordon);
  EXPECT_EQ(describeAction(p.action), "cordon node/n1");
  PlannerOptions drain;
  drain.allow_drain = true;
  drain.drain.filters.ignore_daemonsets = true;
  p = plan(pressure, std::nullopt, drain);
  EXPECT_EQ(p.action.kind, ActionKind::kDrain);
  EXPECT_EQ(describeAction(p.action), "drain node/n1 --ignore-daemonsets");
}

TEST(Planner, PendingImagePullAndAnomaliesOnlyExplain) {
  Finding f;
  f.id = "pending_too_long/pod/shop/x";
  f.kind = "pending_too_long";
  f.subject = {"pod", "shop", "x"};
  f.suggested_action = {"inspect", "See why: kubectl describe pod -n shop x"};
  Proposal p = plan(f, std::nullopt, {});
  EXPECT_EQ(p.action.kind, ActionKind::kNone);
  EXPECT_THAT(p.reason, HasSubstr("kubectl describe pod -n shop x"));
  f.kind = "image_pull_failure";
  EXPECT_EQ(plan(f, std::nullopt, {}).action.kind, ActionKind::kNone);

  f.kind = "anomaly";
  f.evidence.series = "memory_usage_bytes";
  f.evidence.score = 0.93;
  p = plan(f, webOwner({}), {});
  EXPECT_EQ(p.action.kind, ActionKind::kNone);
  EXPECT_DOUBLE_EQ(p.confidence, 0.93);
  EXPECT_THAT(p.reason, HasSubstr("--anomaly-rule memory_usage_bytes=restart"));
  PlannerOptions rules;
  addAnomalyRule(rules.anomaly_rules, "memory_usage_bytes=restart");
  EXPECT_TRUE(needsPodOwner(f, rules));
  EXPECT_EQ(plan(f, webOwner({}), rules).action.kind, ActionKind::kRolloutRestart);
  f.evidence.series = "cpu_usage_millicores";
  EXPECT_EQ(plan(f, webOwner({}), rules).action.kind, ActionKind::kNone);
}

TEST(Planner, ConfidenceIsTheScoreOrOne) {
  Finding f;
  EXPECT_DOUBLE_EQ(findingConfidence(f), 1.0);
  f.evidence.score = 0.42;
  EXPECT_DOUBLE_EQ(findingConfidence(f), 0.42);
}

TEST(Planner, AnomalyRulesAreChecked) {
  std::map<std::string, std::string> rules;
  for (const char* bad : {"memory_usage_bytes", "=restart", "cpu=scale"}) {
    const Error e = testing::expectError([&] { addAnomalyRule(rules, bad); });
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_THAT(e.what(), HasSubstr(bad));
  }
  EXPECT_TRUE(rules.empty());
}

}  // namespace
}  // namespace keelson::act
