// keelson monitor against the test control plane: the dataset's rows against what the API server
// (pods, metrics.k8s.io) and kubectl say at that tick, ticks and restarts, the history store,
// insights that open on induced problems and close when they are removed, SIGTERM and SIGKILL.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/prerequisite.h"
#include "common/test_env.h"
#include "core/quantity.h"
#include "monitor/monitor_test_support.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

class Monitor : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!findTestCluster(cluster_, why)) KEELSON_MISSING_PREREQUISITE(why);
    static int test_number = 0;
    ns_ = uniqueName("mon") + "-" + std::to_string(test_number++);
    node_ = ns_ + "-n";
    dir_ = std::filesystem::temp_directory_path() / ns_;
    std::filesystem::create_directories(dir_);
    const auto added = run({keelson::testing::sourceDir() + "/test/cluster/add-node", node_,
                            "--cpu", "8", "--memory", "16Gi"});
    ASSERT_EQ(added.exit_code, 0) << added.err;
    cluster_.kubectlOk({"create", "namespace", ns_});
  }

  void TearDown() override {
    if (cluster_.kubectl.empty()) return;
    // kwok does not finish deleting pods whose status it was told to leave alone: force them.
    run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "pods", "--all", "-n",
         ns_, "--grace-period=0", "--force"});
    run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "namespace", ns_,
         "--timeout=60s"});
    run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "node", node_});
    std::filesystem::remove_all(dir_);
  }

  // A pod bound to our node with one container "app".
  void pod(const std::string& name, const std::string& cpu, const std::string& memory,
           const std::string& extra_spec = "", const std::string& annotations = "{}") {
    cluster_.apply(
        R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name + R"(","namespace":")" +
        ns_ + R"(","annotations":)" + annotations + R"(},"spec":{)" + extra_spec +
        R"("containers":[{"name":"app","image":"busybox","resources":{"requests":)"
        R"({"cpu":")" +
        cpu + R"(","memory":")" + memory + R"("},"limits":{"memory":")" + memory + R"("}}}]}})");
  }

  void boundPod(const std::string& name, const std::string& cpu, const std::string& memory) {
    pod(name, cpu, memory, R"("nodeName":")" + node_ + R"(",)");
  }

  bool allRunning() const {
    const json pods = cluster_.kubectlJson({"get", "pods", "-n", ns_, "-o", "json"});
    return std::all_of(pods["items"].begin(), pods["items"].end(),
                       [](const json& p) { return p["status"].value("phase", "") == "Running"; });
  }

  std::vector<std::string> monitorArgs(const std::vector<std::string>& extra) const {
    std::vector<std::string> args = {"monitor",
                                     "--kubeconfig",
                                     cluster_.kubeconfig,
                                     "-n",
                                     ns_,
                                     "--output-file",
                                     (dir_ / "pod_metrics.csv").string(),
                                     "--insights-file",
                                     (dir_ / "pod_insights.json").string(),
                                     "--history",
                                     (dir_ / "history.db").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Sets a kwok pod's status by hand: kwok leaves pods annotated status=custom alone.
  void patchStatus(const std::string& name, const std::string& status_json) const {
    cluster_.kubectlOk({"patch", "pod", name, "-n", ns_, "--subresource=status", "--type=merge",
                        "-p", R"({"status":)" + status_json + "}"});
  }

  json insights() const {
    std::ifstream in(dir_ / "pod_insights.json");
    return json::parse(in);
  }

  static const json* finding(const json& doc, const std::string& id) {
    for (const auto& f : doc["findings"]) {
      if (f["id"] == id) return &f;
    }
    return nullptr;
  }

  TestCluster cluster_;
  std::string ns_;
  std::string node_;
  std::filesystem::path dir_;
};

// metrics.k8s.io usage of a pod summed over containers: (millicores, bytes), or nullopt when
// the metrics API does not serve the pod.
std::optional<std::pair<int64_t, int64_t>> metricsUsage(const TestCluster& cluster,
                                                        const std::string& ns,
                                                        const std::string& pod) {
  const auto result = run({cluster.kubectl, "--kubeconfig", cluster.kubeconfig, "get", "--raw",
                           "/apis/metrics.k8s.io/v1beta1/namespaces/" + ns + "/pods/" + pod});
  if (result.exit_code != 0) return std::nullopt;
  const json m = json::parse(result.out);
  int64_t cpu = 0;
  int64_t memory = 0;
  for (const auto& c : m["containers"]) {
    cpu += core::Quantity::parse(c["usage"]["cpu"].get<std::string>()).milliValue();
    memory += core::Quantity::parse(c["usage"]["memory"].get<std::string>()).value();
  }
  return std::pair{cpu, memory};
}

bool metricsServed(const TestCluster& cluster) {
  return run({cluster.kubectl, "--kubeconfig", cluster.kubeconfig, "get", "--raw",
              "/apis/metrics.k8s.io/v1beta1/nodes"})
             .exit_code == 0;
}

TEST_F(Monitor, OnceWritesOneRowPerPodMatchingTheApiServer) {
  boundPod("a", "250m", "256Mi");
  boundPod("b", "1", "1Gi");
  pod("pending", "100m", "64Mi", R"("nodeSelector":{"zone":"nowhere"},)");
  ASSERT_TRUE(eventually([&] {
    const json pods = cluster_.kubectlJson({"get", "pods", "-n", ns_, "-o", "json"});
    int running = 0;
    for (const auto& p : pods["items"]) running += p["status"].value("phase", "") == "Running";
    return running == 2;
  }));
  const bool metrics = metricsServed(cluster_);
  if (metrics) {
    // kwok simulates the usage metrics-server scrapes: give "a" a usage of its own and wait
    // until metrics.k8s.io reports it (and "b" at all).
    const auto set = run({keelson::testing::sourceDir() + "/test/cluster/set-usage", ns_, "a",
                          "--cpu", "250m", "--memory", "200Mi"});
    ASSERT_EQ(set.exit_code, 0) << set.err;
    ASSERT_TRUE(eventually(
        [&] {
          const auto a = metricsUsage(cluster_, ns_, "a");
          return a && a->second == 200 * 1024 * 1024 && metricsUsage(cluster_, ns_, "b");
        },
        seconds(120)));
  }

  // metrics-server publishes a new sample every resolution; read it before and after the tick,
  // so the tick's values must equal one of the two.
  std::map<std::string, std::optional<std::pair<int64_t, int64_t>>> before;
  for (const auto* name : {"a", "b", "pending"}) before[name] = metricsUsage(cluster_, ns_, name);
  const auto result = runKeelson(monitorArgs({"--once"}));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const CsvFile csv = readCsv((dir_ / "pod_metrics.csv").string());
  ASSERT_EQ(csv.rows.size(), 3U) << result.err;
  const json pods = cluster_.kubectlJson({"get", "pods", "-n", ns_, "-o", "json"});
  std::set<std::string> timestamps;
  for (const auto& row : csv.records()) {
    ASSERT_EQ(row.size(), csv.header.size());
    timestamps.insert(row.at("timestamp"));
    EXPECT_EQ(row.at("namespace"), ns_);
    const auto it = std::find_if(pods["items"].begin(), pods["items"].end(), [&](const json& p) {
      return p["metadata"]["name"] == row.at("pod");
    });
    ASSERT_NE(it, pods["items"].end()) << row.at("pod");
    const json& p = *it;
    EXPECT_EQ(row.at("phase"), p["status"]["phase"]);
    EXPECT_EQ(row.at("node"), p["spec"].value("nodeName", ""));
    const json& requests = p["spec"]["containers"][0]["resources"]["requests"];
    EXPECT_EQ(
        row.at("cpu_request_millicores"),
        std::to_string(core::Quantity::parse(requests["cpu"].get<std::string>()).milliValue()));
    EXPECT_EQ(row.at("memory_limit_bytes"),
              std::to_string(core::Quantity::parse(requests["memory"].get<std::string>()).value()));
    EXPECT_EQ(row.at("cpu_limit_millicores"), "") << "no CPU limit: empty, never 0";
    int restarts = 0;
    int ready = 0;
    for (const auto& s : p["status"].value("containerStatuses", json::array())) {
      restarts += s["restartCount"].get<int>();
      ready += s["ready"].get<bool>() ? 1 : 0;
    }
    EXPECT_EQ(row.at("restarts_total"), std::to_string(restarts));
    EXPECT_EQ(row.at("ready_containers"), std::to_string(ready));
    EXPECT_EQ(row.at("total_containers"), "1");

    // Usage: what metrics.k8s.io said for the pod around the tick, or empty without it.
    const auto after = metricsUsage(cluster_, ns_, row.at("pod"));
    const auto& usage = before.at(row.at("pod"));
    if (usage || after) {
      const auto matches = [&](const std::optional<std::pair<int64_t, int64_t>>& u) {
        return u && row.at("cpu_usage_millicores") == std::to_string(u->first) &&
               row.at("memory_usage_bytes") == std::to_string(u->second);
      };
      EXPECT_TRUE(matches(usage) || matches(after))
          << row.at("pod") << ": row cpu " << row.at("cpu_usage_millicores") << " memory "
          << row.at("memory_usage_bytes");
      EXPECT_FALSE(row.at("usage_timestamp").empty());
      if (row.at("pod") == "a") {
        EXPECT_EQ(row.at("memory_usage_bytes"), std::to_string(200 * 1024 * 1024));
        EXPECT_NEAR(std::stod(row.at("memory_percent_of_limit")), 100.0 * 200 / 256, 0.01);
        EXPECT_NEAR(std::stod(row.at("cpu_usage_millicores")), 250, 1);
      }
    } else {
      EXPECT_EQ(row.at("cpu_usage_millicores"), "") << row.at("pod");
      EXPECT_EQ(row.at("memory_usage_bytes"), "") << row.at("pod");
      EXPECT_EQ(row.at("memory_percent_of_limit"), "") << row.at("pod");
    }
  }
  EXPECT_EQ(timestamps.size(), 1U) << "one tick, one timestamp";
}

TEST_F(Monitor, TicksCountRestartsOnceAndTheHistoryAgreesWithTheDataset) {
  pod("crashy", "100m", "64Mi", R"("nodeName":")" + node_ + R"(",)",
      R"({"kwok.x-k8s.io/status":"custom"})");
  boundPod("steady", "100m", "64Mi");
  const std::string started = R"("startedAt":"2026-01-01T00:00:00Z")";
  const auto running = [&](int restarts) {
    return R"({"phase":"Running","conditions":[{"type":"Ready","status":"True"}],)"
           R"("containerStatuses":[{"name":"app","image":"busybox","imageID":"","ready":true,)"
           R"("restartCount":)" +
           std::to_string(restarts) + R"(,"state":{"running":{)" + started + "}}}]}";
  };
  patchStatus("crashy", running(0));
  ASSERT_TRUE(eventually([&] { return allRunning(); }));

  BackgroundKeelson monitor(monitorArgs({"--interval", "2s"}));
  const auto ticks = [&] {
    const CsvFile csv = readCsv((dir_ / "pod_metrics.csv").string());
    std::set<std::string> t;
    for (const auto& r : csv.records()) t.insert(r.at("timestamp"));
    return t.size();
  };
  ASSERT_TRUE(eventually(
      [&] { return std::filesystem::exists(dir_ / "pod_metrics.csv") && ticks() >= 1; }));
  patchStatus("crashy", running(3));
  ASSERT_TRUE(eventually([&] { return ticks() >= 4; }));
  monitor.signal(SIGTERM);
  const int code = monitor.wait(seconds(30));
  EXPECT_TRUE(code == 0 || code == 2) << code << monitor.stderrText();

  const CsvFile csv = readCsv((dir_ / "pod_metrics.csv").string());
  std::vector<std::string> crashy_restarts;
  int deltas = 0;
  int empty_deltas = 0;
  for (const auto& r : csv.records()) {
    ASSERT_EQ(r.size(), csv.header.size());
    if (r.at("pod") != "crashy") continue;
    crashy_restarts.push_back(r.at("restarts_total"));
    if (r.at("restarts_since_last_tick").empty()) {
      ++empty_deltas;
    } else {
      deltas += std::stoi(r.at("restarts_since_last_tick"));
    }
  }
  EXPECT_EQ(csv.rows.size(), 2 * crashy_restarts.size()) << "both pods in every tick";
  EXPECT_EQ(empty_deltas, 1) << "only the first tick has no previous one";
  EXPECT_EQ(deltas, 3) << "three restarts, counted once";
  EXPECT_EQ(crashy_restarts.back(), "3");

  // The history store holds the same restart series, tick by tick.
  const auto history =
      runKeelson({"history", "--history", (dir_ / "history.db").string(), "--pod", ns_ + "/crashy",
                  "--metric", "restarts_total", "--since", "1h", "-o", "csv"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  const std::string exported = (dir_ / "export.csv").string();
  std::ofstream(exported) << history.out;
  const CsvFile series = readCsv(exported);
  ASSERT_EQ(series.rows.size(), crashy_restarts.size()) << history.out;
  for (std::size_t i = 0; i < crashy_restarts.size(); ++i) {
    EXPECT_EQ(std::stod(series.records()[i].at("value")), std::stod(crashy_restarts[i])) << i;
  }
}

TEST_F(Monitor, InsightsOpenForInducedProblemsAndCloseWhenTheyAreRemoved) {
  pod("stuck", "100m", "64Mi", R"("nodeSelector":{"zone":"nowhere"},)");
  pod("crashy", "100m", "64Mi", R"("nodeName":")" + node_ + R"(",)",
      R"({"kwok.x-k8s.io/status":"custom"})");
  patchStatus("crashy",
              R"({"phase":"Running","containerStatuses":[{"name":"app","image":"busybox",)"
              R"("imageID":"","ready":false,"restartCount":5,"state":{"waiting":{"reason":)"
              R"("CrashLoopBackOff","message":"back-off 2m40s restarting failed container"}},)"
              R"("lastState":{"terminated":{"exitCode":1,"reason":"Error",)"
              R"("startedAt":"2026-01-01T00:00:00Z","finishedAt":"2026-01-01T00:00:01Z"}}}]})");
  const auto condition = [&](const std::string& status) {
    const auto r = run({keelson::testing::sourceDir() + "/test/cluster/set-node-condition", node_,
                        "MemoryPressure", status, "KubeletHasInsufficientMemory"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  };
  condition("True");
  // The stuck pod must be older than --pending-after.
  std::this_thread::sleep_for(seconds(2));

  const std::vector<std::string> once = monitorArgs({"--once", "--pending-after", "1s"});
  auto result = runKeelson(once);
  ASSERT_TRUE(result.exit_code == 0 || result.exit_code == 2) << result.err;
  json doc = insights();
  const std::string pending_id = "pending_too_long/pod/" + ns_ + "/stuck";
  const std::string crash_id = "crash_loop/pod/" + ns_ + "/crashy/app";
  const std::string pressure_id = "node_pressure/node//" + node_ + "/MemoryPressure";
  for (const auto& id : {pending_id, crash_id, pressure_id}) {
    const json* f = finding(doc, id);
    ASSERT_NE(f, nullptr) << id << "\n" << doc.dump(2);
    EXPECT_EQ((*f)["status"], "open") << id;
    EXPECT_FALSE((*f)["explanation"].get<std::string>().empty()) << id;
    EXPECT_FALSE((*f)["suggested_action"]["action"].get<std::string>().empty()) << id;
  }
  EXPECT_EQ((*finding(doc, crash_id))["severity"], "critical");
  EXPECT_EQ((*finding(doc, pressure_id))["kind"], "node_pressure");

  // A second tick with the problems still there keeps one finding each.
  result = runKeelson(once);
  doc = insights();
  EXPECT_EQ((*finding(doc, crash_id))["ticks"], 2);

  // Remove the problems: the findings close.
  cluster_.kubectlOk({"delete", "pod", "stuck", "-n", ns_, "--wait=true"});
  patchStatus("crashy", R"({"containerStatuses":[{"name":"app","image":"busybox","imageID":"",)"
                        R"("ready":true,"restartCount":5,"state":{"running":{"startedAt":)"
                        R"("2026-01-01T00:05:00Z"}}}]})");
  condition("False");
  result = runKeelson(once);
  ASSERT_TRUE(result.exit_code == 0 || result.exit_code == 2) << result.err;
  doc = insights();
  for (const auto& id : {pending_id, crash_id, pressure_id}) {
    const json* f = finding(doc, id);
    ASSERT_NE(f, nullptr) << id;
    EXPECT_EQ((*f)["status"], "closed") << id;
    EXPECT_FALSE((*f)["closed_at"].is_null()) << id;
  }
}

TEST_F(Monitor, DetectorStatesAreCheckpointedEveryNTicksInSharesAndAllAtExit) {
  for (const auto* name : {"p1", "p2", "p3", "p4"}) boundPod(name, "100m", "64Mi");
  ASSERT_TRUE(eventually([&] { return allRunning(); }));
  const std::string db_path = (dir_ / "history.db").string();
  const auto count = [&](const std::string& sql) {
    return sqliteQuery(db_path, sql)[0][0].get<int>();
  };
  BackgroundKeelson monitor(monitorArgs({"--interval", "1s", "--checkpoint-ticks", "3"}));
  ASSERT_TRUE(eventually([&] {
    return std::filesystem::exists(db_path) && count("SELECT COUNT(*) FROM ticks") >= 7;
  }));
  // While it runs: every state was written within the last 3 ticks, and not all in one tick.
  EXPECT_EQ(count("SELECT COUNT(*) FROM detector_state WHERE updated_ms < "
                  "(SELECT ts_ms FROM ticks ORDER BY ts_ms DESC LIMIT 1 OFFSET 2)"),
            0);
  EXPECT_GE(count("SELECT COUNT(DISTINCT updated_ms) FROM detector_state"), 2);
  EXPECT_EQ(sqliteQuery(db_path,
                        "SELECT value FROM settings WHERE name = "
                        "'detector_checkpoint_ticks'")[0][0],
            "3");
  monitor.signal(SIGTERM);
  const int code = monitor.wait(seconds(30));
  EXPECT_TRUE(code == 0 || code == 2) << code << monitor.stderrText();
  // At exit every series' state is written, stamped with the last tick.
  // The last tick's points are in the head (schema 2: head0 or head1, by the hour's parity).
  const int series = count(
      "SELECT COUNT(DISTINCT series_id) FROM (SELECT * FROM head0 UNION ALL SELECT * FROM head1) "
      "WHERE ts_ms = (SELECT MAX(ts_ms) FROM ticks)");
  EXPECT_GE(series, 4) << "at least each pod's restarts (usage once metrics.k8s.io has it)";
  EXPECT_EQ(count("SELECT COUNT(*) FROM detector_state WHERE updated_ms = "
                  "(SELECT MAX(ts_ms) FROM ticks)"),
            series);
  // A restart restores every stored (compressed) state: none is refused as unusable.
  const auto again = runKeelson(monitorArgs({"--once"}));
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.err.find("detector state is unusable"), std::string::npos) << again.err;
  EXPECT_GE(count("SELECT COUNT(*) FROM detector_state WHERE updated_ms = "
                  "(SELECT MAX(ts_ms) FROM ticks)"),
            series);
}

TEST_F(Monitor, SigkillLosesAtMostTheTickInFlight) {
  for (const auto* name : {"p1", "p2", "p3"}) boundPod(name, "100m", "64Mi");
  ASSERT_TRUE(eventually([&] { return allRunning(); }));
  const std::string csv_path = (dir_ / "pod_metrics.csv").string();
  const std::string db_path = (dir_ / "history.db").string();
  {
    BackgroundKeelson monitor(monitorArgs({"--interval", "1s"}));
    ASSERT_TRUE(eventually(
        [&] { return std::filesystem::exists(csv_path) && readCsv(csv_path).rows.size() >= 9; }));
    monitor.signal(SIGKILL);
    EXPECT_EQ(monitor.wait(seconds(10)), 128 + SIGKILL);
  }
  const CsvFile csv = readCsv(csv_path);
  std::map<std::string, int> rows_per_tick;
  for (std::size_t i = 0; i < csv.rows.size(); ++i) {
    // Only the very last line may be torn by the kill; every other row is whole.
    if (i + 1 < csv.rows.size()) {
      ASSERT_EQ(csv.rows[i].size(), csv.header.size()) << i;
    }
    if (csv.rows[i].size() == csv.header.size()) ++rows_per_tick[csv.rows[i][0]];
  }
  EXPECT_EQ(sqliteQuery(db_path, "PRAGMA integrity_check")[0][0], "ok");
  // One ticks row per committed tick, in the transaction of its points (which may have been
  // compacted into chunks if the run crossed an hour).
  const json points = sqliteQuery(db_path, "SELECT COUNT(*) FROM ticks");
  const int csv_ticks = static_cast<int>(rows_per_tick.size());
  const int db_ticks = points[0][0].get<int>();
  EXPECT_GE(db_ticks, csv_ticks - 1) << "the store lost more than the tick in flight";
  EXPECT_LE(db_ticks, csv_ticks + 1);

  // The next run appends after repairing a torn tail: every row is whole.
  const auto result = runKeelson(monitorArgs({"--once"}));
  ASSERT_TRUE(result.exit_code == 0 || result.exit_code == 2) << result.err;
  const CsvFile after = readCsv(csv_path);
  for (const auto& row : after.rows) ASSERT_EQ(row.size(), after.header.size());
  int complete_ticks = 0;
  for (const auto& [tick, n] : rows_per_tick) complete_ticks += n == 3 ? 1 : 0;
  EXPECT_GE(static_cast<int>(after.rows.size()), 3 * complete_ticks + 3);
}

}  // namespace
}  // namespace keelson::testing
