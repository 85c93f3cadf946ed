// keelson monitor's /metrics and /readyz: open findings as series, closed ones gone, tick health.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "analysis/insight_tracker.h"
#include "app/monitor.h"
#include "app/monitor_metrics.h"
#include "server/metrics.h"

namespace keelson::app {
namespace {

using namespace std::chrono_literals;

analysis::TrackedFinding finding(const std::string& kind, const std::string& severity,
                                 const std::string& ns, const std::string& name, bool open) {
  analysis::TrackedFinding t;
  t.finding.kind = kind;
  t.finding.severity = severity;
  t.finding.subject = {"pod", ns, name};
  t.finding.id = kind + "/pod/" + ns + "/" + name;
  t.first_seen = t.last_seen = kube::Time(1700000000s);
  if (!open) t.closed_at = t.last_seen;
  return t;
}

bool has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(MonitorMetrics, NotReadyAndNoLastTickBeforeTheFirstTick) {
  server::Registry registry;
  const MonitorMetrics metrics(registry, 30s);
  const Readiness r = metrics.readiness();
  EXPECT_FALSE(r.ready);
  EXPECT_TRUE(r.body["last_tick"].is_null());
  const std::string text = registry.serialize();
  EXPECT_EQ(text.find("\nkeelson_monitor_last_tick_timestamp_seconds "), std::string::npos) << text;
  EXPECT_TRUE(has(text, "keelson_monitor_interval_seconds 30")) << text;
  EXPECT_TRUE(has(text, R"(keelson_insights{kind="crash_loop",severity="critical"} 0)")) << text;
}

TEST(MonitorMetrics, OpenFindingsAreSeriesAndClosedOnesAreNot) {
  server::Registry registry;
  MonitorMetrics metrics(registry, 60s);
  TickResult tick;
  tick.timestamp = kube::Time(1700000060s);
  metrics.observe(tick, 250ms,
                  {finding("crash_loop", "critical", "shop", "cart-1", true),
                   finding("crash_loop", "critical", "shop", "cart-2", true),
                   finding("oom_risk", "warning", "shop", "db-0", false)});
  const std::string text = registry.serialize();
  EXPECT_TRUE(has(text, R"(keelson_insights{kind="crash_loop",severity="critical"} 2)")) << text;
  EXPECT_TRUE(has(text, R"(keelson_insights{kind="oom_risk",severity="warning"} 0)")) << text;
  EXPECT_TRUE(has(text, R"(keelson_insight_open{id="crash_loop/pod/shop/cart-1",kind="crash_loop",)"
                        R"(severity="critical",subject_kind="pod",subject_namespace="shop",)"
                        R"(subject_name="cart-1"} 1)"))
      << text;
  EXPECT_EQ(text.find("db-0"), std::string::npos) << "a closed finding is not exported";
  EXPECT_TRUE(has(text, "keelson_monitor_last_tick_timestamp_seconds 1700000060")) << text;
  EXPECT_TRUE(has(text, R"(keelson_monitor_ticks_total{result="ok"} 1)")) << text;
  EXPECT_TRUE(has(text, "keelson_monitor_tick_duration_seconds_count 1")) << text;
  const Readiness r = metrics.readiness();
  EXPECT_TRUE(r.ready);
  EXPECT_EQ(r.body["open_findings"], 2);
  EXPECT_EQ(r.body["last_tick"], "2023-11-14T22:14:20Z");
}

TEST(MonitorMetrics, AFindingThatClosesLeavesTheSeriesAndADegradedTickIsCounted) {
  server::Registry registry;
  MonitorMetrics metrics(registry, 60s);
  TickResult tick;
  tick.timestamp = kube::Time(1700000060s);
  metrics.observe(tick, 1s, {finding("pending_too_long", "warning", "a", "p", true)});
  tick.errors = {"cluster: connection refused"};
  metrics.observe(tick, 1s, {finding("pending_too_long", "warning", "a", "p", false)});
  const std::string text = registry.serialize();
  EXPECT_EQ(text.find("keelson_insight_open{"), std::string::npos) << text;
  EXPECT_TRUE(has(text, R"(keelson_insights{kind="pending_too_long",severity="warning"} 0)"));
  EXPECT_TRUE(has(text, R"(keelson_monitor_ticks_total{result="degraded"} 1)")) << text;
  EXPECT_EQ(metrics.readiness().body["degraded_ticks"], 1);
}

}  // namespace
}  // namespace keelson::app
