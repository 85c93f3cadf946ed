// keelson monitor --port with the chart's PrometheusRule in a real Prometheus (Debian's),
// scraping it: the open finding of a pod the API server shows crash-looping becomes a series on
// /metrics and a KeelsonInsightCrashLoop alert with the finding's severity and subject; the
// alert ends once the pod recovers. A healthy pod gets neither.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "common/http_client.h"
#include "common/prerequisite.h"
#include "common/test_env.h"
#include "monitor/monitor_test_support.h"
#include "support/serve_process.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

// The release namespace the rules select on; Prometheus gives the scraped series this label,
// as the Prometheus Operator does from the ServiceMonitor's target.
constexpr const char* kReleaseNamespace = "keelson-alerts";

// The groups of the chart's PrometheusRule, as a Prometheus rule file (JSON is YAML).
json chartRuleGroups(const TestCluster& cluster) {
  for (const json& o : cluster.renderChart({"--namespace", kReleaseNamespace, "--set",
                                            "prometheusRule.enabled=true", "--set",
                                            "prometheusRule.insightAlertFor=0s"})) {
    if (o["kind"] == "PrometheusRule") return {{"groups", o["spec"]["groups"]}};
  }
  ADD_FAILURE() << "the chart rendered no PrometheusRule";
  return json::object();
}

std::string prometheusConfig(int monitor_port) {
  return "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
         "rule_files: [rules.json]\n"
         "scrape_configs:\n  - job_name: monitor\n    static_configs:\n"
         "      - targets: ['127.0.0.1:" +
         std::to_string(monitor_port) + "']\n        labels: {namespace: " + kReleaseNamespace +
         ", pod: keelson-monitor-0}\n";
}

// Active (pending or firing) alerts of `name` by subject_name, with their state and labels.
std::map<std::string, json> activeAlerts(Client& http, const std::string& prometheus,
                                         const std::string& name) {
  std::map<std::string, json> out;
  const HttpResult r = http.request("GET", prometheus + "/api/v1/alerts");
  if (r.status != 200) return out;
  const json body = r.json();  // named: a temporary's member would dangle in the loop
  for (const json& a : body["data"]["alerts"]) {
    if (a["labels"]["alertname"] == name) out[a["labels"].value("subject_name", "")] = a;
  }
  return out;
}

TEST(MonitorAlerts, ChartRulesAlertOnTheOpenFindingsOfMonitorsMetricsInARealPrometheus) {
  TestCluster cluster;
  std::string why;
  if (!findTestCluster(cluster, why)) KEELSON_MISSING_PREREQUISITE(why);
  if (cluster.helm.empty() || cluster.prometheus_operator_crds.empty()) {
    KEELSON_MISSING_PREREQUISITE("no HELM or PROMETHEUS_OPERATOR_CRDS in " + cluster.dir +
                                 "/env (test/cluster/build makes them)");
  }
  // helm's output is read through kubectl, which must know the PrometheusRule kind.
  cluster.installPrometheusOperatorCrds();
  const std::string ns = uniqueName("monalert");
  const std::string node = ns + "-n";
  const auto dir = std::filesystem::temp_directory_path() / ns;
  std::filesystem::create_directories(dir);
  ASSERT_EQ(run({sourceDir() + "/test/cluster/add-node", node}).exit_code, 0);
  cluster.kubectlOk({"create", "namespace", ns});
  const auto pod = [&](const std::string& name) {
    cluster.apply(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
                  R"(","namespace":")" + ns +
                  R"(","annotations":{"kwok.x-k8s.io/status":"custom"}},"spec":{"nodeName":")" +
                  node + R"(","containers":[{"name":"app","image":"busybox"}]}})");
  };
  const auto status = [&](const std::string& name, const std::string& state, bool ready) {
    cluster.kubectlOk({"patch", "pod", name, "-n", ns, "--subresource=status", "--type=merge", "-p",
                       R"({"status":{"phase":"Running","containerStatuses":[{"name":"app",)"
                       R"("image":"busybox","imageID":"","ready":)" +
                           std::string(ready ? "true" : "false") + R"(,"restartCount":5,"state":)" +
                           state + "}]}}"});
  };
  const std::string crash_looping =
      R"({"waiting":{"reason":"CrashLoopBackOff","message":"back-off 2m40s"}})";
  const std::string running = R"({"running":{"startedAt":"2026-01-01T00:05:00Z"}})";
  pod("crashy");
  pod("healthy");
  status("crashy", crash_looping, false);
  status("healthy", running, true);
  // The independent view: the API server holds the states the findings must follow.
  const json crashy = cluster.kubectlJson({"get", "pod", "crashy", "-n", ns, "-o", "json"});
  ASSERT_EQ(crashy["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
            "CrashLoopBackOff");

  const int port = freePort();
  BackgroundKeelson monitor({"monitor", "--kubeconfig", cluster.kubeconfig, "-n", ns, "--interval",
                             "1s", "--no-history", "--output-file",
                             (dir / "pod_metrics.csv").string(), "--insights-file",
                             (dir / "pod_insights.json").string(), "--address", "127.0.0.1",
                             "--port", std::to_string(port)});
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  Client http;
  ASSERT_TRUE(eventually([&] { return http.request("GET", base + "/readyz").status == 200; }))
      << monitor.stderrText();
  EXPECT_GE(http.request("GET", base + "/readyz").json()["ticks"].get<int>(), 1);

  // /metrics: well-formed by promtool's own linter, one series for the crash-looping container.
  const std::string crash_id = "crash_loop/pod/" + ns + "/crashy/app";
  const HttpResult metrics = http.request("GET", base + "/metrics");
  ASSERT_EQ(metrics.status, 200);
  std::ofstream(dir / "metrics.txt") << metrics.body;
  const auto lint = run({"sh", "-c", "promtool check metrics < " + (dir / "metrics.txt").string()});
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  EXPECT_NE(metrics.body.find(R"(keelson_insight_open{id=")" + crash_id +
                              R"(",kind="crash_loop",)"
                              R"(severity="critical",subject_kind="pod",subject_namespace=")" +
                              ns + R"(",subject_name="crashy"} 1)"),
            std::string::npos)
      << metrics.body;
  EXPECT_EQ(metrics.body.find("subject_name=\"healthy\""), std::string::npos) << metrics.body;

  // The chart's rules, valid for promtool, alert in Prometheus on the scraped series.
  std::filesystem::create_directories(dir / "prometheus");
  const json groups = chartRuleGroups(cluster);
  ASSERT_TRUE(groups.contains("groups")) << "no PrometheusRule to test";
  std::ofstream(dir / "prometheus" / "rules.json") << groups.dump();
  const auto check =
      run({"promtool", "check", "rules", (dir / "prometheus" / "rules.json").string()});
  ASSERT_EQ(check.exit_code, 0) << check.out << check.err;
  PrometheusServer prometheus(dir / "prometheus", "", prometheusConfig(port));
  ASSERT_TRUE(eventually([&] { return prometheus.ready(); }, seconds(60)));
  std::map<std::string, json> alerts;
  ASSERT_TRUE(eventually(
      [&] {
        alerts = activeAlerts(http, prometheus.url(), "KeelsonInsightCrashLoop");
        return alerts.contains("crashy") && alerts["crashy"]["state"] == "firing";
      },
      seconds(60)))
      << http.request("GET", prometheus.url() + "/api/v1/alerts").body << "\n"
      << http.request("GET", prometheus.url() + "/api/v1/targets").body;
  const json& labels = alerts["crashy"]["labels"];
  EXPECT_EQ(labels["severity"], "critical") << "the finding's severity";
  EXPECT_EQ(labels["subject_namespace"], ns);
  EXPECT_EQ(labels["id"], crash_id);
  EXPECT_NE(alerts["crashy"]["annotations"]["description"].get<std::string>().find("pod " + ns +
                                                                                   "/crashy"),
            std::string::npos)
      << alerts["crashy"].dump(2);
  EXPECT_FALSE(alerts.contains("healthy"));

  // The pod recovers: the finding closes and the alert ends.
  status("crashy", running, true);
  EXPECT_TRUE(eventually(
      [&] { return activeAlerts(http, prometheus.url(), "KeelsonInsightCrashLoop").empty(); },
      seconds(60)));

  monitor.signal(SIGTERM);
  EXPECT_EQ(monitor.wait(seconds(30)), 0) << monitor.stderrText();
  // kwok does not finish deleting pods whose status it leaves alone: force them.
  run({cluster.kubectl, "--kubeconfig", cluster.kubeconfig, "delete", "pods", "--all", "-n", ns,
       "--grace-period=0", "--force"});
  run({cluster.kubectl, "--kubeconfig", cluster.kubeconfig, "delete", "namespace", ns,
       "--timeout=60s"});
  run({cluster.kubectl, "--kubeconfig", cluster.kubeconfig, "delete", "node", node});
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace keelson::testing
